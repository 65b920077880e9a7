"""What `rearm allocate` shows: its summary lines, allocation.csv's rows, its figure (money per
item; each target's mean years as written and with the best split) and its report section, all
from the allocation document (allocation.json) alone."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FILE = "allocation.json"


def _money(x: float | None) -> str:
    if x is None:
        return "—"
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _interval(c: dict[str, Any]) -> str:
    low, high = c["interval"]
    return f"{c['objective']:.3f} (95% CI {low:.3f} to {high:.3f})"


def allocation_lines(doc: dict[str, Any]) -> list[str]:
    """The answer in a few lines: the best split, its objective and gains, with intervals."""
    best, opt = doc["best"], doc["optimiser"]
    cur = doc["currency"]
    lines = [
        f"Extra money: {doc['extra_money']['text']}, split over {len(doc['over'])} item(s).",
        f"Objective: {doc['objective']['text']}.",
        f"Search: {opt['evaluations']} candidates × {opt['search_replications']} replications "
        f"(common random numbers); best {len(doc['runners_up']) + 1} re-run × {opt['final_replications']}.",
        "",
        "Best split:",
    ]
    for path, share in sorted(best["shares"].items(), key=lambda kv: -kv[1]):
        if share > 0:
            lines.append(f"  {path:<40} {share:7.1%}  {_money(best['money'][path])} {cur}")
    lines.append(f"objective {_interval(best)}")
    lines.append(f"as written {_interval(doc['as_written'])}; even split {_interval(doc['even_split'])}")
    for key, label in (("gain_vs_as_written", "as written"), ("gain_vs_even_split", "the even split")):
        g = doc[key]
        lines.append(f"gain against {label}: {g['mean']:.3f} (95% CI {g['interval'][0]:.3f} to {g['interval'][1]:.3f})")
    alone = {k: v for k, v in doc.get("alone", {}).items() if v is not None}
    if alone:
        better = doc["objective"]["better"] == "lower"
        order = sorted(alone, key=lambda k: alone[k] if better else -alone[k])
        lines.append(
            f"each item given all the money (search, {opt['search_replications']} replications; as written "
            f"{doc['as_written_search']:.3f}), best first:"
        )
        lines += [f"  {k:<40} {alone[k]:.3f}" for k in order]
    return lines


def allocation_csv_rows(doc: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    """allocation.csv: one row per finally re-run candidate (best first), shares and money per item."""
    over = doc["over"]
    header = ["rank", "candidate", *[f"share:{p}" for p in over], *[f"money:{p}" for p in over]]
    header += ["objective", "ci_low", "ci_high", "replications"]
    rows: list[tuple[str, dict[str, Any]]] = [("best", doc["best"])]
    rows += [("runner-up", c) for c in doc["runners_up"]]
    rows += [("even split", doc["even_split"]), ("as written", doc["as_written"])]
    n = doc["optimiser"]["final_replications"]

    def row(rank: int, label: str, c: dict[str, Any]) -> list[Any]:
        shares = c["shares"] or {}
        money = c["money"] or {}
        cells = [shares.get(p, "") for p in over] + [money.get(p, "") for p in over]
        return [rank, label, *cells, c["objective"], *c["interval"], n]

    return header, (row(i, label, c) for i, (label, c) in enumerate(rows, start=1))


def allocation_figure(doc: dict[str, Any]) -> Any:
    """Money per item with the best split, and each target's mean years to reach as written
    and with it (the deadline marked)."""
    from sim.present.plots.style import GREY, colour, new_figure

    fig = new_figure(4.2)
    left, right = fig.subplots(1, 2)
    money = doc["best"]["money"]
    names = list(money)
    left.barh(range(len(names)), [money[n] / 1e6 for n in names], color=colour(0))
    left.set_yticks(range(len(names)), [n.split(".", 1)[1] for n in names])
    left.invert_yaxis()
    left.set_xlabel(f"extra money (million {doc['currency']}{' a year' if doc['extra_money']['yearly'] else ''})")
    left.set_title("Best split")
    targets = doc["targets"]
    ys = range(len(targets))
    right.scatter([t["as_written_mean_years"] for t in targets], ys, color=GREY, label="as written")
    right.scatter([t["best_mean_years"] for t in targets], ys, color=colour(1), label="best split")
    for y, t in zip(ys, targets, strict=True):
        if t["deadline_years"] is not None:
            right.plot([t["deadline_years"]] * 2, [y - 0.3, y + 0.3], color="black", lw=1)
    right.set_yticks(list(ys), [t["target"] for t in targets])
    right.invert_yaxis()
    right.set_xlabel("mean years to reach (bar: deadline)")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    right.set_title("Targets")
    return fig


def write_allocation_figure(folder: Path, doc: dict[str, Any], svg: bool = False) -> Path:
    """allocation.png (and .svg) in `folder`."""
    from sim.present.plots.style import save

    save(allocation_figure(doc), folder / "allocation.png", svg)
    return folder / "allocation.png"


def allocation_section(directory: Path) -> list[str]:
    """The report's allocation section (HTML parts), or none for a folder without allocation.json."""
    path = directory / FILE
    if not path.is_file():
        return []
    from sim.present.plots.style import png_bytes

    doc = json.loads(path.read_text(encoding="utf-8"))
    lines = "".join(f"{html.escape(x)}\n" for x in allocation_lines(doc))
    parts = ["<h2>Where the extra money should go</h2>", f"<pre>{lines}</pre>"]
    encoded = base64.b64encode(png_bytes(allocation_figure(doc))).decode()
    parts.append(f'<figure><img alt="allocation" src="data:image/png;base64,{encoded}"></figure>')
    return parts
