"""Exit codes and the one error type the harness reports instead of a traceback.

Exit codes mean one thing each: 0 all good; 1 a regression or an SLA breach; 2 the harness
could not judge (bad input, broken configuration, missing results, services unreachable).
"""

EXIT_OK = 0
EXIT_VERDICT_FAILED = 1
EXIT_CANNOT_JUDGE = 2


class HarnessError(Exception):
    """The harness cannot do what was asked; the message says why and what to do."""
