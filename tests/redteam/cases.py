"""The red-team cases of issue 24: hostile inputs and situations beyond the scenario grammar.

Each case is a command line run in a subprocess (in a folder of its own) with whatever files
and situation it needs, what outcomes it accepts, and, where exit codes are not enough, a check
that tells a silent guess or a mixed output from a good result. `generate(seed)` builds every
case; the families that vary a value draw their variants from `random.Random(seed)`, so a seed
names one fixed set of cases.

Outcomes: ok, clear error (exit 1 or 2, a message, no traceback), traceback, hang (past the
case's time limit, or a process left behind), silent guess (a wrong input accepted, or a
wrong answer), mixed output (an output folder holding parts of two results).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OK, ERROR, TRACEBACK, HANG, GUESS, MIXED = "ok", "clear error", "traceback", "hang", "silent guess", "mixed output"
OUTCOMES = (OK, ERROR, TRACEBACK, HANG, GUESS, MIXED)
EITHER = frozenset({OK, ERROR})
REFUSED = frozenset({ERROR})
RUNS = frozenset({OK})

#: what each kind promises (docs/reliability.md's red-team table repeats it)
KINDS = {
    "yaml": "YAML features (merge keys, anchors, a key written twice): run as meant or refused with file and line",
    "numbers": "numbers and units (percent without %, decimal commas, huge or odd digits, backtracking "
    "bait): refused with the expected form, never guessed, never slow",
    "set": "`--set` paths (names, positions, odd parts): the item meant, a note when a part is ambiguous, "
    "a clear error otherwise",
    "text": "text as data (escape sequences, mathtext, formulas, NUL, huge titles, case-only names, built-in "
    "column names): shown literally, never executed, never colliding",
    "outputs": "output folders (a file or folder in the way, read-only, too long, stale files): one clear "
    "line and the earlier result untouched, no stale file",
    "concurrent": "two runs into one folder at once: one refuses, or the folder holds exactly one result",
    "kills": "kill -9 at a random moment: the folder holds the earlier or the new result, no process left",
    "scale": "studies at scale (huge grids, samples, replications): refused at once with the estimate",
    "inputs": "scenarios from a FIFO or /dev/stdin: read once or refused at once",
}

BASE = """\
scenario: {title}
start: 2025-01-01
horizon: 3 years
seed: 1
replications: 1
budgets:
  money:
    appropriations: {{2025: 1tn}}
    growth: 2%
facilities:
  {facility}:
    kind: munitions_factory
    product: {product}
    budget: money
    capacity: {capacity}
    unit_cost: {unit_cost}
targets:
  - name: {target}
    product: {product}
    delivered: 100k
  - name: second
    product: {product}
    delivered: 150k
