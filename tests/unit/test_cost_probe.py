"""The cost probe's pure logic: Callgrind dumps, opcode profiles, counter arithmetic, names."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.cost_probe.callgrind import parse_dump  # noqa: E402
from benchmarks.cost_probe.counters import (  # noqa: E402
    INFO_REQUEST,
    Reading,
    figures_between,
    mariadb_others,
    parse_info,
)
from benchmarks.cost_probe.opcodes import OpcodeCounter  # noqa: E402

DUMP = """\
# callgrind format
version: 1
creator: callgrind-3.19.0
cmd: python -m probe
desc: Trigger: Client Request: SimpleSelectById(10000)
positions: line
events: Ir
summary: 0

ob=(1) /usr/bin/python3.11
fl=(1) Python/ceval.c
fn=(1) _PyEval_EvalFrameDefault
100 50
+2 10
cfl=(2) Objects/dictobject.c
cfn=(2) dict_lookup
calls=3 400
-1 90
* 5
fi=(3) Include/object.h
7 4
fe=(1)
103 1

fl=(2)
fn=(2)
400 60
500 30
cfn=(3) malloc
calls=1 10
401 20

fl=(4) ???
fn=(3)
0 20

totals: 180
"""


def test_a_dump_gives_self_cost_per_function_without_call_costs() -> None:
    dump = parse_dump(DUMP)
    assert dump.trigger == "Client Request: SimpleSelectById(10000)"
    assert dump.instructions == 180
    costs = {f.function: f for f in dump.functions}
    # 50 + 10 + 5 + 4 (inlined) + 1; the 90 after ``calls=`` is dict_lookup's, inclusive
    assert costs["_PyEval_EvalFrameDefault"].instructions == 70
    assert costs["_PyEval_EvalFrameDefault"].file == "Python/ceval.c"
    assert costs["_PyEval_EvalFrameDefault"].line == 100  # not the inlined header's line 7
    assert costs["dict_lookup"].instructions == 90  # the 20 after calls= is malloc's
    assert (costs["dict_lookup"].file, costs["dict_lookup"].line) == ("Objects/dictobject.c", 400)
    assert costs["malloc"].instructions == 20
    assert costs["malloc"].line is None  # line 0: no debug information
    assert sum(f.instructions for f in dump.functions) == dump.instructions
    assert [f.function for f in dump.functions] == [
        "dict_lookup",
        "_PyEval_EvalFrameDefault",
        "malloc",
    ]


def test_a_dump_without_totals_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Callgrind dump"):
        parse_dump("version: 1\nfn=(1) f\n1 2\n")


def _outer() -> int:
    return sum(_inner(i) for i in range(3))


def _inner(i: int) -> int:
    return i * 2


def profile_call(call: Callable[[], object]) -> list[dict[str, object]]:
    counter = OpcodeCounter()
    with counter.active():
        call()
    return counter.top()


def test_opcodes_are_counted_exactly_the_same_every_time() -> None:
    totals = []
    for _ in range(3):
        counter = OpcodeCounter()
        with counter.active():
            _outer()
        totals.append(counter.total())
        assert counter.total() == sum(e["opcodes"] for e in counter.top())
    assert totals[0] > 0 and len(set(totals)) == 1


def test_the_opcode_profile_counts_each_function_by_itself() -> None:
    profile = profile_call(_outer)
    by_name = {entry["function"]: entry for entry in profile}
    assert set(profile[0]) == {"function", "file", "line", "opcodes"}
    inner = by_name["_inner"]
    assert inner["file"] == __file__
    assert inner["line"] == _inner.__code__.co_firstlineno
    alone = {e["function"]: e for e in profile_call(lambda: _inner(1))}
    assert inner["opcodes"] == 3 * alone["_inner"]["opcodes"]
    assert by_name["_outer"]["opcodes"] < sum(e["opcodes"] for e in profile)
    assert [e["opcodes"] for e in profile] == sorted((e["opcodes"] for e in profile), reverse=True)


def test_counters_subtract_the_measuring_connection_exactly() -> None:
    rows = [
        ("QUESTIONS", "120", "7"),
        ("ROWS_READ", "5000", "0"),
        ("BYTES_SENT", "9000", "800"),
        ("BYTES_RECEIVED", "3000", "300"),
    ]
    assert mariadb_others(rows) == {
        "QUESTIONS": 113,
        "ROWS_READ": 5000,
        "BYTES_SENT": 8200,
        "BYTES_RECEIVED": 2700,
    }
    with pytest.raises(RuntimeError, match="ROWS_READ"):
        mariadb_others(rows[:1] + rows[2:])


def test_redis_info_gives_commands_and_bytes() -> None:
    info = (
        "# Stats\r\ntotal_net_input_bytes:1000\r\ntotal_net_output_bytes:250\r\n"
        "# Commandstats\r\ncmdstat_get:calls=12,usec=30,usec_per_call=2.50\r\n"
        "cmdstat_info:calls=3,usec=90,usec_per_call=30.00\r\n"
    )
    assert parse_info(info) == {"commands": 15, "bytes": 1250}


def test_between_two_readings_one_info_and_the_earlier_reply_are_taken_off() -> None:
    before = Reading(10, 100, 1000, 50, 7000, info_reply_bytes=1800)
    after = Reading(12, 103, 1500, 53, 7000 + len(INFO_REQUEST) + 1800 + 64, 1810)
    assert figures_between(before, after) == {
        "queries": 2,
        "rows": 3,
        "commands": 2,  # 3 new, one of them the INFO of ``after``
        "bytes": 500 + 64,
    }


def test_the_probe_imports_the_suite_but_not_the_backend_beside_it(tmp_path: Path) -> None:
    """Beside ``benchmarks/`` lies the working tree's ``afirgen_fixtures``; the probe must
    measure the commit installed in the environment, as asv's own importer does."""
    import subprocess
    import sys

    from benchmarks.cost_probe.launch import BOOTSTRAP

    (tmp_path / "benchmarks" / "probe").mkdir(parents=True)
    (tmp_path / "benchmarks" / "__init__.py").write_text("")
    (tmp_path / "benchmarks" / "probe" / "__init__.py").write_text("")
    (tmp_path / "benchmarks" / "probe" / "__main__.py").write_text(
        "import importlib.util\n"
        "spec = importlib.util.find_spec('afirgen_fixtures')\n"
        "print(spec.origin if spec else 'none')\n"
    )
    (tmp_path / "afirgen_fixtures").mkdir()
    (tmp_path / "afirgen_fixtures" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    code = BOOTSTRAP.format(root=str(tmp_path), package="benchmarks.probe")
    done = subprocess.run(
        [sys.executable, "-P", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert str(tmp_path) not in done.stdout


def test_every_probe_starts_with_the_same_bytes_of_arguments_and_environment() -> None:
    from benchmarks.cost_probe.launch import LAYOUT_PAD, START_BYTES, padded, start_bytes

    short = padded(["python", "-c", "x"], {"A": "1"}, 0)
    long = padded(["/a/much/longer/path/python", "-c", "x" * 500], {"A": "1" * 900}, 0)
    assert start_bytes(["python", "-c", "x"], short) == START_BYTES
    assert start_bytes(["/a/much/longer/path/python", "-c", "x" * 500], long) == START_BYTES
    shifted = [start_bytes(["python"], padded(["python"], {}, layout)) for layout in (1, 2, 3)]
    assert len(set(shifted)) == 3 and all(START_BYTES <= n < START_BYTES + 4096 for n in shifted)
    assert shifted == [start_bytes(["python"], padded(["python"], {}, n)) for n in (1, 2, 3)]
    assert LAYOUT_PAD in short


def test_arguments_past_the_fixed_start_are_refused() -> None:
    from benchmarks.cost_probe.launch import START_BYTES, padded

    with pytest.raises(RuntimeError, match="shorten the paths"):
        padded(["python"], {"A": "x" * START_BYTES}, 0)


def test_the_probe_passes_on_only_what_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.cost_probe.launch import probe_env

    monkeypatch.setenv("ASV_COMMIT", "0123456789abcdef")
    monkeypatch.setenv("AFIRGEN_BENCH_SCALES", "10000")
    env = probe_env("mysql://u:p@h:1/d", "redis://h:2/0")
    assert "ASV_COMMIT" not in env
    assert env["AFIRGEN_BENCH_SCALES"] == "10000"
    assert env["PYTHONHASHSEED"] == "0"


def test_layout_zero_allocates_nothing_and_others_are_seeded() -> None:
    from benchmarks.cost_probe.runner import heap_padding

    assert heap_padding(0) == []
    first, again, other = heap_padding(1), heap_padding(1), heap_padding(2)
    assert [len(b) for b in first] == [len(b) for b in again]
    assert [len(b) for b in first] != [len(b) for b in other]


def test_the_calibration_and_the_suite_name_the_same_layout_variable() -> None:
    from afirgen_bench.calibrate import COST_LAYOUT_ENV

    assert f'LAYOUT_ENV = "{COST_LAYOUT_ENV}"' in (ROOT / "benchmarks" / "cost.py").read_text()
