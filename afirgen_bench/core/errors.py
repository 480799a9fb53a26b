"""Exit codes and the one error type the harness reports instead of a traceback.

Exit codes mean one thing each: 0 judged and good; 1 a regression or an SLA breach; 2 the
harness could not judge (bad input, broken configuration, missing or invalid results, a
benchmark that failed, services unreachable, any unexpected error).
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    VERDICT_FAILED = 1
    CANNOT_JUDGE = 2


class HarnessError(Exception):
    """The harness cannot do what was asked; the message says why and what to do."""
