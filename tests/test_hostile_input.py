"""Hostile and malformed scenarios: every one ends in a clean ScenarioError naming file, line and
key (or validates, and then a short simulation runs), never a traceback, hang or partial output.

Cases are hypothesis mutations of the shipped scenarios (globbed at test time, cut down to one
facility and what it references so that thousands run in seconds) plus hostile documents
written from scratch: bombs, deep nesting, unsafe tags, binary garbage. The default profile runs
a fixed, derandomized 2,000+ cases; `REARM_FUZZ=long` (see tests/fuzz/) runs many more.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.language.limits import estimate_events
from sim.language.load import load_scenario, validate
from sim.language.overrides import apply_overrides
from sim.language.yaml_source import parse_yaml
from sim.model.kinds import FACILITY_CLASSES
from sim.model.replication import simulate

ROOT = Path(__file__).resolve().parents[1]
MUTANT = "mutant.yaml"
SECONDS_PER_CASE = 20  # a hang is anything longer; real cases take milliseconds
MAX_MESSAGE = 600  # a message quoting a huge value must cut it short
INTERNAL = ("Input should be", "pydantic", "errors.pydantic.dev", "For further information", "Traceback")

settings.register_profile(
    "hostile-default",
    max_examples=1_000,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "hostile-long",
    max_examples=int(os.environ.get("REARM_FUZZ_EXAMPLES", "50000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PROFILE = "hostile-long" if os.environ.get("REARM_FUZZ") == "long" else "hostile-default"
# Generated bombs and nests stay small in the default profile (each large one costs a second; the
# fixed tests below try the big ones); the long profile goes up to ten billion laughs.
LAUGHS, NESTING = (10, 5000) if PROFILE == "hostile-long" else (5, 300)
TEXT_EXAMPLES = settings.get_profile(PROFILE).max_examples * 19 // 20  # 1,000 + 950 + 100 = 2,050 by default


# -- what the cases produced (the long fuzz run reports it) ---------------------------------------
class Tally:
    """Counts of cases by outcome and the distinct error messages seen."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()
        self.templates: Counter[str] = Counter()

    def error(self, exc: ScenarioError) -> None:
        self.outcomes["refused"] += 1
        for p in exc.problems:
            self.messages[p.message] += 1
            self.templates[template(p.message)] += 1


TALLY = Tally()


def template(message: str) -> str:
    """A message with its quoted values and numbers blanked: the rule it states, not the value."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    text = re.sub(r"got .*$", "got …", text)
    return re.sub(r"\d[\d,._]*", "N", text)


# -- the shipped scenarios, cut down ---------------------------------------------------------------
def _referenced(fac: dict[str, Any], key: str) -> set[str]:
    names = set(fac.get(key) or {}) if isinstance(fac.get(key), dict) else set()
    for stage in fac.get("stages") or []:
        if isinstance(stage, dict) and isinstance(stage.get(key), dict):
            names |= set(stage[key])
    return names


def minis(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One small scenario per facility: the facility, what it references, its product's targets."""
    out = []
    facilities = data.get("facilities") or {}
    for name, fac in facilities.items():
        keep = {name}
        if fac.get("shares_docks_with") in facilities:
            keep.add(fac["shares_docks_with"])
        facs = {k: facilities[k] for k in keep}
        budgets = {f.get("budget") for f in facs.values()}
        materials = set().union(*(_referenced(f, "consumes") for f in facs.values()))
        for m in materials:
            supply = ((data.get("materials") or {}).get(m) or {}).get("supply") or {}
            budgets.add(supply.get("budget"))
        pools = set().union(*(_referenced(f, "workforce") for f in facs.values()))
        product = fac.get("product")
        mini = {k: v for k, v in data.items() if not isinstance(v, (dict, list)) and k != "description"}
        mini["replications"] = 1
        mini["budgets"] = {k: v for k, v in (data.get("budgets") or {}).items() if k in budgets}
        mini["materials"] = {k: v for k, v in (data.get("materials") or {}).items() if k in materials}
        mini["workforce"] = {k: v for k, v in (data.get("workforce") or {}).items() if k in pools}
        mini["facilities"] = {
            k: {**f, "expansions": f["expansions"][:2]} if isinstance(f.get("expansions"), list) else f
            for k, f in facs.items()
        }
        mini["demand"] = {k: v for k, v in (data.get("demand") or {}).items() if k == product}
        mini["inventory"] = {k: v for k, v in (data.get("inventory") or {}).items() if k == product}
        mini["targets"] = [t for t in data.get("targets") or [] if t.get("product") == product][:2]
        out.append(copy.deepcopy(mini))
    return out


