"""Key layout: ``{namespace}:v{version}:{kind}:{ident}``.

The version segment lets a deploy that changes what is stored under a kind start from an empty
cache (bump ``cache_version``) instead of reading values in the old shape.
"""

from __future__ import annotations

import re

TAG_KIND = "_tag"
"""Reserved kind under which the tag sets live (one Redis set of member keys per tag)."""

_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")


def generate_key(namespace: str, entity: str, ident: object) -> str:
    """The original backend's helper: ``{namespace}:{entity}:{ident}``."""
    return f"{namespace}:{entity}:{ident}"


def versioned_prefix(namespace: str, version: int) -> str:
    return f"{namespace}:v{version}"


def escape_glob(text: str) -> str:
    """Escape Redis glob characters so a SCAN MATCH pattern matches ``text`` literally."""
    return _GLOB_SPECIALS.sub(r"\\\1", text)


def kind_pattern(prefix: str, kind: str) -> str:
    """SCAN MATCH pattern for every key of ``kind`` (and of no other kind) under ``prefix``."""
    return f"{escape_glob(prefix)}:{escape_glob(kind)}:*"


def namespace_pattern(prefix: str) -> str:
    """SCAN MATCH pattern for every key under ``prefix``, tag sets included."""
    return f"{escape_glob(prefix)}:*"
