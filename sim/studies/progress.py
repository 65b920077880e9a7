"""Progress of a long study: a tqdm bar (rate and ETA) on a terminal, a `tqdm.auto` bar in a
Jupyter notebook, plain periodic lines without control characters in a log (and where tqdm, an
optional dependency, is not installed)."""

from __future__ import annotations

import importlib.util
import sys
import time
from typing import IO, Any, TextIO


class ProgressReport:
    """Counts finished runs (or other `unit`s: a study's candidates); shows a bar when `stream`
    is a terminal, else a line every `every` s."""

    def __init__(
        self,
        total: int,
        label: str,
        done: int = 0,
        stream: TextIO | None = None,
        every: float = 10.0,
        enabled: bool = True,
        unit: str = "run",
    ) -> None:
        self.total = total
        self.unit = unit
        self.label = label
        self.done = done
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.enabled = enabled and total > 0
        self._start = time.monotonic()
        self._since_start = 0
        self._last = self._start
        self._printed = -1
        self._bar: Any = None
        if self.enabled and in_notebook() and has_tqdm():
            from tqdm.auto import tqdm as auto  # type: ignore[import-untyped,unused-ignore]  # a widget in Jupyter (text if ipywidgets is missing)

            self._bar = auto(total=total, initial=done, desc=label, unit=unit)
        elif self.enabled and is_terminal(self.stream) and has_tqdm():
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            self._bar = tqdm(total=total, initial=done, desc=label, unit=unit, file=self.stream, dynamic_ncols=True)

    def update(self, n: int) -> None:
        """`n` more runs (units) finished."""
        self.done += n
        self._since_start += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self._write()

    def line(self) -> str:
        """`label: done/total runs (pct), rate runs/s, ETA` as plain text (its `unit`s)."""
        elapsed = max(1e-9, time.monotonic() - self._start)
        rate = self._since_start / elapsed
        left = self.total - self.done
        eta = f"ETA {_duration(left / rate)}" if rate > 0 and left > 0 else "done" if left <= 0 else "ETA unknown"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        units = f"{self.unit}s"
        return f"{self.label}: {self.done}/{self.total} {units} ({pct:.0f}%), {rate:.1f} {units}/s, {eta}"

    def close(self) -> None:
        """Finish the bar, or write the last line."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        elif self._printed != self.done:
            self._write()

    def _write(self) -> None:
        self._printed = self.done
        self.stream.write(self.line() + "\n")
        self.stream.flush()

    def __enter__(self) -> ProgressReport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def has_tqdm() -> bool:
    """Whether tqdm (an optional dependency: `pip install 'rearm[progress]'`) is installed;
    without it progress is the plain periodic line."""
    return importlib.util.find_spec("tqdm") is not None


def shown_anywhere(stream: IO[str] | None = None) -> bool:
    """Whether progress has somewhere to show: a Jupyter kernel or a terminal (the Python API's
    default: no progress output in a script writing to a log or a pipe)."""
    return in_notebook() or is_terminal(stream if stream is not None else sys.stderr)


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (progress then goes through `tqdm.auto`)."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    return get is not None and type(get()).__name__ == "ZMQInteractiveShell"


def is_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is an interactive terminal (progress bars and colour only there)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