def shipped() -> list[Path]:
    """Every scenario file shipped in scenarios/ (globbed now: others are being added)."""
    return sorted(ROOT.glob("scenarios/**/*.yaml"))


def _bases() -> list[dict[str, Any]]:
    bases = []
    for path in shipped():
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), str(path)).data
        except ScenarioError:
            continue
        bases.extend(minis(data))
    return bases


BASES = _bases()


def dump(data: Any) -> str:
    """YAML text of plain data (the C dumper when present: it is the slow part otherwise)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=None)


# -- hostile values ----------------------------------------------------------------------------------
SCALES = ["", "k", "M", "bn", "tn", "K", "million", "zillion", "e", "%", "x", "$"]
TIME = ["day", "days", "weeks", "months", "years", "y", "fortnight", "hours", "minute", "", "s"]
FIXED = [
    -1,
    0,
    -0.0,
    1,
    10**400 // 10**370,
    10**30,
    -(10**30),
    1e308,
    -1e308,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
    ".nan",
    ".inf",
    "-.inf",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "",
    " ",
    "0",
    "-5",
    "1e400",
    "1e-400",
    "0 days",
    "-1 days",
    "1e-300 days",
    "1e300 years",
    "1e308 years",
    "1e-9 days",
    "0.0001 days",
    "99 years",
    "101 years",
    "1e308 tn",
    "1e308 tn per day",
    "0 per year",
    "-3 per year",
    "1e-300 per day",
    "5 per fortnight",
    "10 per",
    "per year",
    "1.5.3M",
    "1,,000",
    "__",
    "3%",
    "-3%",
    "150%",
    "1e309%",
    "0%",
    "2027-13-45",
    "2027-02-30",
    "0001-01-01",
    "9999-12-31",
    "1799-12-31",
    "2301-01-01",
    "2027-1-1",
    "20270101",
    99999,
    -2027,
    1799,
    2301,
    2027,
    True,
    False,
    None,
    [],
    {},
    [[]],
    {"a": None},
    {"triangular": [3, 2, 1]},
    {"triangular": ["3 years", "2 years", "1 years"]},
    {"uniform": ["5 days", "1 days"]},
    {"uniform": ["0 days", "0 days"]},
    {"triangular": ["0 days", "0 days", "0 days"]},
    {"pert": ["0 per year", "0 per year", "0 per year"]},
    {"normal": [-1, 0]},
    {"normal": ["0 days", "0 days"]},
    {"lognormal": [0, 1]},
    {"lognormal": ["1 years", -1]},
    {"lognormal": ["1 years", math.nan]},
    {"lognormal": ["1 years", 1e308]},
    {"normal": ["1 years", "1e308 years"]},
    {"pert": [1, 2]},
    {"bogus": [1]},
    {"triangular": "x"},
    {"triangular": None},
    {"uniform": [1, 2], "normal": [1, 2]},
    {"first_unit": -1, "learning": "90%"},
    {"first_unit": 100, "learning": "0%"},
    {"first_unit": 100, "learning": "1e-300"},
    {"first_unit": "1e308", "learning": 0.5},
    {"learning": 0.9},
    "when_funded",
    "!!python/object/apply:os.system",
    "x" * 700,
    "é\u202e\u0000",
    "\t",
    "a: b",
    "- x",
]
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)


def unit_strings() -> st.SearchStrategy[str]:
    number = st.one_of(
        st.integers(-(10**12), 10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["1_000", "1,5", ".5", "5.", "1e3", "-0", "0x10", "1e", "١٢"]),
    )
    return st.builds(
        lambda n, s, sep, per, t: f"{n}{sep}{s}" + (f" {per} {t}" if per else (f" {t}" if t else "")),
        number,
        st.sampled_from(SCALES),
        st.sampled_from(["", " "]),
        st.sampled_from(["", "per", "/", "a"]),
        st.sampled_from(TIME),
    )


def distributions() -> st.SearchStrategy[dict[str, Any]]:
    item = st.one_of(unit_strings(), st.integers(-10, 10**9), st.floats(allow_nan=True))
    kinds = st.sampled_from(["triangular", "pert", "uniform", "normal", "lognormal", "beta", "Triangular"])
    return st.builds(lambda k, items: {k: items}, kinds, st.lists(item, max_size=4))


def hostile_values() -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.integers(-(10**40), 10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.booleans(),
        st.none(),
        st.dates(),
        st.datetimes(),
    )
    return st.one_of(
        st.sampled_from(FIXED),
        unit_strings(),
        distributions(),
        scalar,
        st.lists(scalar, max_size=4),
        st.dictionaries(NAMES, scalar, max_size=3),
    )


# -- mutations of plain data ------------------------------------------------------------------------
def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path below the root, parents before children."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))


def at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def typo(word: str, rng: np.random.Generator) -> str:
    """A likely misspelling: a letter dropped, doubled or swapped."""
    if len(word) < 2:
        return word + "x"
    i = int(rng.integers(0, len(word) - 1))
    return [word[:i] + word[i + 1 :], word[:i] + word[i] + word[i:], word[:i] + word[i + 1] + word[i] + word[i + 2 :]][
        int(rng.integers(0, 3))
    ]


OPS = (
    "replace",
    "replace",
    "replace",
    "delete",
    "unknown_key",
    "typo_key",
    "swap",
    "dangling",
    "circular",
    "wrap",
    "key_type",
    "duplicate",
    "empty",
)


@st.composite
def mutants(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A cut-down shipped scenario with 1-3 hostile mutations, and the ops applied."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    applied = []
    for _ in range(draw(st.integers(1, 3))):
        all_paths = list(paths(data))
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        op = draw(st.sampled_from(OPS))
        parent, last = at(data, path[:-1]), path[-1]
        applied.append(f"{op} {'.'.join(map(str, path))}")
        if op == "replace":
            parent[last] = draw(hostile_values())
        elif op == "delete":
            del parent[last]
        elif op == "unknown_key" and isinstance(parent, dict):
            parent[typo(str(last), rng) if rng.random() < 0.7 else draw(NAMES)] = draw(hostile_values())
        elif op == "typo_key" and isinstance(parent, dict):
            parent[typo(str(last), rng)] = parent.pop(last)
        elif op == "swap":
            parent[last] = copy.deepcopy(at(data, draw(st.sampled_from(all_paths))))
        elif op == "dangling":
            parent[last] = draw(NAMES)
        elif op == "circular":
            facs = data.get("facilities")
            if isinstance(facs, dict) and facs:
                names = list(facs)
                for i, n in enumerate(names):
                    if isinstance(facs[n], dict):
                        facs[n]["shares_docks_with"] = names[(i + int(rng.integers(0, 2))) % len(names)]
        elif op == "wrap":
            parent[last] = [parent[last]] if rng.random() < 0.5 else {"value": parent[last]}
        elif op == "key_type" and isinstance(parent, dict):
            parent[draw(st.sampled_from([1, 2027, None, True, 1.5, dt.date(2027, 1, 1)]))] = parent.pop(last)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif op == "empty":
            parent[last] = type(parent[last])() if isinstance(parent[last], (dict, list, str)) else None
    return data, applied


# -- text-level mutations and hostile documents -----------------------------------------------------
def billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "scenario: bomb\n" + "\n".join(lines) + "\n"


TAGS = [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!custom 3",
    "!!float 3",
    "!!str 3",
    "!!int '3'",
    "!!timestamp 2027-01-01",
    "!!python/object:sim.errors.Problem {}",
    "!<tag:yaml.org,2002:python/tuple> [1, 2]",
    "!!merge x",
]


def hostile_documents() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(
            [
                b"",
                b"   \n\n",
                b"---\n",
                b"~\n",
                b"null\n",
                b"[]\n",
                b"42\n",
                b"just some text\n",
                b"- a\n- b\n",
                b"scenario: x\n" * 3,
                b"&a [*a]\n",
                b"a: &a {b: *a}\n",
                b"a: *undefined\n",
                b"\xef\xbb\xbfscenario: x\n",
                "scenario: x\n".encode("utf-16"),
                b"\x00\x01\x02",
                b"scenario: \xff\xfe\n",
                b"a:\n\t- b\n",
                b"{a: 1, a: 2}\n",
                b"? [a, b]\n: 1\n",
                b"%YAML 1.1\n%TAG ! tag:evil,2020:\n--- !x 1\n",
                b"a: b\n---\nc: d\n",
                b"a: 'unterminated\n",
                b"a: [1, 2\n",
                b"<<: {scenario: x}\n",
            ]
        ),
        st.integers(3, LAUGHS).map(lambda n: billion_laughs(n).encode()),
        st.integers(30, NESTING).map(lambda n: ("[" * n + "]" * n).encode()),
        st.integers(30, NESTING).map(lambda n: ("{a: " * n + "1" + "}" * n).encode()),
        st.integers(30, NESTING).map(lambda n: "".join(f"{'  ' * i}k{i}:\n" for i in range(n)).encode()),
        st.sampled_from(TAGS).map(lambda t: f"scenario: {t}\nstart: 2025\nhorizon: 1 year\n".encode()),
        st.binary(max_size=400),
    )


@st.composite
def text_mutants(draw: st.DrawFn) -> bytes:
    """Bytes of a cut-down scenario edited as text, or a hostile document."""
    if draw(st.integers(0, 3)) == 0:
        return draw(hostile_documents())
    text = dump(draw(st.sampled_from(BASES)))
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    op = draw(st.sampled_from(["truncate", "insert", "delete_line", "dup_line", "special", "tag", "indent", "bytes"]))
    if op == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif op == "insert":
        j = draw(st.integers(0, len(text)))
        text = text[:j] + draw(st.text(max_size=10)) + text[j:]
    elif op == "delete_line":
        text = "".join(lines[:i] + lines[i + 1 :])
    elif op == "dup_line":
        text = "".join(lines[: i + 1] + lines[i:])
    elif op == "special":
        j = draw(st.integers(0, max(0, len(text) - 1)))
        text = text[:j] + draw(st.sampled_from(list(":-&*!{}[]|>%@`\t#,?'\"\\"))) + text[j + 1 :]
    elif op == "tag" and ":" in lines[i]:
        key, _, _ = lines[i].partition(":")
        lines[i] = f"{key}: {draw(st.sampled_from(TAGS))}\n"
        text = "".join(lines)
    elif op == "indent":
        lines[i] = " " * draw(st.integers(1, 7)) + lines[i]
        text = "".join(lines)
    raw = text.encode("utf-8", "surrogatepass")
    if op == "bytes":
        j = draw(st.integers(0, len(raw)))
        raw = raw[:j] + draw(st.binary(min_size=1, max_size=8)) + raw[j:]
    return raw


# -- the checks ------------------------------------------------------------------------------------
class Hang(BaseException):
    """A case that ran past its time (a BaseException so the model does not wrap it)."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_refusal(exc: ScenarioError, file: str, text_lines: int | None) -> None:
    """Every problem names the file, says what is wrong briefly and in the user's words; when the
    document parsed (`text_lines` known), each also names its key and a line inside the file."""
    assert exc.problems, "a ScenarioError must carry at least one problem"
    for p in exc.problems:
        assert p.file in (file, "--set"), p
        assert p.message.strip(), p
        assert len(p.message) <= MAX_MESSAGE, f"message too long ({len(p.message)} chars): {p.message[:200]}"
        assert not any(s in p.message for s in INTERNAL), p
        assert str(p).startswith(p.file), p
        if text_lines is not None and p.file == file:
            assert p.key, f"no key named: {p}"
            assert p.line is not None and 1 <= p.line <= text_lines, f"line outside the file: {p}"
    TALLY.error(exc)


