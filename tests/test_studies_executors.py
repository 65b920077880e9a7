"""Studies give identical results on any executor, and survive being killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CliResult, write_yaml

from sim.library import studies as study_commands  # the study pipeline the command calls
from sim.studies.executors import DaskExecutor, make_executor

NOISY = """
scenario: noisy plant
start: 2025-01-01
horizon: 6 years
seed: 5
replications: {reps}
budgets:
  money: {{appropriations: {{2025: 300M}}, growth: {{uniform: [0%, 10%]}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {{triangular: [100k per year, 150k per year, 250k per year]}}
    lot: 14 days
    unit_cost: {{first_unit: {{uniform: [800, 1200]}}, learning: 95%}}
    breakdowns: {{mtbf: 6 months, mttr: 2 weeks}}
targets:
  - {{name: half million, product: shell, delivered: 500k}}
  - {{name: rate, product: shell, rate: 150k per year}}
"""

SWEEP = ("--vary", "facilities.plant.lot=7 days,14 days", "--vary", "budgets.money.inflation=0%:4%:2")


def test_results_are_identical_on_one_process_two_processes_and_a_dask_cluster(
    tmp_path: Path, rearm: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    # A real LocalCluster (scheduler, two workers, comms), its workers as threads of this
    # process so that the test does not pay for starting worker processes.
    monkeypatch.setattr(
        study_commands,
        "make_executor",
        lambda jobs, scheduler, timeout: (
            DaskExecutor(scheduler, jobs, processes=False, timeout=timeout) if scheduler else make_executor(jobs)
        ),
    )
    file = write_yaml(tmp_path, NOISY.format(reps=6))
    tables = {}
    for name, options in {
        "jobs1": ("--jobs", "1"),
        "jobs2": ("--jobs", "2"),
        "dask": ("--scheduler", "local", "--jobs", "2"),
    }.items():
        res = rearm("sweep", "--no-plots", file, *SWEEP, "--out", tmp_path / name, *options, "--quiet")
        assert res.code == 0, res.err
        tables[name] = (tmp_path / name / "results.csv").read_text()
    assert tables["jobs1"] == tables["jobs2"] == tables["dask"]
    lines = tables["jobs1"].splitlines()
    assert len(lines) == 1 + 4 * 6
    years = lines[0].split(",").index("years_to_reach:half million")  # after each parameter's number, unit and text
    assert len({line.split(",")[years] for line in lines[1:]}) > 4  # the replications really differ


def count_runs(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=0.1) as conn:
            return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_resume_after_kill_9_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, rearm: Callable[..., CliResult]
) -> None:
    reps = 40
    total = 4 * reps
    file = write_yaml(tmp_path, NOISY.format(reps=reps))
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        "--no-plots",
        str(file),
        *SWEEP,
        "--out",
        str(out),
        "--jobs",
        "1",
        "--quiet",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = out / "results.sqlite"
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        seen = count_runs(db)
        if seen >= 10:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_at = count_runs(db)
    assert 10 <= killed_at < total, "the study should be killed part-way"

    res = rearm("sweep", "--no-plots", file, *SWEEP, "--out", out, "--jobs", "2", "--resume", "--quiet")
    assert res.code == 0, res.err
    with sqlite3.connect(db) as conn:
        sessions = dict(conn.execute("SELECT session, count(*) FROM runs GROUP BY session").fetchall())
        pairs = conn.execute("SELECT count(DISTINCT point * 100000 + replication) FROM runs").fetchone()[0]
    assert sessions[1] == killed_at and sessions[2] == total - killed_at  # finished runs were not rerun
    assert pairs == total

    fresh = tmp_path / "fresh"
    assert rearm("sweep", "--no-plots", file, *SWEEP, "--out", fresh, "--jobs", "2", "--quiet").code == 0
    assert (out / "results.csv").read_text() == (fresh / "results.csv").read_text()


def test_resume_refuses_a_different_study(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    file = write_yaml(tmp_path, NOISY.format(reps=2))
    out = tmp_path / "o"
    assert rearm("sweep", "--no-plots", file, *SWEEP, "--out", out, "--jobs", "1", "--quiet").code == 0
    res = rearm("sweep", "--no-plots", file, *SWEEP, "--out", out, "--jobs", "1", "--quiet", "--resume", "--seed", "9")
    assert res.code == 2 and "holds a different study" in res.err
    again = rearm("sweep", "--no-plots", file, *SWEEP, "--out", out, "--jobs", "1", "--quiet", "--resume")
    assert again.code == 0
    with sqlite3.connect(out / "results.sqlite") as conn:
        assert conn.execute("SELECT count(*), max(session) FROM runs").fetchone() == (4 * 2, 1)