"""
DEFAULTS = {
    "title": "red team",
    "facility": "plant",
    "product": "shell",
    "capacity": "100k per year",
    "unit_cost": "1000",
    "target": "first",
}


def scenario(**changes: str) -> str:
    """The base scenario with some of its fields replaced (YAML text as written)."""
    return BASE.format(**{**DEFAULTS, **changes})


@dataclass
class Result:
    """What a command did: exit code (None if it was killed for the time limit) and output."""

    code: int | None
    out: str
    err: str
    folder: Path


Check = Callable[[Result], str | None]


@dataclass
class Case:
    """One red-team case.

    `args` is the command line after `rearm` ("{dir}" is replaced by the case's folder);
    `files` are written into the folder first; `setup` prepares anything else (a read-only
    folder, a FIFO, an earlier result); `check` returns an outcome (GUESS, MIXED) when a run
    that exited cleanly did the wrong thing; `special` replaces the single command for cases
    that need several (kills, concurrent runs) and returns the outcome itself."""

    kind: str
    name: str
    args: Sequence[str] = ()
    files: dict[str, str] = field(default_factory=dict)
    accept: frozenset[str] = EITHER
    check: Check | None = None
    setup: Callable[[Path], None] | None = None
    stdin: str | None = None
    timeout: float = 60.0
    special: Callable[[Path, Any], str] | None = None
    issue_item: int = 1
    slow: bool = False

    @property
    def id(self) -> str:
        """`kind/name`."""
        return f"{self.kind}/{self.name}"


# -- checks ----------------------------------------------------------------------------------
def _no_raw_control(result: Result) -> str | None:
    return GUESS if any(c in result.out + result.err for c in "\x1b\x07\x00\u202e") else None


def _file_has(name: str, *needles: str) -> Check:
    def check(result: Result) -> str | None:
        path = result.folder / name
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        return None if all(n in text for n in needles) else GUESS

    return check


def _file_lacks(name: str, *needles: str) -> Check:
    def check(result: Result) -> str | None:
        path = result.folder / name
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        return GUESS if not path.is_file() or any(n in text for n in needles) else None

    return check


def _stderr_has(*needles: str) -> Check:
    return lambda r: None if all(n in r.err for n in needles) else GUESS


def _no_live_formula(folder: str) -> Check:
    def check(result: Result) -> str | None:
        out = result.folder / folder
        for path in out.glob("*.csv"):
            for line in path.read_text(encoding="utf-8").splitlines():
                for cell in line.split(","):
                    if cell.lstrip('"')[:1] in ("=", "+", "@") or cell.lstrip('"').startswith("-H"):
                        return GUESS
        book = out / "workbook.xlsx"
        if book.exists():
            import openpyxl

            wb = openpyxl.load_workbook(book)
            if any(c.data_type == "f" for s in wb.worksheets for row in s.iter_rows() for c in row):
                return GUESS
        return None

    return check


def _all(*checks: Check) -> Check:
    def check(result: Result) -> str | None:
        for c in checks:
            found = c(result)
            if found:
                return found
        return None

    return check


def digest(folder: Path, names: Sequence[str] = ("summary.json", "timeline.csv", "replication0.json")) -> str:
    """One hash of the named files of a result folder (missing files count as missing)."""
    h = hashlib.sha256()
    for name in names:
        path = folder / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>") + b"\0")
    return h.hexdigest()


# -- the families ------------------------------------------------------------------------------
def yaml_cases(rng: random.Random) -> list[Case]:
    override = scenario().replace(
        "    capacity: 100k per year\n",
        "    <<: {capacity: 50k per year, lot: 7 days}\n    capacity: 100k per year\n",
    )
    cases = [
        Case("yaml", "merge-scalar", ["validate", "s.yaml"], {"s.yaml": scenario() + "x: {<<: 5}\n"}, REFUSED),
        Case("yaml", "merge-sequence-of-scalars", ["validate", "s.yaml"], {"s.yaml": scenario() + "x: {<<: [1, 2]}\n"}),
        Case("yaml", "merge-overrides-a-key", ["validate", "s.yaml"], {"s.yaml": override}, RUNS),
        Case(
            "yaml",
            "year-twice-two-spellings",
            ["validate", "s.yaml"],
            {"s.yaml": scenario().replace("{2025: 1tn}", "{2026: 1tn, '2026': 2tn}")},
            REFUSED,
        ),
        Case(
            "yaml",
            "key-twice",
            ["validate", "s.yaml"],
            {"s.yaml": scenario().replace("    unit_cost: 1000\n", "    unit_cost: 1000\n    unit_cost: 2000\n")},
            REFUSED,
        ),
        Case("yaml", "bool-for-number", ["validate", "s.yaml"], {"s.yaml": scenario(unit_cost="true")}, REFUSED),
        Case("yaml", "alias-bomb-title", ["validate", "s.yaml"], {"s.yaml": _alias_bomb()}, EITHER, timeout=60),
    ]
    for i in range(3):
        depth = rng.randint(50, 400)
        cases.append(
            Case(
                "yaml",
                f"deep-nesting-{i}",
                ["validate", "s.yaml"],
                {"s.yaml": scenario() + "x: " + "[" * depth + "]" * depth + "\n"},
                REFUSED,
            )
        )
    return cases


def _alias_bomb() -> str:
    big = "A" * 40_000
    lines = [f"a0: &a0 {big}"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    return "\n".join(lines) + "\n" + scenario(title="*a11")


def number_cases(rng: random.Random) -> list[Case]:
    cases = [
        Case(
            "numbers",
            "percent-without-sign",
            ["validate", "s.yaml", "--set", "budgets.money.growth=3.5"],
            {"s.yaml": scenario()},
            REFUSED,
        ),
        Case("numbers", "decimal-comma", ["validate", "s.yaml"], {"s.yaml": scenario(unit_cost="1,5k")}, REFUSED),
        Case(
            "numbers", "digit-groups", ["validate", "s.yaml"], {"s.yaml": scenario(capacity="1,2,3 per year")}, REFUSED
        ),
        Case(
            "numbers", "huge-power", ["validate", "s.yaml"], {"s.yaml": scenario(capacity="10**400 per year")}, REFUSED
        ),
        Case(
            "numbers",
            "5000-digit-replications",
            ["validate", "s.yaml"],
            {"s.yaml": scenario().replace("replications: 1", "replications: " + "9" * 5000)},
            REFUSED,
        ),
        Case(
            "numbers",
            "hex-seed-5000-digits",
            ["validate", "s.yaml"],
            {"s.yaml": scenario().replace("seed: 1", "seed: 0x" + "f" * 5000)},
            REFUSED,
        ),
        Case(
            "numbers",
            "backtracking-spaces",
            ["validate", "s.yaml"],
            {"s.yaml": scenario(capacity='"1' + " " * 200_000 + 'x per year"')},
            REFUSED,
            timeout=20,
        ),
        Case(
            "numbers",
            "unicode-digit-set-path",
            ["validate", "s.yaml", "--set", "targets.².by=2030-01-01"],
            {"s.yaml": scenario()},
            REFUSED,
        ),
        Case(
            "numbers",
            "5000-digit-set-path",
            ["validate", "s.yaml", "--set", "targets." + "1" * 5000 + ".by=2030-01-01"],
            {"s.yaml": scenario()},
            REFUSED,
        ),
        Case("numbers", "float-huge", ["validate", "s.yaml"], {"s.yaml": scenario(unit_cost="1e400")}, REFUSED),
    ]
    for i in range(3):
        n = rng.randint(10_000, 30_000)
        stray = rng.choice("x#!é,")
        text = "".join(rng.choice(string.digits) for _ in range(n))
        cases.append(
            Case(
                "numbers",
                f"long-digits-stray-{i}",
                ["validate", "s.yaml"],
                {"s.yaml": scenario(capacity=f"'{text}{stray} per year'")},
                REFUSED,
                timeout=20,
            )
        )
    for i in range(3):
        value = ["0,5", "2,75", "12,5"][i]
        cases.append(
            Case(
                "numbers",
                f"comma-percent-{i}",
                ["validate", "s.yaml", "--set", f"budgets.money.growth={value}%"],
                {"s.yaml": scenario()},
                REFUSED,
            )
        )
    return cases


NAMED = scenario(target="'1'").replace("  - name: second\n", "  - name: four Dreadnoughts\n")


def set_cases(rng: random.Random) -> list[Case]:
    cases = [
        Case(
            "set",
            "name-wins-over-position",
            ["run", "s.yaml", "--no-plots", "--jobs", "1", "--out", "o", "--set", "targets.1.by=2027-06-01"],
            {"s.yaml": NAMED},
            RUNS,
            check=_all(_stderr_has("the name wins"), _file_has("o/summary.json", '"by": "2027-06-01"')),
        ),
        Case(
            "set",
            "by-name-with-space",
            ["validate", "s.yaml", "--set", "targets.four Dreadnoughts.by=2046-01-01"],
            {"s.yaml": NAMED},
            RUNS,
        ),
        Case("set", "no-such-key", ["validate", "s.yaml", "--set", "nosuch.x=1"], {"s.yaml": scenario()}, REFUSED),
        Case("set", "empty-part", ["validate", "s.yaml", "--set", "targets..by=1"], {"s.yaml": scenario()}, REFUSED),
        Case(
            "set",
            "no-such-position",
            ["validate", "s.yaml", "--set", "targets.99.by=2030-01-01"],
            {"s.yaml": scenario()},
            REFUSED,
        ),
        Case(
            "set",
            "no-such-name",
            ["validate", "s.yaml", "--set", "targets.thrid.by=2030-01-01"],
            {"s.yaml": scenario(target="third")},
            REFUSED,
        ),
        Case("set", "inside-a-scalar", ["validate", "s.yaml", "--set", "seed.x=1"], {"s.yaml": scenario()}, REFUSED),
        Case("set", "no-equals", ["validate", "s.yaml", "--set", "seed"], {"s.yaml": scenario()}, REFUSED),
    ]
    for i in range(3):
        part = rng.choice(["-1", "١", "1e3", "0x1", "+1"])
        cases.append(
            Case(
                "set",
                f"odd-part-{i}",
                ["validate", "s.yaml", "--set", f"targets.{part}.by=2030-01-01"],
                {"s.yaml": scenario()},
                REFUSED,
            )
        )
    return cases


def text_cases(rng: random.Random) -> list[Case]:
    run = ["run", "s.yaml", "--jobs", "1", "--out", "o"]
    formula = '\'=HYPERLINK("http://x","y")\''
    cases = [
        Case(
            "text",
            "escape-title",
            [*run, "--no-plots"],
            {"s.yaml": scenario(title='"x \\e[2J\\e]0;pwned\\a y"')},
            RUNS,
            check=_no_raw_control,
        ),
        Case(
            "text",
            "bidi-name",
            [*run, "--no-plots"],
            {"s.yaml": scenario(target='"a\\u202eb"')},
            RUNS,
            check=_no_raw_control,
        ),
        Case(
            "text",
            "mathtext-facility",
            run,
            {"s.yaml": scenario(facility='"$\\\\frac{$"')},
            RUNS,
            check=_file_has("o/waiting.png"),
            timeout=90,
        ),
        Case(
            "text",
            "formula-target",
            [*run, "--no-plots", "--xlsx"],
            {"s.yaml": scenario(target=formula, product="'@shell'")},
            RUNS,
            check=_no_live_formula("o"),
        ),
        Case("text", "nul-name-xlsx", [*run, "--no-plots", "--xlsx"], {"s.yaml": scenario(target='"a\\0b"')}, RUNS),
        Case(
            "text",
            "html-title",
            run,
            {"s.yaml": scenario(title="'<script>alert(1)</script>'")},
            RUNS,
            check=_file_lacks("o/report.html", "<script>alert"),
            timeout=90,
        ),
        Case(
            "text", "huge-title-plots", run, {"s.yaml": scenario(title="T" * 4_900_000)}, EITHER, timeout=90, slow=True
        ),
        Case(
            "text",
            "case-only-targets-sweep",
            [
                "sweep",
                "s.yaml",
                "--no-plots",
                "--jobs",
                "1",
                "--quiet",
                "--out",
                "o",
                "--vary",
                "facilities.plant.capacity=100k per year,200k per year",
            ],
            {"s.yaml": scenario(target="A").replace("name: second", "name: a")},
            RUNS,
            check=_file_has("o/results.csv", "years_to_reach:A", "years_to_reach:a"),
        ),
    ]
    for column in ("point", "error", "replication", "seed"):
        cases.append(
            Case(
                "text",
                f"vary-{column}",
                ["sweep", "s.yaml", "--no-plots", "--jobs", "1", "--quiet", "--out", "o", "--vary", f"{column}=1,2"],
                {"s.yaml": scenario()},
            )
        )
    for i in range(2):
        junk = "".join(rng.choice("\x1b\x07\x08\x0b\x0c\x7f\x9b[];$=@+-") for _ in range(12))
        encoded = junk.encode("unicode_escape").decode("ascii").replace('"', '\\"')
        cases.append(
            Case(
                "text",
                f"control-junk-name-{i}",
                [*run, "--no-plots", "--xlsx"],
                {"s.yaml": scenario(target=f'"n{encoded}"')},
                RUNS,
                check=_no_raw_control,
            )
        )
    return cases


def _earlier_run(folder: Path, seed: str = "1") -> None:
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "sim", "run", "s.yaml", "--no-plots", "--jobs", "1", "--out", "o", "--seed", seed],
        cwd=folder,
        env=_env(),
        capture_output=True,
        timeout=120,
        check=True,
    )


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": root, "NO_COLOR": "1"}


def _untouched(result: Result) -> str | None:
    summary = result.folder / "o" / "summary.json"
    try:
        seed = json.loads(summary.read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError):
        return MIXED
    return None if seed == 1 else MIXED


def output_cases(rng: random.Random) -> list[Case]:
    run = ["run", "s.yaml", "--no-plots", "--jobs", "1", "--out", "o", "--seed", "2"]

    def file_in_the_way(folder: Path) -> None:
        (folder / "o").write_text("not a folder\n")

    def dir_named_summary(folder: Path) -> None:
        _earlier_run(folder)
        (folder / "o" / "summary.json").unlink()
        (folder / "o" / "summary.json").mkdir()

    def read_only(folder: Path) -> None:
        _earlier_run(folder)
        os.chmod(folder / "o", 0o555)

    def shipyard_first(folder: Path) -> None:
        import shutil

        root = Path(__file__).resolve().parents[2]
        shutil.copy(root / "scenarios" / "examples" / "shipyard_shared_docks.yaml", folder / "ship.yaml")
        import subprocess
        import sys

        subprocess.run(
            [sys.executable, "-m", "sim", "run", "ship.yaml", "--jobs", "1", "--out", "o", "--replications", "1"],
            cwd=folder,
            env=_env(),
            capture_output=True,
            timeout=120,
            check=True,
        )

    long_out = "/".join(["d" * 200] * 25)
    cases = [
        Case("outputs", "out-is-a-file", run, {"s.yaml": scenario()}, REFUSED, setup=file_in_the_way, issue_item=2),
        Case(
            "outputs",
            "dir-named-summary-json",
            run,
            {"s.yaml": scenario()},
            REFUSED,
            setup=dir_named_summary,
            issue_item=2,
        ),
        Case(
            "outputs",
            "path-too-long",
            ["run", "s.yaml", "--no-plots", "--jobs", "1", "--out", long_out],
            {"s.yaml": scenario()},
            REFUSED,
            issue_item=2,
        ),
        Case(
            "outputs",
            "stale-gantt-after-other-run",
            ["run", "s.yaml", "--jobs", "1", "--out", "o"],
            {"s.yaml": scenario()},
            RUNS,
            setup=shipyard_first,
            check=lambda r: MIXED if (r.folder / "o" / "shipyard_gantt.png").exists() else None,
            timeout=120,
            issue_item=2,
        ),
    ]
    if os.geteuid() != 0:  # root writes through a read-only mode
        cases.append(
            Case(
                "outputs",
                "read-only-folder",
                run,
                {"s.yaml": scenario()},
                REFUSED,
                setup=read_only,
                check=_untouched,
                issue_item=2,
            )
        )
    return cases


def _concurrent(folder: Path, runner: Any) -> str:
    import subprocess
    import sys

    base = [sys.executable, "-m", "sim", "run", "s.yaml", "--no-plots", "--jobs", "1", "--replications", "3"]
    refs = {}
    for seed in ("1", "2"):
        done = subprocess.run(
            [*base, "--seed", seed, "--out", f"ref{seed}"], cwd=folder, env=_env(), capture_output=True, timeout=120
        )
        if done.returncode != 0:
            return runner.classify_exit(done.returncode, done.stderr.decode(errors="replace"))
        refs[seed] = digest(folder / f"ref{seed}")
    procs = [
        subprocess.Popen(
            [*base, "--seed", seed, "--out", "o"],
            cwd=folder,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for seed in ("1", "2")
    ]
    codes = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            return HANG
        if b"Traceback" in err:
            return TRACEBACK
        codes.append(p.returncode)
    got = digest(folder / "o")
    if got not in refs.values():
        return MIXED
    if codes == [0, 0]:
        return GUESS  # both claim to have written the folder, one result was lost without a word
    return OK


def _kill_run(folder: Path, runner: Any, fraction: float) -> str:
    """`kill -9` of `rearm run --jobs 2` over an earlier result, `fraction` of the way through a
    run as long as the reference one (late, where the files are written)."""
    import signal
    import subprocess
    import sys
    import time

    _earlier_run(folder)
    before = digest(folder / "o")
    base = [
        sys.executable,
        "-m",
        "sim",
        "run",
        "s.yaml",
        "--no-plots",
        "--jobs",
        "2",
        "--seed",
        "2",
        "--replications",
        "8",
    ]
    began = time.perf_counter()
    subprocess.run([*base, "--out", "ref"], cwd=folder, env=_env(), capture_output=True, timeout=120, check=True)
    delay = fraction * (time.perf_counter() - began)
    after = digest(folder / "ref")
    proc = subprocess.Popen(
        [*base, "--out", "o"],
        cwd=folder,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(5)
    if _group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
        return HANG
    return OK if digest(folder / "o") in (before, after) else MIXED


def _kill_sweep(folder: Path, runner: Any, delay: float) -> str:
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "sim", "sweep", "s.yaml", "--no-plots", "--jobs", "2", "--quiet", "--out", "o",
               "--replications", "40", "--vary", "facilities.plant.capacity=100k per year:300k per year:5"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=folder, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(5)
    if _group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
        return HANG
    return OK


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group `pgid` is still running (zombies do not count)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def concurrency_cases(rng: random.Random) -> list[Case]:
    return [
        Case(
            "concurrent",
            "two-runs-one-folder",
            files={"s.yaml": scenario()},
            special=_concurrent,
            accept=RUNS,
            timeout=300,
            issue_item=2,
        )
    ]


def kill_cases(rng: random.Random) -> list[Case]:
    cases = []
    for i in range(3):
        fraction = round(rng.uniform(0.5, 1.0), 2)
        cases.append(
            Case(
                "kills",
                f"kill-run-{i}-at-{fraction:.0%}",
                files={"s.yaml": scenario()},
                special=lambda f, r, d=fraction: _kill_run(f, r, d),
                accept=RUNS,
                timeout=300,
                issue_item=2,
            )
        )
    for i in range(2):
        delay = round(rng.uniform(1.0, 3.0), 2)
        cases.append(
            Case(
                "kills",
                f"kill-sweep-{i}-at-{delay}s",
                files={"s.yaml": scenario()},
                special=lambda f, r, d=delay: _kill_sweep(f, r, d),
                accept=RUNS,
                timeout=300,
                issue_item=4,
            )
        )
    return cases


def scale_cases(rng: random.Random) -> list[Case]:
    sweep = ["sweep", "s.yaml", "--no-plots", "--jobs", "1", "--quiet", "--out", "o"]
    return [
        Case(
            "scale",
            "replications-1e9",
            ["run", "s.yaml", "--no-plots", "--jobs", "1", "--out", "o", "--replications", "1000000000"],
            {"s.yaml": scenario()},
            REFUSED,
            timeout=30,
            issue_item=3,
        ),
        Case(
            "scale",
            "grid-1e8",
            [
                *sweep,
                "--vary",
                "facilities.plant.capacity=1 per year:2 per year:10000",
                "--vary",
                "facilities.plant.unit_cost=1:2:10000",
            ],
            {"s.yaml": scenario()},
            REFUSED,
            timeout=30,
            issue_item=3,
        ),
        Case(
            "scale",
            "lhs-1e9",
            [*sweep, "--method", "lhs", "--samples", "1000000000", "--vary", "facilities.plant.unit_cost=1:2"],
            {"s.yaml": scenario()},
            REFUSED,
            timeout=30,
            issue_item=3,
        ),
        Case(
            "scale",
            "sweep-1e7-replications",
            [*sweep, "--replications", "10000000", "--vary", "facilities.plant.unit_cost=1,2"],
            {"s.yaml": scenario()},
            REFUSED,
            timeout=30,
            issue_item=3,
        ),
        Case(
            "scale",
            "precision-max-1e9",
            [
                "run",
                "s.yaml",
                "--no-plots",
                "--jobs",
                "1",
                "--out",
                "o",
                "--precision",
                "1e-9",
                "--max-replications",
                "1000000000",
            ],
            {"s.yaml": scenario()},
            EITHER,
            timeout=30,
            issue_item=3,
        ),
    ]


def input_cases(rng: random.Random) -> list[Case]:
    def fifo(folder: Path) -> None:
        os.mkfifo(folder / "f.yaml")

    text = scenario()
    sha = hashlib.sha256(text.encode()).hexdigest()
    return [
        Case("inputs", "fifo-scenario", ["validate", "f.yaml"], setup=fifo, accept=REFUSED, timeout=20, issue_item=3),
        Case(
            "inputs",
            "stdin-scenario",
            ["run", "/dev/stdin", "--no-plots", "--jobs", "1", "--out", "o"],
            stdin=text,
            accept=EITHER,
            check=lambda r: None if not (r.folder / "o").exists() else _file_has("o/summary.json", sha)(r),
            timeout=60,
            issue_item=3,
        ),
    ]


FAMILIES = (
    yaml_cases,
    number_cases,
    set_cases,
    text_cases,
    output_cases,
    concurrency_cases,
    kill_cases,
    scale_cases,
    input_cases,
)


def generate(seed: int = 24) -> list[Case]:
    """Every red-team case, the varied ones drawn from `seed`."""
    rng = random.Random(seed)
    return [case for family in FAMILIES for case in family(rng)]