def simulate_briefly(scenario: Any) -> None:
    """A valid mutant runs: one replication, cut to at most ~1,000 estimated events."""
    if any(f.kind not in FACILITY_CLASSES for f in scenario.facilities.values()):
        TALLY.outcomes["valid, kind not simulated yet"] += 1
        return
    events = max(1.0, estimate_events(scenario))
    horizon = max(1.0, min(scenario.horizon, 730.5, scenario.horizon * 1_000 / events))
    short = scenario.model_copy(update={"horizon": horizon})
    records = simulate(short, np.random.SeedSequence(0, spawn_key=(0,)))
    assert records.events <= 20 * estimate_events(short) + 1_000, "the event estimate behind the limits is far off"
    TALLY.outcomes["valid, simulated"] += 1


def check_data_case(data: dict[str, Any]) -> None:
    text = dump(data)
    with time_limit(SECONDS_PER_CASE):
        try:
            source = parse_yaml(text, MUTANT)
        except ScenarioError as exc:  # a mapping key the YAML writer could not make plain
            check_refusal(exc, MUTANT, None)
            return
        try:
            scenario = validate(source.data, source)
        except ScenarioError as exc:
            check_refusal(exc, MUTANT, text.count("\n") + 1)
            return
        simulate_briefly(scenario)


