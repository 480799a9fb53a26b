"""The command reference (``docs/commands.md``), written from the parser itself so that it
cannot drift from what the commands accept; a test fails when the file is out of date."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

REFERENCE = Path("docs") / "commands.md"
WIDTH = 100  # the help text's columns, whatever the terminal that writes it


@contextlib.contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps help to $COLUMNS: fixed here, so the file is the same everywhere."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before


def _commands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Each sub-command's one-line help and its parser, in the parser's order."""
    found: dict[str, tuple[str, argparse.ArgumentParser]] = {}
    for action in parser._actions:  # argparse has no public accessor for sub-commands
        if isinstance(action, argparse._SubParsersAction):
            helps = {
                choice.dest: (choice.help or "").replace("%%", "%")
                for choice in action._choices_actions
            }
            for name, sub in action.choices.items():
                found[name] = (helps.get(name, ""), sub)
    return found


def markdown(parser: argparse.ArgumentParser) -> str:
    """The whole reference of ``parser`` (the harness's): the overview, then every command's
    usage and options."""
    with _columns(WIDTH):
        commands = _commands(parser)
        lines = [
            "# Command reference",
            "",
            "Written by `python -m afirgen_bench reference` from the parser; do not edit by "
            "hand (`tests/unit/test_command_reference.py` fails when it is out of date).",
            "",
            "| command | what it does |",
            "|---|---|",
            *(
                f"| [`{name}`](#{name}) | {summary.replace('<', '&lt;')} |"
                for name, (summary, _) in commands.items()
            ),
            "",
        ]
        for name, (_summary, sub) in commands.items():
            lines += [f"## {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(lines)
