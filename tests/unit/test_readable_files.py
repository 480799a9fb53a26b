"""Reports name a function's file as any machine would: no virtualenv, no asv hash."""

from __future__ import annotations

import pytest

from afirgen_bench.core.explain import readable_file


@pytest.mark.parametrize(
    ("path", "readable"),
    [
        (
            "/work/main/.asv/env/5e88291a/lib/python3.11/site-packages/pymysql/connections.py",
            "pymysql/connections.py",
        ),
        ("/usr/lib/python3/dist-packages/redis/client.py", "redis/client.py"),
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", "json/decoder.py"),
        (
            "/work/main/.asv/duet/trees/abc/afirgen_fixtures/db/pool.py",
            "afirgen_fixtures/db/pool.py",
        ),
        ("/tmp/x/benchmarks/cost_probe/runner.py", "benchmarks/cost_probe/runner.py"),
        ("???", "???"),
        ("Objects/dictobject.c", "Objects/dictobject.c"),
    ],
)
def test_machine_paths_are_left_out(path: str, readable: str) -> None:
    assert readable_file(path) == readable