def check_file_case(raw: bytes, folder: Path) -> None:
    path = folder / MUTANT
    path.write_bytes(raw)
    with time_limit(SECONDS_PER_CASE):
        try:
            loaded = load_scenario(str(path))
        except ScenarioError as exc:
            check_refusal(exc, str(path), None)
            return
        simulate_briefly(loaded.scenario)


# -- the tests ------------------------------------------------------------------------------------
def test_the_shipped_scenarios_are_there_to_mutate() -> None:
    assert BASES, "no shipped scenario under scenarios/ parsed"
    assert all(isinstance(b.get("facilities"), dict) and len(b["facilities"]) >= 1 for b in BASES)


@settings(settings.get_profile(PROFILE))
@given(mutants())
def test_mutated_scenarios_are_refused_cleanly_or_run(case: tuple[dict[str, Any], list[str]]) -> None:
    data, _ops = case
    check_data_case(data)


@settings(settings.get_profile(PROFILE), max_examples=TEXT_EXAMPLES)
@given(text_mutants())
def test_mangled_files_are_refused_cleanly_or_run(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_file_case(raw, Path(folder))


@settings(settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples // 10)
@given(
    st.sampled_from(BASES),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "horizon",
                    "replications",
                    "seed",
                    "start",
                    "facilities.x.lot",
                    "budgets",
                    "facilities",
                    "targets.0.by",
                    "scenario",
                    "a.b.c",
                    "0",
                    "targets.9.name",
                ]
            ),
            hostile_values(),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_hostile_overrides_are_refused_cleanly_or_run(base: dict[str, Any], sets: list[tuple[str, Any]]) -> None:
    check_override_case(base, sets)


def check_override_case(base: dict[str, Any], sets: list[tuple[str, Any]]) -> None:
    text = dump(base)
    source = parse_yaml(text, MUTANT)
    facility = next(iter(base["facilities"]))
    assignments = [
        f"{k.replace('.x.', f'.{facility}.')}={dump(v).strip() if not isinstance(v, str) else v}" for k, v in sets
    ]
    with time_limit(SECONDS_PER_CASE):
        try:
            data, keys = apply_overrides(source.data, assignments, MUTANT)
            scenario = validate(data, source, keys)
        except ScenarioError as exc:
            check_refusal(exc, MUTANT, None)
            return
        simulate_briefly(scenario)


@contextmanager
def memory_limit(megabytes: int) -> Iterator[None]:
    """Fail if the block's Python allocations peak above `megabytes`."""
    tracemalloc.start()
    try:
        yield
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("levels", [9, 12])
def test_billion_laughs_is_refused_fast_in_little_memory(levels: int, tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(levels))  # 10^12 strings once expanded
    with memory_limit(200), time_limit(30), pytest.raises(ScenarioError, match="document too large"):
        load_scenario(str(path))


@pytest.mark.parametrize("text", ["[" * 20_000 + "]" * 20_000, "{a: " * 20_000 + "1" + "}" * 20_000, "&a [*a]"])
def test_deep_or_recursive_nesting_is_refused(text: str, tmp_path: Path) -> None:
    """Refused in bounded time; memory is bounded by the CLI test below (tracing allocations
    through a recursion that runs into Python's limit takes half a minute)."""
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    with time_limit(30), pytest.raises(ScenarioError, match="nested"):
        load_scenario(str(path))


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['touch PWNED']", "!!python/name:os.system"])
def test_python_tags_never_execute(tag: str, tmp_path: Path) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text(f"scenario: {tag}\nstart: 2025\nhorizon: 1 year\n")
    with pytest.raises(ScenarioError, match="tag .* is not allowed") as info:
        load_scenario(str(path))
    assert info.value.problems[0].line == 1
    assert not Path("PWNED").exists() and not (tmp_path / "PWNED").exists()


# -- through the real command line -------------------------------------------------------------------
def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m sim ARGS` with its memory capped at 2 GiB and a time limit."""

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REARM_ALLOW_LARGE", None)
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
    )


CLI_CASES = {
    "bomb": billion_laughs(12).encode(),
    "deep": ("[" * 50_000 + "]" * 50_000).encode(),
    "tag": b"scenario: !!python/object/apply:os.system ['touch PWNED']\nstart: 2025\nhorizon: 1 year\n",
    "garbage": bytes(range(256)) * 4,
    "empty": b"",
    "nan": None,  # filled from a shipped scenario below
}


def _cli_case(name: str) -> bytes:
    if CLI_CASES[name] is not None:
        return CLI_CASES[name]  # type: ignore[return-value]
    data = copy.deepcopy(BASES[0])
    fac = next(iter(data["facilities"].values()))
    fac["capacity"], data["horizon"], data["start"] = ".nan", "-3 years", "2027-02-30"
    data["unknwon"] = 1
    return dump(data).encode()


@pytest.mark.parametrize(("command", "name"), [("validate", n) for n in CLI_CASES] + [("run", "tag"), ("run", "nan")])
def test_cli_refuses_hostile_files_with_exit_2_and_no_traceback(name: str, command: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(_cli_case(name))
    out = tmp_path / "out"
    args = [command, str(path)] + (["--out", str(out), "--no-plots", "--jobs", "1"] if command == "run" else [])
    proc = _cli(args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and str(path) in proc.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not out.exists() or not any(out.iterdir()), "a refused run must write nothing"
