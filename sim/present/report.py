"""`report.html`: one self-contained page for someone who has never seen this tool — the
targets table, what binds each target, every figure (embedded as base64 PNG), the key
inputs and the provenance. No scripts, no links to fetch, no other file."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import yaml

from sim.errors import UsageError
from sim.present.allocation import allocation_section
from sim.present.certainty import date_warnings
from sim.present.files import write_atomic
from sim.present.plots.data import RunData, load_run, read_json, run_meta
from sim.present.plots.style import money_label, png_bytes, three_figures
from sim.present.run_plots import FigureSpec, figures_for
from sim.present.table import goal_text
from sim.studies.binds import measured, waited_for

REPORT = "report.html"
#: files a study leaves in its folder: a report of a run presents them only if they match it
STUDY_FILES = ("bottlenecks.json", "results.csv", "sensitivity.csv", "compare.json", "audit.json")
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
.lede{color:#444;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.2rem 0}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9rem;color:#444}.note{font-size:.85rem;color:#555}
.warnings{border-left:4px solid #c80;padding:.2rem .8rem;background:#fff8ec}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem}
.first{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;align-items:start;
margin:0 calc(50% - min(48vw,40rem))}
.first figure{margin:0}.first table{font-size:.8rem}
@media (max-width:50rem){.first{grid-template-columns:1fr;margin:0}}
@media print{.first{grid-template-columns:1fr;margin:0}}
@media print{@page{margin:1.5cm}body{max-width:none;margin:0;padding:0;font-size:10pt}
h2{break-after:avoid;page-break-after:avoid}tr{break-inside:avoid;page-break-inside:avoid}
figure{break-inside:avoid;page-break-inside:avoid;margin:.6rem 0;text-align:center}
figure img{width:auto;max-width:100%;max-height:23cm;object-fit:contain;border:0}
figcaption{break-before:avoid;page-break-before:avoid}details pre{white-space:pre-wrap}}
"""
#: the files a figure is drawn from: a stored image newer than all of them is the drawing
DRAWN_FROM = (
    "summary.json",
    "timeline.csv",
    "replication0.json",
    "scenario.resolved.yaml",
    "results.csv",
    "sensitivity.csv",
    "bottlenecks.json",
    "compare.json",
    "design.csv",
    "study.json",
)


def esc(value: Any) -> str:
    """Text made safe for HTML."""
    return html.escape("" if value is None else str(value))


def table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    """An HTML table; columns in `numeric` are right-aligned."""
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _interval_text(target: dict[str, Any]) -> str:
    """The 95% interval of a target's median date: 'low – high' ('not reached' for a bound
    beyond the horizon), '—' with too few replications for one or in an older summary."""
    interval = target.get("date_p50_interval")
    if interval is None:
        return "—"
    if interval[0] is None and interval[1] is None:
        return "not reached"
    return f"{interval[0] or 'not reached'} – {interval[1] or 'not reached'}"


def targets_rows(summary: dict[str, Any], labels: dict[str, str] | None = None) -> list[list[Any]]:
    """One row per target: threshold, deadline, median date and its 95% interval, p10–p90,
    reached, on time."""
    rows = []
    for t in summary.get("targets", []):
        d = t.get("date_reached") or {}
        on_time = t.get("on_time_probability")
        rows.append(
            [
                t["name"],
                t["product"],
                goal_text(t, labels),
                t.get("by") or "—",
                d.get("p50") or "not reached",
                _interval_text(t),
                f"{d.get('p10') or 'not reached'} – {d.get('p90') or 'not reached'}",
                f"{t['reached_fraction']:.0%}",
                "—" if on_time is None else f"{on_time:.0%}",
            ]
        )
    return rows


#: the customer table's columns after customer and product (`customer_rows`); the values'
#: headers name the currency (`customer_header`)
CUSTOMER_HEADER = [
    "ordered",
    "delivered",
    "backlog",
    "mean wait (days)",
    "ordered value",
    "delivered value",
    "backlog value",
]


