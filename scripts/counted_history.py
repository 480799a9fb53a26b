"""Every neighbouring pair of backend commits judged on its counted figures alone, from the
stored results: which pairs flag something, and the largest unflagged move per unit.

The check behind docs/cost.md's "re-counted history": a pair that changed no code on a path
must flag nothing there; every pair that flags must have changed the code. Counted figures
are judged across runs (each commit was counted in a run of its own).

    python scripts/counted_history.py [--machine NAME]
"""

from __future__ import annotations

import argparse
import itertools

from afirgen_bench.core.models import NoiseSource, Verdict
from afirgen_bench.git import backend_commits
from afirgen_bench.judge import judge
from afirgen_bench.workspace import Workspace

FLAGS = (Verdict.REGRESSION, Verdict.IMPROVEMENT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machine", default=None)
    workspace = Workspace(parser.parse_args().machine)
    done = workspace.results.commits()
    commits = [c for c in backend_commits(workspace.root) if c[:8] in done]
    quiet, largest = 0, {}
    for base, head in itertools.pairwise(commits):
        judgement = judge(workspace, base, head, across_runs=True)
        counted = [c for c in judgement.changes if c.noise_source is NoiseSource.EXACT]
        flagged = [c for c in counted if c.verdict in FLAGS]
        recount = [c for c in judgement.changes if c.verdict is Verdict.RECOUNT]
        quiet += not flagged and not recount
        for change in counted:
            if change.verdict not in FLAGS and change.ratio is not None and change.head:
                unit, move = change.head.unit, abs(change.ratio - 1)
                if move > largest.get(unit, (0.0, ""))[0]:
                    largest[unit] = (move, f"{change.key} at {head[:8]}")
        note = f", {len(recount)} to count again" if recount else ""
        print(f"{base[:8]} -> {head[:8]}: {len(flagged)} of {len(counted)} flagged{note}")
    print(f"\n{quiet} of {len(commits) - 1} pairs flag nothing; largest unflagged moves:")
    for unit, (move, where) in sorted(largest.items()):
        print(f"  {unit}: {move:.2%} ({where})")


if __name__ == "__main__":
    main()
