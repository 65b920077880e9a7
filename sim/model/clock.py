"""The model's clock: the language's calendar (`sim.language.calendar.Clock`), days from the
scenario's start."""

from __future__ import annotations

from sim.language.calendar import Clock

__all__ = ["Clock"]