def value_currency(summary: dict[str, Any]) -> str:
    """The currency the customers' order values are in (their `value_in`)."""
    entries = [m for products in (summary.get("customers") or {}).values() for m in products.values()]
    return next((str(m["value_in"]) for m in entries if m.get("value_in")), str(summary.get("currency", "")))


def customer_header(summary: dict[str, Any]) -> list[str]:
    """The customer table's header: customer, product, then `CUSTOMER_HEADER`, the values' in
    the currency they are in ('ordered value (EUR)')."""
    currency = value_currency(summary)
    return ["customer", "product"] + [f"{h} ({currency})" if h.endswith(" value") else h for h in CUSTOMER_HEADER]


def customer_rows(summary: dict[str, Any]) -> list[list[Any]]:
    """One row per customer and product ordered: median ordered, delivered, backlog and wait,
    then the median value of each (in `value_currency`, shortened as '11.1bn')."""

    def median(entry: dict[str, Any] | None, digits: int) -> str:
        value = (entry or {}).get("p50")
        return "—" if value is None else f"{value:,.{digits}f}"

    def money(entry: dict[str, Any] | None) -> str:
        value = (entry or {}).get("p50")
        return "—" if value is None else money_label(float(value), "").strip()

    return [
        [customer, product]
        + [median(m.get(k), 0) for k in ("ordered", "delivered", "backlog")]
        + [median(m.get("waiting_days"), 0)]
        + [money(m.get(f"{k}_value")) for k in ("ordered", "delivered", "backlog")]
        for customer, products in (summary.get("customers") or {}).items()
        for product, m in products.items()
    ]


def foreign_study(directory: Path, summary: dict[str, Any]) -> str | None:
    """Why the study files found beside a run are not a measurement of that run (another
    scenario file or other overrides, by `study.json`), in words; None if they match or there
    are none. A report leaves such a study out rather than present it as this run's."""
    present = [name for name in STUDY_FILES if (directory / name).is_file()]
    if not present:
        return None
    found = f"The study found beside this run ({', '.join(present)})"
    study = read_json(directory / "study.json") if (directory / "study.json").is_file() else None
    if not isinstance(study, dict) or "sha256" not in study:
        return f"{found} has no study.json recording its inputs, so it is left out of this report."
    if study.get("sha256") != summary.get("sha256"):
        return (
            f"{found} is for other inputs: scenario file {study.get('file')} with sha256 "
            f"{str(study.get('sha256'))[:12]}…, not this run's {str(summary.get('sha256'))[:12]}…; "
            "it is left out of this report."
        )
    theirs, ours = list(study.get("overrides") or []), list(summary.get("overrides") or [])
    if theirs != ours:
        return (
            f"{found} is for other inputs: overrides {', '.join(theirs) or 'none'}, not this run's "
            f"{', '.join(ours) or 'none'}; it is left out of this report."
        )
    return None


def binding(directory: Path, data: RunData, measured_ok: bool = True) -> list[list[str]]:
    """What binds each target, with its source: the run's own measurement (`rearm run
    --bottlenecks`, in summary.json), else a `rearm bottlenecks` result stored beside the run
    (when `measured_ok`: it is for this run's inputs); without either, what the target's lines
    waited for, labelled as that and never as what binds."""
    stored = directory / "bottlenecks.json"
    beside = read_json(stored) if measured_ok and stored.exists() else {}
    lines: dict[str, list[str]] = {}
    for name, f in ((data.detail or {}).get("facilities") or {}).items():
        lines.setdefault(str(f.get("product")), []).append(name)
    rows = []
    for t in data.summary.get("targets", []):
        found = t.get("what_binds")
        if found is None and beside.get(t["name"]):
            found = measured(
                beside[t["name"]],
                "measured by `rearm bottlenecks` (bottlenecks.json beside this run)",
                t.get("measure") == "unmet",
            )
        if found is not None:
            said = found["text"] if found.get("constraint") is None else f"binds: {found['text']}"
            rows.append([t["name"], said, found["source"]])
            continue
        waited = t.get("waited_for") or waited_for(data.summary.get("facilities") or {}, lines.get(t["product"], []))
        rows.append([t["name"], waited["text"], waited["source"]])
    return rows


