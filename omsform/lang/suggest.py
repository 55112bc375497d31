"""Hints such as "did you mean 'name'?" for misspelt kinds, fields, addresses and providers."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate most similar to ``word``, or ``None`` when nothing is close enough.

    A case-insensitive exact match wins first, so ``Name`` suggests ``name`` even when the
    similarity ratio of a short word would be too low.
    """
    import difflib  # here: hints are only made for errors, never on a clean load

    pool = sorted(set(candidates))
    lowered = word.lower()
    for candidate in pool:
        if candidate.lower() == lowered and candidate != word:
            return candidate
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint such as ``did you mean 'name'?``, or ``""`` when there is no close candidate."""
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match else ""
