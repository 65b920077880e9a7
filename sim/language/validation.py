"""`validate`: check scenario files, collecting every problem of every file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sim.errors import Problem, ScenarioError
from sim.language.load import load_scenario


@dataclass(frozen=True)
class Validation:
    """What checking some scenario files found: each valid file with its scenario's name, and
    every problem of the others (each names its file, line and key)."""

    valid: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether every file is valid."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise `ScenarioError` with every problem found, if there is one."""
        if self.problems:
            raise ScenarioError(list(self.problems))


def validate_files(
    *,
    files: Sequence[str | os.PathLike[str]],
    overrides: Sequence[str] = (),
    allow_large: bool | None = None,
) -> Validation:
    """Check each file (with `--set`-style `overrides`); problems are collected, not raised."""
    valid: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for file in files:
        path = os.fspath(file)
        try:
            valid.append((path, load_scenario(path, tuple(overrides), allow_large).scenario.scenario))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return Validation(tuple(valid), tuple(problems))
