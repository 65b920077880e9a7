"""The one exception hierarchy of rearm: bad input (exit 2) and failures while running (exit 1)."""

from __future__ import annotations

from dataclasses import dataclass


class RearmError(Exception):
    """Root of every error rearm raises on purpose."""

    exit_code = 1


MAX_MESSAGE = 400
MAX_KEY = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong."""

    file: str
    line: int | None
    key: str
    message: str

    def __post_init__(self) -> None:
        # A message quoting a hostile value (a whole mapping, a 5,000-character string) is cut
        # short: the rule comes first and stays readable.
        for name, limit in (("key", MAX_KEY), ("message", MAX_MESSAGE)):
            text = getattr(self, name)
            if len(text) > limit:
                object.__setattr__(self, name, text[: limit - 12] + " … (cut)")

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"


class ScenarioError(RearmError):
    """A scenario (or an override) that is not valid; carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.key))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(RearmError):
    """A command line that cannot be carried out as written."""

    exit_code = 2


class ModelError(RearmError):
    """The simulation reached a state it must never reach (an invariant broke)."""

    exit_code = 1


class FileSystemError(RearmError):
    """Output that the file system refused (full, read-only, a name too long, a directory in the
    way, no permission): one line naming the path, the cause and what was kept."""

    exit_code = 1
