"""The probe process: ``--mode instructions|counters --out FILE [--only REGEX] [--layout N]``.

Started by ``launch.probe_command``, which imports only ``benchmarks`` from the working tree
(the backend must be the commit installed in the environment), with ``PYTHONHASHSEED=0`` and
the services' URLs in the environment (as ``benchmarks.resources.service_urls`` resolves them).
The instructions mode runs under ``valgrind --tool=callgrind --instr-atstart=no`` with
``--dumps`` naming its ``--callgrind-out-file``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .runner import run, selected


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost_probe")
    parser.add_argument("--mode", choices=("instructions", "counters"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", help="regular expression over operation names")
    parser.add_argument("--dumps", type=Path, help="Callgrind's --callgrind-out-file")
    parser.add_argument("--layout", type=int, default=0, help="0: the fixed layout")
    args = parser.parse_args(argv)
    result = run(args.mode, selected(args.only), args.dumps, args.layout)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
