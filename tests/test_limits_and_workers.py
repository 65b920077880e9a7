"""Limits wherever a number can explode, input read once, and workers that never outlive a study.

Studies too large (grid points, samples, replications, points × replications, memory) and
`--max-replications` are refused before anything is allocated, with the estimate and
`--allow-large`; the range-end and CSV-number patterns take linear time on hostile input; a
scenario is read once (a pipe) or refused at once (a FIFO with no writer, a device); worker
processes end with their parent; a Dask cluster that loses its scheduler or every worker ends
the study within the stated timeout, its finished runs kept; Ctrl-C says what was kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, CliResult

from sim.cli.commands import positive_int
from sim.errors import ScenarioError, UsageError
from sim.language import limits
from sim.language.limits import allowed_replications, check_replications, check_study, study_problems
from sim.language.load import load_scenario
from sim.language.yaml_source import MAX_BYTES, read_source
from sim.present.interop import _FLOAT, _cell
from sim.studies import executors
from sim.studies.parameters import _INTEGER_RE, _end_match, parse_parameter
from sim.studies.precision import DEFAULT_CAP, run_to_precision
from sim.studies.samplers import design_size, make_design

FLAGSHIP = ROOT / "scenarios/european_155mm.yaml"
STUDY = ["--vary", "facilities.nammo.capacity=100k per year,200k per year", "--no-plots", "--quiet"]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def flagship() -> Any:
    return load_scenario(str(FLAGSHIP)).scenario


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(limits.ENV_VAR, None)
    return env


def _runs(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0


def _wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# -- the size of a study ------------------------------------------------------------------------------
def test_a_sweep_of_ten_million_replications_is_refused_at_once_with_the_estimate(
    rearm: Callable[..., CliResult], tmp_path: Path
) -> None:
    started = time.monotonic()
    res = rearm("sweep", FLAGSHIP, *STUDY, "--replications", "10000000", "--jobs", "1", "--out", tmp_path / "o")
    assert res.code == 2 and "Traceback" not in res.err
    assert time.monotonic() - started < 10
    assert "10,000,000 replications per point is more than the limit of 100,000" in res.err
    assert "2 points × 10,000,000 replications = 20,000,000 runs would take about" in res.err
    assert " days of computing" in res.err and " GB of memory" in res.err and "pass --allow-large" in res.err
    assert not (tmp_path / "o" / "results.sqlite").exists(), "refused before anything was written"


def test_the_study_check_passes_with_allow_large_up_to_the_hard_limit(flagship: Any) -> None:
    assert study_problems(flagship, 2, 1_000_000)  # refused as it stands
    assert study_problems(flagship, 2, 1_000_000, allow_large=True) == []
    check_study(flagship, 2, 1_000_000, allow_large=True)  # lifted: no error
    hard = study_problems(flagship, 2, 10**9, allow_large=True)
    assert hard and all("this is the hard limit" in p for p in hard)


@pytest.mark.parametrize(
    ("command", "options", "points"),
    [
        ("sweep", ["--vary", "facilities.nammo.lot=1:2:1000", "--vary", "seed=1:2:1000"], 1_000_000),
        ("sweep", ["--vary", "facilities.nammo.lot=1:2", "--method", "lhs", "--samples", "1e9"], 10**9),
        (
            "sensitivity",
            ["--param", "facilities.nammo.lot=1:2", "--method", "sobol", "--samples", "1048576"],
            3 * 2**20,
        ),
        (
            "sensitivity",
            ["--param", "facilities.nammo.lot=1:2", "--method", "morris", "--samples", "600000"],
            1_200_000,
        ),
    ],
)
def test_a_design_too_large_is_refused_before_it_is_drawn(
    command: str, options: list[str], points: int, rearm: Callable[..., CliResult], tmp_path: Path
) -> None:
    started = time.monotonic()
    res = rearm(command, FLAGSHIP, *options, "--no-plots", "--quiet", "--jobs", "1", "--out", tmp_path / "o")
    assert res.code == 2 and "Traceback" not in res.err, res.err
    assert f"{points:,} design points is more than the limit of 100,000; pass --allow-large" in res.err
    assert time.monotonic() - started < 10, "counted, not drawn"


@pytest.mark.parametrize(
    ("method", "options", "samples"),
    [
        ("grid", ["a=1:2:3", "b=1,2,3,4", "c=0:1:2"], None),
        ("lhs", ["a=1:2", "b=0:1"], 7),
        ("oat", ["a=1:2", "b=0:1", "c=3:4"], None),
        ("sobol", ["a=1:2", "b=0:1", "c=3:4"], 8),
        ("morris", ["a=1:2", "b=0:1"], 5),
    ],
)
def test_the_counted_design_size_is_the_drawn_one(method: str, options: list[str], samples: int | None) -> None:
    params = [parse_parameter(p) for p in options]
    assert design_size(method, params, samples) == len(make_design(method, params, samples, 1))


def test_replication_counts_are_read_whole_and_refused_by_the_limits(rearm: Callable[..., CliResult]) -> None:
    assert positive_int("1e9") == 10**9 and positive_int("10_000") == 10_000 and positive_int("2.0") == 2
    for bad in ("1.5", "nan", "inf", "0x10", "1" * 5000):
        with pytest.raises(Exception, match="expected a whole number"):
            positive_int(bad)
    with pytest.raises(Exception, match="more than any limit allows"):
        positive_int("1" * 30)
    res = rearm("run", FLAGSHIP, "--replications", "1e9", "--no-plots", "--jobs", "1")
    assert res.code == 2 and "--replications 1000000000: 1,000,000,000 replications is more than the limit" in res.err


def test_more_worker_processes_than_the_machine_holds_are_refused(rearm: Callable[..., CliResult]) -> None:
    for command in (["run", FLAGSHIP], ["sweep", FLAGSHIP, *STUDY]):
        res = rearm(*command, "--jobs", "100000", "--no-plots")
        assert res.code == 2 and "--jobs 100000: 100,000 worker processes on" in res.err and "--allow-large" in res.err
    limits.check_jobs(32, 2, allow_large=True)  # lifted
    with pytest.raises(UsageError, match="more than the limit of 8"):
        limits.check_jobs(32, 2)


def test_max_replications_is_checked_before_a_precision_run(
    rearm: Callable[..., CliResult], tmp_path: Path, flagship: Any
) -> None:
    started = time.monotonic()
    res = rearm(
        "run", FLAGSHIP, "--precision", "0.01", "--max-replications", "1000000000", "--no-plots", "--out", tmp_path
    )
    assert res.code == 2 and time.monotonic() - started < 10
    assert "--max-replications 1000000000: 1,000,000,000 replications is more than the limit of 100,000" in res.err
    assert "GB of results" in res.err and "--allow-large" in res.err
    check_replications(flagship, 1_000_000, allow_large=True, option="--max-replications")  # lifted


def test_the_default_precision_cap_is_lowered_to_what_the_limits_allow(flagship: Any) -> None:
    most = allowed_replications(flagship)
    check_replications(flagship, most)  # within every limit ...
    with pytest.raises(UsageError):
        check_replications(flagship, most + 1)  # ... and the most that is
    heavy = load_scenario(str(FLAGSHIP), ["facilities.nammo.lot=0.01 days"])  # ~550k events a replication
    assert allowed_replications(heavy.scenario) < DEFAULT_CAP
    with pytest.raises(UsageError, match="--max-replications 10000: "):
        run_to_precision(heavy, 0.05, cap=10_000, first=2)


# -- patterns in linear time ------------------------------------------------------------------------------
HOSTILE = [
    "1" * 5000 + "x!",
    "1" * 5000 + ".",
    "1 " + " " * 200_000 + "x per year!",
    "1" * 3000 + "e" + "1" * 3000 + "!",
    "." + "1" * 5000 + "e",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_range_end_and_csv_number_patterns_take_linear_time(text: str) -> None:
    started = time.perf_counter()
    _end_match(text)
    _INTEGER_RE.fullmatch(text)
    _FLOAT.match(text)
    _cell(text)
    assert time.perf_counter() - started < 0.05


def test_a_vary_of_thirty_thousand_digits_is_answered_at_once() -> None:
    started = time.perf_counter()
    parse_parameter("x=" + "1" * 30_000 + "!:2")  # no range end: one value, which the language refuses later
    with pytest.raises(ScenarioError, match="a number of 30,000 characters"):
        parse_parameter("x=1," + "1" * 30_000)
    with pytest.raises(UsageError, match="at most 15 digits"):
        parse_parameter("x=1:2:" + "1" * 30_000)
    assert time.perf_counter() - started < 1
    assert _cell("1" * 5000) == "1" * 5000  # past int()'s 4,300 digits: text, no traceback


# -- reading a scenario once ------------------------------------------------------------------------------
def _cli(*args: str, stdin: Any = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        env=_env(),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ScenarioError, match="a pipe or FIFO with nothing in it and no writer"):
        read_source(str(fifo))
    assert time.monotonic() - started < 2
    res = _cli("new", str(fifo), "--force", timeout=30)  # writing into it would wait for a reader
    assert res.returncode == 2 and "is not a regular file" in res.stderr


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="no /dev/stdin here")
def test_a_scenario_piped_on_dev_stdin_is_read_once_and_its_hash_recorded(tmp_path: Path) -> None:
    body = FLAGSHIP.read_bytes()
    cat = subprocess.Popen(["cat", str(FLAGSHIP)], stdout=subprocess.PIPE)
    try:
        res = _cli(
            "run",
            "/dev/stdin",
            "--replications",
            "2",
            "--jobs",
            "1",
            "--no-plots",
            "--out",
            str(tmp_path),
            stdin=cat.stdout,
        )
    finally:
        cat.wait()
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["sha256"] == hashlib.sha256(body).hexdigest()
    assert summary["scenario"] == load_scenario(str(FLAGSHIP)).scenario.scenario
    # a study builds its points from the scenario as read, not by reading the pipe again
    cat = subprocess.Popen(["cat", str(FLAGSHIP)], stdout=subprocess.PIPE)
    try:
        out = tmp_path / "s"
        res = _cli(
            "sweep", "/dev/stdin", *STUDY, "--replications", "1", "--jobs", "1", "--out", str(out), stdin=cat.stdout
        )
    finally:
        cat.wait()
    assert res.returncode == 0 and "failed" not in res.stderr, res.stderr
    assert json.loads((out / "study.json").read_text())["sha256"] == hashlib.sha256(body).hexdigest()
    assert _runs(out / "results.sqlite") == 2


def test_devices_are_refused_and_a_large_file_is_refused_for_its_size_not_its_encoding(tmp_path: Path) -> None:
    for device in ("/dev/zero", "/dev/null"):
        if Path(device).exists():
            with pytest.raises(ScenarioError, match="is a device or socket"):
                read_source(device)
    big = tmp_path / "big.yaml"
    big.write_text("# " + "é" * (MAX_BYTES // 2 + 1000) + "\n", encoding="utf-8")  # a cut at MAX_BYTES + 1 splits an é
    with pytest.raises(ScenarioError) as info:
        read_source(str(big))
    assert f"file larger than {MAX_BYTES:,} bytes" in str(info.value) and "UTF-8" not in str(info.value)


# -- workers never outlive a study ------------------------------------------------------------------------------
def test_kill_9_of_a_two_worker_sweep_leaves_no_worker_alive(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(FLAGSHIP),
            *STUDY,
            "--replications",
            "300",
            "--jobs",
            "2",
            "--out",
            str(out),
        ],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        parent = psutil.Process(proc.pid)
        assert _wait_for(lambda: _runs(out / "results.sqlite") > 0 and len(parent.children()) >= 2, 120)
        workers = parent.children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
        proc.wait()

    def alive(p: Any) -> bool:
        try:
            return bool(p.is_running() and p.status() != psutil.STATUS_ZOMBIE)
        except psutil.NoSuchProcess:
            return False

    gone = _wait_for(lambda: not any(alive(p) for p in workers), 5)
    for p in workers:  # never leave them behind, even when the test fails
        if alive(p):
            p.kill()
    assert gone, f"workers alive 5 s after kill -9 of their parent: {[p.pid for p in workers if alive(p)]}"


def test_ctrl_c_ends_a_two_worker_sweep_at_once_saying_what_was_kept(tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(FLAGSHIP),
            *STUDY,
            "--replications",
            "300",
            "--jobs",
            "2",
            "--out",
            str(out),
        ],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # see test_interruption.py
    )
    try:
        assert _wait_for(lambda: _runs(out / "results.sqlite") > 0, 120)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert time.monotonic() - started < 5
    assert proc.returncode == 130 and "Traceback" not in err, err
    kept = _runs(out / "results.sqlite")
    assert f"interrupted; {kept:,} of 600 runs are kept in {out / 'results.sqlite'}" in err
    assert "--resume" in err


SCHEDULER = """
import asyncio
from distributed import Scheduler
async def main():
    async with Scheduler(host="127.0.0.1", port=0, dashboard_address=None) as s:
        print(s.address, flush=True)
        await s.finished()
