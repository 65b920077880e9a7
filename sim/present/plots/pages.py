"""Figures that fit a page: many products, budgets or targets are split over several
figures of at most `MAX_PANELS` panels, products grouped by programme (the budget that pays
for them) so that one figure tells one programme's story."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

#: The most panels one figure holds (six panels of ~2 inches fill a portrait page).
MAX_PANELS = 6


def chunks(items: Sequence[T], per_page: int) -> list[list[T]]:
    """`items` in order, `per_page` at a time (one empty page for no items)."""
    per_page = max(1, per_page)
    return [list(items[i : i + per_page]) for i in range(0, len(items), per_page)] or [[]]


def grouped_pages(items: Sequence[T], group_of: dict[T, str], per_page: int) -> list[list[T]]:
    """`items` packed into pages of at most `per_page`, a group's items together: groups in
    order of first appearance, consecutive groups sharing a page while they fit, and a group
    larger than a page split over pages of its own."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(group_of.get(item, ""), []).append(item)
    pages: list[list[T]] = []
    current: list[T] = []
    for members in groups.values():
        if len(members) > per_page:
            if current:
                pages.append(current)
                current = []
            pages += chunks(members, per_page)
            continue
        if len(current) + len(members) > per_page:
            pages.append(current)
            current = []
        current += members
    if current or not pages:
        pages.append(current)
    return pages


def page_name(stem: str, index: int) -> str:
    """The file stem of a figure's `index`-th page (0-based): `timeline`, `timeline_2`, ..."""
    return stem if index == 0 else f"{stem}_{index + 1}"


def page_note(index: int, count: int) -> str:
    """' (figure 2 of 3)' where a figure has several pages, else ''."""
    return f" (figure {index + 1} of {count})" if count > 1 else ""
