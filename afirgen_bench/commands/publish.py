"""``publish``: asv's site of the stored results, made to work offline."""

from __future__ import annotations

import argparse

from afirgen_bench.commands._base import Command
from afirgen_bench.workspace import Workspace


class Publish(Command):
    name = "publish"
    help = "asv publish, then make html/ work offline"

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench.publish import publish_site

        return publish_site(workspace)
