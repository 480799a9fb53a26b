"""``python -m afirgen_bench``: the harness's command line."""

from afirgen_bench.cli import main

raise SystemExit(main())
