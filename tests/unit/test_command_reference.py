"""The command reference is written from the parser: it names every command and option the
harness accepts, and the committed file is what the parser writes today."""

from __future__ import annotations

from afirgen_bench.cli import build_parser
from afirgen_bench.reference import REFERENCE, _commands, markdown
from tests.unit.recorded import ROOT


def test_the_committed_reference_is_what_the_parser_writes() -> None:
    assert (ROOT / REFERENCE).read_text() == markdown(build_parser()), (
        "docs/commands.md is out of date: python -m afirgen_bench reference"
    )


def test_every_command_and_option_is_in_it() -> None:
    text = markdown(build_parser())
    for name, (_summary, parser) in _commands(build_parser()).items():
        assert f"## {name}\n" in text
        for action in parser._actions:
            for option in action.option_strings:
                assert option in text, f"{name} {option}"
