"""The backend under test, looked up at run time.

The suite comes from the working tree but ``afirgen_fixtures`` is installed from the commit
under test, so everything it needs from the backend is looked up here: a benchmark whose
feature is missing at that commit raises ``NotImplementedError`` in ``setup`` and asv records
it as skipped; a backend that is there but fails to import fails it.
"""

from __future__ import annotations

import importlib
from typing import Any

BACKEND = "afirgen_fixtures"


def feature(module: str, *names: str) -> Any:
    """``afirgen_fixtures.<module>`` (or its attribute), or NotImplementedError if this
    commit does not have it yet: asv then skips the benchmark.

    Only a module that does not exist (it, or a package above it) or an attribute missing
    from a module that imported fine means "not in this commit". Anything else the import
    raises (a syntax error, an ImportError from inside the backend, a third-party module
    missing) propagates, so asv records a failure: a broken head must not pass as skipped."""
    path = f"{BACKEND}.{module}"
    try:
        found: Any = importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (path == exc.name or path.startswith(f"{exc.name}.")):
            raise
        raise NotImplementedError(f"{path} not in this commit") from exc
    for name in names:
        try:
            found = getattr(found, name)
        except AttributeError as exc:
            raise NotImplementedError(f"{path} {names} not in this commit") from exc
    return found


def has_feature(module: str, *names: str) -> bool:
    """Whether this commit has the feature; a backend that fails to import raises, as in
    ``feature``, rather than pass for a commit without it."""
    try:
        feature(module, *names)
    except NotImplementedError:
        return False
    return True


PRELOADED_MODULES = ("config", "db.pool", "db.repositories", "cache", "generation.pipeline", "data")


def preload_backend() -> None:
    """Import the backend once in asv's forkserver, so each forked benchmark process starts
    with it imported (~0.4 s each). A module this commit lacks or cannot import is left to
    the benchmarks that need it: they skip or fail with the real error."""
    for module in PRELOADED_MODULES:
        try:
            importlib.import_module(f"{BACKEND}.{module}")
        except Exception:
            continue


preload_backend()


def check_requirements(benchmark: object) -> None:
    """Skip (NotImplementedError) unless this commit has every ``module:attribute`` the
    benchmark class lists in ``requires``."""
    for requirement in getattr(benchmark, "requires", ()):
        module, _, attribute = requirement.partition(":")
        feature(module, *filter(None, [attribute]))
