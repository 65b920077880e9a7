"""The documentation's Python examples run: every ```python block of each file in DOCUMENTS is
executed, in order, in one namespace per file, from a temporary folder holding a copy of
`scenarios/` (so examples may write `outputs/...` without touching the repository)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

DOCUMENTS = ["README.md", "docs/api.md"]
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a markdown text, in order."""
    return [m.group(1) for m in BLOCK.finditer(text)]


def test_block_extraction() -> None:
    text = "intro\n```python\na = 1\n```\n```text\nnot code\n```\n```python title\nb = a + 1\n```\n"
    assert python_blocks(text) == ["a = 1\n", "b = a + 1\n"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_python_examples_run(document: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas", reason="the examples use DataFrames: pip install -e '.[analysis]'")
    blocks = python_blocks((ROOT / document).read_text(encoding="utf-8"))
    assert blocks, f"{document} has no ```python example"
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for i, block in enumerate(blocks, 1):
        code = compile(block, f"{document} (python block {i})", "exec")
        exec(code, namespace)  # noqa: S102 - running our own documentation is the point