def key_inputs(directory: Path) -> tuple[list[list[str]], str]:
    """Short rows of the scenario's main inputs, and the whole resolved scenario as text."""
    path = directory / "scenario.resolved.yaml"
    if not path.exists():
        return [], ""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    rows: list[list[str]] = []
    for key in ("start", "horizon", "currency"):  # seed and replications: see provenance (the run's own)
        if key in data:
            rows.append(["scenario", key, str(data[key])])
    for section in ("budgets", "materials", "workforce", "facilities", "demand"):
        for name, spec in (data.get(section) or {}).items():
            rows.append([section, name, _brief(spec)])
    return rows, text


def _brief(spec: Any) -> str:
    """A one-line rendering of a spec: each key with its value in YAML flow style, lists of
    named items (expansions, stages) by their names."""
    if not isinstance(spec, dict):
        return _flow(spec)
    parts = []
    for key, value in spec.items():
        if key == "description":
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            parts.append(f"{key}: {', '.join(str(v['name']) for v in value)}")
        else:
            parts.append(f"{key}: {_flow(value)}")
    return "; ".join(parts)


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True, sort_keys=False)
    return str(text).strip().removesuffix("...").strip()


def stored_png(directory: Path | None, name: str) -> bytes | None:
    """The figure's PNG as `rearm run`/`rearm plot` left it in `directory`, if it is newer than
    every file it is drawn from (then drawing it again gives the same bytes); else None."""
    if directory is None:
        return None
    path = directory / f"{name}.png"
    if not path.is_file():
        return None
    sources = [directory / f for f in DRAWN_FROM if (directory / f).is_file()]
    if any(src.stat().st_mtime_ns > path.stat().st_mtime_ns for src in sources):
        return None
    return path.read_bytes()


def figure_html(spec: FigureSpec, directory: Path | None = None) -> str:
    """A <figure> with the PNG inline: the one stored in `directory` where it is current,
    else drawn now."""
    image = stored_png(directory, spec.name)
    encoded = base64.b64encode(image if image is not None else png_bytes(spec.draw())).decode("ascii")
    return (
        f'<figure id="fig-{esc(spec.name)}"><img alt="{esc(spec.caption)}" '
        f'src="data:image/png;base64,{encoded}"><figcaption>{esc(spec.caption)}</figcaption></figure>'
    )


NATION_HEADER = [
    "nation",
    "core spending",
    "related spending",
    "appropriated",
    "committed",
    "lapsed",
    "unspent",
    "core reached",
    "related reached",
]


def nation_rows(nations: dict[str, Any]) -> list[list[Any]]:
    """One row per nation of `summary.json`'s nations: its spending on each path, the money of
    its budgets, and the share of each path reaching the modelled industrial base."""

    def money(value: float) -> str:
        return f"{three_figures(value / 1e9)}bn"

    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.2%}"

    return [
        [
            name,
            money(n["core"]["spending"]),
            money(n["related"]["spending"]),
            money(n["appropriated"]),
            money(n["committed"]),
            money(n["lapsed"]),
            money(n["unspent"]),
            share(n["core"]["reached_share"]),
            share(n["related"]["reached_share"]),
        ]
        for name, n in nations.items()
    ]


def first_screen(directory: Path, data: RunData, chart: FigureSpec | None, foreign: str | None) -> str:
    """The report's first screen: the target chart with, beside it, what binds each target and
    the source of that answer (a measurement, or what the lines waited for, so labelled)."""
    rows = binding(directory, data, measured_ok=foreign is None)
    note = f"<p class=note>{esc(foreign)}</p>" if foreign else ""
    if not any(r[2].startswith("measured") for r in rows):
        note += (
            "<p class=note>Not measured: these are what each target's lines waited for. "
            "<code>rearm run --bottlenecks</code> measures what binds.</p>"
        )
    side = "<div><h2>What binds</h2>" + note + table(["target", "what binds", "source"], rows) + "</div>"
    return f"<div class=first>{figure_html(chart) if chart else ''}{side}</div>"


