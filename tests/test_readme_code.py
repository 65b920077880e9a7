"""The documentation stays true: the README and every page under docs/ are checked alike.

- Every ```python block of a document is executed, in order, in one namespace per document, from a
  temporary folder holding a copy of `scenarios/` (so examples may write `outputs/...` without
  touching the repository). A block whose first line reads ``# after `rearm ...` `` (one or more
  commands in backquotes) first gets those commands run there, in-process; a `rearm run` among
  them runs 2 replications on one process, to keep the suite fast (the files it writes are the
  same kind).
- Every ```yaml block that is a whole scenario (top-level `scenario:` and `start:`) validates;
  fragments (a section of one, with `...`) are left alone.
- Every relative link `](path)` or `](path#anchor)` names a file that exists, and an anchor into a
  markdown file names one of its headings (GitHub's rule for heading anchors).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
YAML_BLOCK = re.compile(r"^```yaml[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$", re.MULTILINE)
AFTER = re.compile(r"`(rearm [^`]+)`")
WHOLE_SCENARIO = re.compile(r"^scenario:.*^start:", re.DOTALL | re.MULTILINE)
#: what a `rearm run` a block comes after gets added, so that the suite stays fast
QUICK_RUN = ["--replications", "2", "--jobs", "1"]


def read(document: str) -> str:
    """The text of a document, by its path from the repository root."""
    return (ROOT / document).read_text(encoding="utf-8")


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a markdown text, in order."""
    return [m.group(1) for m in BLOCK.finditer(text)]


def setup_commands(block: str) -> list[list[str]]:
    """The `rearm` commands (as argv, without `rearm`) a block's first line says it comes after."""
    first = block.split("\n", 1)[0]
    if not first.startswith("# after "):
        return []
    commands = []
    for command in AFTER.findall(first):
        argv = shlex.split(command)[1:]
        commands.append(argv + QUICK_RUN if argv[:1] == ["run"] else argv)
    return commands


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: code marks dropped, lower case, punctuation but `-` and `_`
    removed, each space a hyphen."""
    text = heading.replace("`", "").strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a markdown text (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    found = set()
    for m in HEADING.finditer(FENCE.sub("", text)):
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def relative_links(text: str) -> list[str]:
    """The targets of a markdown text's links that are not web addresses, outside code."""
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    return [t for t in LINK.findall(prose) if not re.match(r"[a-z]+:", t)]


PYTHON_DOCUMENTS = [d for d in DOCUMENTS if python_blocks(read(d))]


def test_block_extraction() -> None:
    text = "intro\n```python\na = 1\n```\n```text\nnot code\n```\n```python title\nb = a + 1\n```\n"
    assert python_blocks(text) == ["a = 1\n", "b = a + 1\n"]


def test_setup_commands_are_read_from_the_first_line() -> None:
    block = "# after `rearm new s.yaml --kind shipyard` and `rearm run s.yaml`\nx = 1\n"
    assert setup_commands(block) == [["new", "s.yaml", "--kind", "shipyard"], ["run", "s.yaml", *QUICK_RUN]]
    assert setup_commands("x = 1\n# after `rearm run s.yaml`\n") == []


def test_slugs_follow_githubs_rule() -> None:
    assert slug("`summary.json`, field by field") == "summaryjson-field-by-field"
    heading = "`rearm audit FILE [--change 10%] [--replications N]`"
    assert slug(heading) == "rearm-audit-file---change-10---replications-n"
    assert anchors("# A\n```\n# not a heading\n```\n## A\n") == {"a", "a-1"}


def test_relative_links_skip_code_and_web_addresses() -> None:
    text = "[a](docs/a.md) [b](https://x.org) `[c](no.md)`\n```\n[d](no.md)\n```\n[e](#top)\n"
    assert relative_links(text) == ["docs/a.md", "#top"]


def test_the_front_door_and_the_api_have_examples() -> None:
    assert {"README.md", "docs/api.md"} <= set(PYTHON_DOCUMENTS)
    assert len(DOCUMENTS) > 2, "docs/*.md were not found"


@pytest.mark.parametrize("document", PYTHON_DOCUMENTS)
def test_python_examples_run(document: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas", reason="the examples use DataFrames: pip install -e '.[analysis]'")
    blocks = python_blocks(read(document))
    if any("pyarrow" in block for block in blocks):
        pytest.importorskip("pyarrow", reason="the example reads Parquet: pip install -e '.[parquet]'")
    from sim.cli.main import main

    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for i, block in enumerate(blocks, 1):
        for argv in setup_commands(block):
            assert main(argv) == 0, f"{document} (python block {i}): rearm {shlex.join(argv)} failed"
        code = compile(block, f"{document} (python block {i})", "exec")
        exec(code, namespace)  # noqa: S102 - running our own documentation is the point


@pytest.mark.parametrize("document", DOCUMENTS)
def test_whole_scenarios_validate(document: str, tmp_path: Path) -> None:
    from sim.language.load import load_scenario

    for i, block in enumerate(YAML_BLOCK.findall(read(document)), 1):
        if WHOLE_SCENARIO.search(block):
            path = tmp_path / f"block{i}.yaml"
            path.write_text(block, encoding="utf-8")
            load_scenario(str(path))  # raises ScenarioError, naming file, line and key, if it does not


@pytest.mark.parametrize("document", DOCUMENTS)
def test_relative_links_resolve(document: str) -> None:
    here = (ROOT / document).parent
    broken = []
    for target in relative_links(read(document)):
        path, _, anchor = target.partition("#")
        file = (here / path).resolve() if path else ROOT / document
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading with anchor #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, f"{document}: " + "; ".join(broken)