asyncio.run(main())
"""
WORKERS = """
import asyncio, sys
from distributed import Worker
async def main():
    async with Worker(sys.argv[1], nthreads=1) as a, Worker(sys.argv[1], nthreads=1) as b:
        print("ready", flush=True)
        await asyncio.gather(a.finished(), b.finished())
asyncio.run(main())
"""
TIMEOUT = 3


@pytest.mark.parametrize(("lost", "message"), [("workers", "no Dask worker was left for 3 s"), ("scheduler", "lost")])
def test_a_dask_cluster_lost_mid_study_ends_it_with_exit_1_and_keeps_the_finished_runs(
    lost: str, message: str, tmp_path: Path
) -> None:
    """A scheduler and a process of two workers of our own (a LocalCluster's nannies, inside the
    study's process, would restart killed workers): killing either ends the study within the
    timeout, exit 1, the runs finished so far in results.sqlite for --resume."""
    pytest.importorskip("distributed")
    quiet = {"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL, "text": True, "env": _env()}
    scheduler = subprocess.Popen([sys.executable, "-c", SCHEDULER], **quiet)  # type: ignore[call-overload]
    workers = None
    out = tmp_path / "o"
    try:
        address = scheduler.stdout.readline().strip()
        workers = subprocess.Popen([sys.executable, "-c", WORKERS, address], **quiet)  # type: ignore[call-overload]
        assert workers.stdout.readline().strip() == "ready"
        study = subprocess.Popen(
            [sys.executable, "-m", "sim", "sweep", str(FLAGSHIP), *STUDY, "--replications", "300"]
            + ["--out", str(out), "--scheduler", address, "--scheduler-timeout", str(TIMEOUT)],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert _wait_for(lambda: _runs(out / "results.sqlite") > 0, 60), "the study never started"
        before = _runs(out / "results.sqlite")
        (workers if lost == "workers" else scheduler).kill()
        started = time.monotonic()
        _, err = study.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        for p in (scheduler, workers):
            if p is not None:
                p.kill()
                p.wait()
    assert study.returncode == 1 and "Traceback" not in err, err
    assert took < TIMEOUT + 10, f"ended {took:.1f} s after the loss"
    kept = _runs(out / "results.sqlite")
    assert before <= kept < 600
    assert message in err and f"{kept:,} of 600 runs are kept in" in err and "--resume" in err


def test_a_scheduler_that_accepts_and_never_answers_is_refused_within_the_timeout() -> None:
    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.extend(server.accept()[0] for _ in iter(int, 1)), daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(UsageError, match="cannot reach the Dask scheduler within 2 s"):
            with executors.DaskExecutor(f"tcp://127.0.0.1:{server.getsockname()[1]}", 1, timeout=2):
                pass
    finally:
        server.close()
    assert time.monotonic() - started < 2 + executors.STOP_TIMEOUT


class _FakeClient:
    def __init__(self, status: str, workers: dict[str, int] | None) -> None:
        self.status = status
        self.workers = workers

    def nthreads(self, callback_timeout: float) -> dict[str, int]:
        if self.workers is None:
            raise TimeoutError
        return self.workers


@pytest.mark.parametrize(
    ("client", "problem"),
    [
        (_FakeClient("running", {}), "no Dask worker was left"),
        (_FakeClient("running", None), "the Dask scheduler did not answer"),
        (_FakeClient("closed", {"w": 1}), "the Dask scheduler was lost"),
    ],
)
def test_a_cluster_unusable_for_the_timeout_ends_the_study(client: _FakeClient, problem: str) -> None:
    health = executors._ClusterHealth(client, timeout=0.2)
    health.check()  # unusable from now: not yet for the timeout
    time.sleep(0.25)
    with pytest.raises(executors.ExecutorLost, match=f"{problem} for 0.2 s"):
        health.check()
    usable = executors._ClusterHealth(_FakeClient("running", {"w": 1}), timeout=0)
    usable.check()  # a worker and an answer: no error however long