def render_report(directory: Path) -> str:
    """The whole report page for the results stored in `directory`."""
    data = load_run(directory)
    foreign = foreign_study(directory, data.summary) if data is not None else None
    specs = figures_for(directory, studies=foreign is None)
    meta = data.summary if data is not None else run_meta(directory)
    allocation = allocation_section(directory)  # an allocate folder's answer (sim.present.allocation)
    if not specs and data is None and not allocation:
        raise UsageError(
            f"{directory}: no results to report (expected summary.json and timeline.csv from `rearm run`, "
            "or results.csv, sensitivity.csv, bottlenecks.json or compare.json from a study)"
        )
    title = meta.get("scenario") or directory.name
    if meta.get("command") == "compare" and meta.get("files"):  # (its scenario is only the first's)
        from sim.present.plots.compare import scenario_labels

        title = "Comparison of " + ", ".join(scenario_labels([str(f) for f in meta["files"]]).values())
    parts = [f"<h1>{esc(title)}</h1>"]
    parts += allocation
    inputs, resolved = key_inputs(directory)
    description = (yaml.safe_load(resolved) or {}).get("description") if resolved else None
    if description:
        parts.append(f"<p class=lede>{esc(description)}</p>")
    if data is not None:
        chart = next((spec for spec in specs if spec.name == "target_chart"), None)
        specs = [spec for spec in specs if spec is not chart]  # (a comparison's stays first among figures)
        parts.append(first_screen(directory, data, chart, foreign))
        n = data.summary.get("replications", 1)
        parts.append(
            f"<h2>Targets</h2><p class=note>{n:,} replication{'s' if n != 1 else ''}; dates are medians "
            "over replications; a replication that never reaches a target counts as later than any "
            "that do.</p>"
        )
        parts.append(
            table(
                [
                    "target",
                    "product",
                    "goal",
                    "deadline",
                    "median date",
                    "95% CI of median",
                    "p10 – p90",
                    "reached",
                    "on time",
                ],
                targets_rows(data.summary, data.labels),
                {7, 8},
            )
        )
        warnings = [w for t in data.summary.get("targets", []) for w in date_warnings(t)]
        if warnings:
            parts.append(
                "<div class=warnings><p><b>How sure the dates are</b></p><ul>"
                + "".join(f"<li>{esc(w)}</li>" for w in warnings)
                + "</ul></div>"
            )
        customers = customer_rows(data.summary)
        if customers:
            parts.append(
                "<h2>Customers</h2><p class=note>Orders at the horizon, medians over replications; a value "
                "is units times the order's price (the buyer's price, default the plant's unit cost), in "
                "the scenario's currency. Plants are paid from their budgets, not from these values.</p>"
            )
            parts.append(table(customer_header(data.summary), customers, set(range(2, 2 + len(CUSTOMER_HEADER)))))
    if data is not None and data.summary.get("nations"):
        parts.append(
            "<h2>Money by nation</h2><p class=note>Means over replications, in the scenario's currency; "
            "reached: the share of the nation's core (related) spending its budgets committed to the "
            "modelled plants.</p>"
        )
        parts.append(table(NATION_HEADER, nation_rows(data.summary["nations"]), set(range(1, len(NATION_HEADER)))))
    parts.append("<h2>Figures</h2>")
    parts += [figure_html(s, directory) for s in specs]
    if inputs:
        parts.append("<h2>Key inputs</h2>" + table(["section", "name", "values"], inputs))
        parts.append(f"<details><summary>Resolved scenario (YAML)</summary><pre>{esc(resolved)}</pre></details>")
    prov = [
        [k, meta.get(k)]
        for k in (
            "scenario",
            "file",
            "sha256",
            "seed",
            "replications",
            "version",
            "start",
            "horizon_years",
            "overrides",
        )
        if meta.get(k) not in (None, "", [])
    ]
    parts.append("<h2>Provenance</h2>" + table(["field", "value"], prov))
    body = "\n".join(parts)
    return (
        f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{esc(title)} — rearm report</title>"
        f'<meta name=viewport content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
        f"<body>\n{body}\n</body></html>\n"
    )


def write_report(directory: Path) -> Path:
    """Write `report.html` into `directory`; return its path."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such directory")
    path = directory / REPORT
    write_atomic(path, render_report(directory))
    return path
