"""Commented starter scenarios written by `rearm new`: each validates and runs as it is."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sim.errors import UsageError
from sim.language.json_schema import MODELINE_PREFIX

KINDS: dict[str, str] = {
    "munitions": "munitions.yaml",
    "vehicles": "vehicles.yaml",
    "shipyard": "shipyard.yaml",
    "all": "all.yaml",
}
SHIPPED_SCHEMA = Path("scenarios") / "scenario.schema.json"


def template_text(kind: str) -> str:
    """The starter scenario of `kind` (one of KINDS), without a modeline."""
    return resources.files(__name__).joinpath(KINDS[kind]).read_text(encoding="utf-8")


def modeline(target: Path, schema: Path | None) -> str:
    """The yaml-language-server modeline pointing from `target` at `schema`, or '' if none."""
    if schema is None:
        return ""
    relative = os.path.relpath(schema.resolve(), target.resolve().parent)
    return f"{MODELINE_PREFIX}{Path(relative).as_posix()}\n"


def add_modeline(target: Path, schema: Path = SHIPPED_SCHEMA) -> bool:
    """Make `target`'s first line the modeline pointing at `schema` (replacing an older one);
    return whether the file changed."""
    text = target.read_text(encoding="utf-8")
    line = modeline(target, schema)
    body = text.partition("\n")[2] if text.startswith(MODELINE_PREFIX) else text
    if line + body == text:
        return False
    target.write_text(line + body, encoding="utf-8")
    return True


def starter(kind: str, target: Path, schema: Path | None = None) -> str:
    """The text `rearm new` writes to `target`: a modeline when a schema is known, then the template."""
    if schema is None and SHIPPED_SCHEMA.is_file():
        schema = SHIPPED_SCHEMA
    return modeline(target, schema) + template_text(kind).replace("THIS_FILE", target.as_posix())


def write_starter(target: Path, kind: str = "munitions", schema: Path | None = None, force: bool = False) -> Path:
    """Write the starter of `kind` to `target`, refusing to replace an existing file unless `force`."""
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name such as {target / 'scenario.yaml'}")
    if target.exists() and not target.is_file():  # a FIFO would block the write until a reader came
        raise UsageError(f"{target} is not a regular file (a FIFO, socket or device); give a file name")
    text = starter(kind, target, schema)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w" if force else "x", encoding="utf-8") as fh:  # "x": never replace a file
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{target} exists; use --force to overwrite it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target
