"""Execute a Jupyter notebook's code cells in order, in one namespace, as a kernel would, without
Jupyter: printed text becomes `stream` outputs, a cell's last expression an `execute_result`
(text/plain, and text/html where the value has `_repr_html_`), and each open matplotlib figure a
small PNG `display_data`.

    python tests/notebook_runner.py docs/notebook.ipynb   # re-execute and write the outputs back

(run it from a scratch folder: the notebook writes its study under ./outputs).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

PNG_DPI = 50  # figures stay a few KB


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _figures() -> list[dict[str, Any]]:
    """Every open matplotlib figure as a PNG output (then closed)."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib.pyplot as plt

    outputs = []
    for number in plt.get_fignums():
        buffer = io.BytesIO()
        plt.figure(number).savefig(buffer, format="png", dpi=PNG_DPI, bbox_inches="tight")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        outputs.append(
            {"output_type": "display_data", "metadata": {}, "data": {"image/png": data, "text/plain": ["<Figure>"]}}
        )
    plt.close("all")
    return outputs


def _result(value: Any, count: int) -> dict[str, Any]:
    data: dict[str, Any] = {"text/plain": _lines(repr(value))}
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        shown = html()
        if shown:
            data["text/html"] = _lines(shown)
    return {"output_type": "execute_result", "execution_count": count, "metadata": {}, "data": data}


def run_cell(source: str, namespace: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Execute one cell; return its outputs (an exception propagates, as a failed cell)."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = ast.Module(tree.body[:-1] if last else tree.body, type_ignores=[])
    out, err = io.StringIO(), io.StringIO()
    value = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        exec(compile(body, f"<cell {count}>", "exec"), namespace)  # noqa: S102 - the notebook is ours
        if last is not None:
            value = eval(compile(ast.Expression(last.value), f"<cell {count}>", "eval"), namespace)  # noqa: S307
    outputs: list[dict[str, Any]] = []
    for name, stream in (("stdout", out), ("stderr", err)):
        if stream.getvalue():
            outputs.append({"output_type": "stream", "name": name, "text": _lines(stream.getvalue())})
    outputs += _figures()
    if value is not None:
        outputs.append(_result(value, count))
    return outputs


def execute(notebook: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The notebook with fresh outputs, and the namespace its cells left."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["outputs"] = run_cell("".join(cell["source"]), namespace, count)
        cell["execution_count"] = count
    return notebook, namespace


def output_kinds(notebook: dict[str, Any]) -> list[list[tuple[str, ...]]]:
    """Per code cell, what it showed: (output type, stream name or MIME types), stderr left out
    (warnings and the study's 'wrote ...' lines vary with the machine)."""
    kinds = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            shown: list[tuple[str, ...]] = []
            for output in cell["outputs"]:
                if output["output_type"] == "stream":
                    if output["name"] == "stdout":
                        shown.append(("stream", "stdout"))
                else:
                    shown.append((output["output_type"], *sorted(output["data"])))
            kinds.append(shown)
    return kinds


if __name__ == "__main__":
    path = Path(sys.argv[1]).resolve()
    executed, _ = execute(json.loads(path.read_text(encoding="utf-8")))
    for cell in executed["cells"]:
        if cell["cell_type"] == "code":  # stderr is noise in a document: dropped from the stored outputs
            cell["outputs"] = [o for o in cell["outputs"] if o.get("name") != "stderr"]
    path.write_text(json.dumps(executed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
