"""'Did you mean' suggestions for misspelt keys and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like `word`, if any is close enough to be a likely typo."""
    options = [str(c) for c in choices]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not matches:
        lowered = {o.lower(): o for o in options}
        matches = [lowered[m] for m in difflib.get_close_matches(word.lower(), lowered, n=1, cutoff=0.6)]
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' when a close choice exists, else ''."""
    best = closest(word, choices)
    return f"; did you mean {best!r}?" if best else ""
