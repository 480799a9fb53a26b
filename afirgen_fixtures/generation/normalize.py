"""Normalising a complaint, so that the same complaint typed twice is recognised as one."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalize_complaint(text: str) -> str:
    """NFKC, no control characters, single spaces, paragraphs kept, trimmed."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def complaint_key(normalized: str) -> str:
    """The generation cache key: case and spacing do not make a complaint new."""
    folded = " ".join(normalized.casefold().split())
    return hashlib.sha256(folded.encode()).hexdigest()
