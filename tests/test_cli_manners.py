"""CLI manners: help with an example for every command, --version, -v/-q as log levels, colour
only on a terminal, and shell completion through argcomplete."""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from sim import __version__
from sim.cli.main import build_parser
from sim.cli.terminal import log_level, paint, use_colour


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


COMMANDS = sorted(subcommands())


def test_the_documented_commands_exist() -> None:
    assert {"validate", "run", "schema", "new", "export"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str, rearm: Any) -> None:
    parser = subcommands()[name]
    assert parser.description, f"rearm {name} has no description"
    assert parser.epilog and f"Example: rearm {name}" in parser.epilog, f"rearm {name} --help shows no example"
    shown = rearm(name, "--help")
    assert shown.code == 0
    assert f"Example: rearm {name}" in shown.out


def test_version(rearm: Any) -> None:
    shown = rearm("--version")
    assert shown.code == 0 and shown.out.strip() == f"rearm {__version__}"


@pytest.mark.parametrize(
    ("flags", "level"),
    [((), logging.WARNING), (("-q",), logging.ERROR), (("-v",), logging.INFO), (("-vv",), logging.DEBUG)],
)
def test_verbosity_flags_set_the_log_level(flags: tuple[str, ...], level: int, rearm: Any, tmp_path: Path) -> None:
    logger = logging.getLogger("sim")
    before = logger.level
    try:
        assert rearm(*flags, "schema", "--output", tmp_path / "s.json").code == 0
        assert logger.level == level
    finally:
        logger.setLevel(before)


def test_log_levels_clamp() -> None:
    assert [log_level(v) for v in (-5, -1, 0, 1, 2, 9)] == [
        logging.ERROR,
        logging.ERROR,
        logging.WARNING,
        logging.INFO,
        logging.DEBUG,
        logging.DEBUG,
    ]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def plain_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    yield


def test_colour_only_on_a_terminal(plain_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paint("error", "red", io.StringIO()) == "error"
    assert paint("error", "red", FakeTerminal()) == "\033[31merror\033[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(FakeTerminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_colour(FakeTerminal())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_colour(io.StringIO())


def test_errors_into_a_pipe_have_no_escape_codes(plain_env: None, rearm: Any, tmp_path: Path) -> None:
    failed = rearm("run", tmp_path / "missing.yaml")
    assert failed.code == 2
    assert "missing.yaml" in failed.err and "\033[" not in failed.err


def test_shell_completion_completes_commands(tmp_path: Path) -> None:
    pytest.importorskip("argcomplete", reason="completion needs argcomplete: pip install -e '.[completion]'")
    answer = tmp_path / "completions"
    line = "rearm sch"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    subprocess.run([sys.executable, "-m", "sim"], env=env, cwd=ROOT, check=True, timeout=60)
    assert answer.read_text().split() == ["schema"]
