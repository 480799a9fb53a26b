"""How long each kind of cached data lives, in seconds.

The numbers are the ones the original backend used (FIR record 3600, lists 1800, stats 300) plus
generated FIRs, which are the costliest to rebuild (a model call), so they live longest.
"""

from __future__ import annotations

TTL_BY_KIND: dict[str, int] = {
    "fir": 3600,
    "fir_number": 3600,
    "fir_list": 1800,
    "session_list": 1800,
    "stats": 300,
    "generated_fir": 7200,
}
DEFAULT_TTL_S = 600


def ttl_for(kind: str, ttl: int | None = None) -> int:
    """The TTL to set for ``kind``: an explicit ``ttl`` wins, then the table, then the default."""
    if ttl is not None:
        if ttl <= 0:
            raise ValueError(f"ttl must be a positive number of seconds, got {ttl}")
        return ttl
    return TTL_BY_KIND.get(kind, DEFAULT_TTL_S)
