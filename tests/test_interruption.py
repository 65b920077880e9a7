"""Interruption loses nothing, and how a run executes does not change its results.

Every output file goes through `sim.present.files.write_atomic` (temp file, fsync, rename), so a
failure or a `kill -9` in the middle of writing leaves the previous file whole; Ctrl-C stops a
run cleanly (exit 130, no traceback). Results do not depend on the string hash seed (set and
dict iteration) nor on the number of worker processes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.present import files
from sim.present.files import write_atomic, write_csv, write_json

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios/european_155mm.yaml"

# -- every writer is atomic -------------------------------------------------------------------------
WRITES = [
    r"open\([^)]*['\"][wax]b?\+?['\"]",
    r"\.open\(\s*['\"][wax]",
    r"\.write_(text|bytes)\(",
    r"json\.dump\(",
    r"savefig\((?!\s*(buf|buffer|stream|io\.))",
    r"\.save\((?!\s*(buf|buffer|stream))",
    r"np\.save",
    r"\.to_csv\(",
]
#: files allowed to open files for writing, and why
ALLOWED = {
    "sim/present/files.py": "the atomic writer itself",
    "sim/language/templates/__init__.py": "`rearm new` creates a new scenario exclusively ('x' mode), never an output",
}


def test_every_output_writer_goes_through_write_atomic() -> None:
    offenders = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if any(re.search(p, code) for p in WRITES):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "write through sim.present.files.write_atomic:\n" + "\n".join(offenders)


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("writer", ["json", "csv", "bytes"])
def test_a_failure_mid_write_leaves_the_previous_file_intact(
    failure: BaseException, writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.json"
    target.write_text('{"old": true}\n')

    def fail(fd: int) -> None:  # the new bytes are written, not yet made durable or renamed
        raise failure

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(type(failure)):
        if writer == "json":
            write_json(target, {"new": list(range(100_000))})
        elif writer == "csv":
            write_csv(target, ("a", "b"), [(i, i) for i in range(100_000)])
        else:
            write_atomic(target, b"\x00" * 1_000_000)
    assert target.read_text() == '{"old": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"], "the temp file is removed"


def test_a_failed_rename_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "timeline.csv"
    target.write_text("old\n")

    def fail(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(PermissionError):
        write_csv(target, ("x",), [(1,)])
    assert target.read_text() == "old\n" and len(list(tmp_path.iterdir())) == 1


# -- real processes, real signals ---------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("REARM_ALLOW_LARGE", None)
    return env


SLOW_FSYNC = """
import os, sys, time
import sim.present.files as files
real = files.os.fsync
def slow(fd):
    time.sleep(30)  # the test kills us here: after the temp file is written, before the rename
    real(fd)
files.os.fsync = slow
from sim.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _run_args(out: Path, replications: int) -> list[str]:
    return ["run", str(FLAGSHIP), "--replications", str(replications), "--jobs", "1", "--no-plots", "--out", str(out)]


def _old_outputs(out: Path) -> dict[str, str]:
    out.mkdir(parents=True)
    old = {"summary.json": json.dumps({"scenario": "old", "replications": 1}) + "\n", "timeline.csv": "date\n"}
    for name, text in old.items():
        (out / name).write_text(text)
    return old


def _wait_for(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_kill_9_in_the_middle_of_writing_summary_json_leaves_the_old_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = _old_outputs(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_FSYNC, *_run_args(out, 3)],
        env=_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # the run writes into a staging folder beside `out`, swapped in whole at the end
        staged = ".out.rearm-new-*/.summary.json.*.tmp"
        writing = _wait_for(lambda: any(tmp_path.glob(staged)), 120)
        assert writing, "the run never began writing summary.json"
        temp = next(tmp_path.glob(staged))
        assert _wait_for(lambda: temp.stat().st_size > 100, 10), "the new summary is in the temp file"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.communicate()
    assert (out / "summary.json").read_text() == old["summary.json"]
    assert (out / "timeline.csv").read_text() == old["timeline.csv"]
    json.loads(temp.read_text())  # the killed write had the whole new summary in its temp file, unpublished


def test_kill_9_during_the_replications_leaves_the_old_outputs_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = _old_outputs(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *_run_args(out, 2000)],
        env=_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(3.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed: make it longer"
    assert {p.name: p.read_text() for p in out.iterdir() if not p.name.startswith(".")} == old


def test_ctrl_c_stops_a_run_cleanly_with_exit_130(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = _old_outputs(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *_run_args(out, 2000)],
        env=_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a suite started in the background (`pytest &`) ignores Ctrl-C, and so would the run it
        # starts: Python then never turns the signal into KeyboardInterrupt, and the run finishes
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert {p.name: p.read_text() for p in out.iterdir()} == old, "nothing half-written, no temp files left"


# -- execution does not change results ------------------------------------------------------------------
def test_results_do_not_depend_on_the_hash_seed_or_the_worker_count(tmp_path: Path) -> None:
    """String hashing (so set iteration order) and the worker count differ between the two runs;
    summary.json must not."""
    texts = []
    for hash_seed, jobs in (("1", "1"), ("4242", "2")):
        out = tmp_path / f"out_{hash_seed}"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "run",
                str(FLAGSHIP),
                "--replications",
                "4",
                "--jobs",
                jobs,
                "--no-plots",
                "--out",
                str(out),
            ],
            env=_env(PYTHONHASHSEED=hash_seed),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        texts.append((out / "summary.json").read_text())
    assert texts[0] == texts[1]


# -- a study killed with -9 and resumed gives the table of an uninterrupted one ------------------------------
CAPACITIES = ",".join(f"{40 + 20 * i}k per year" for i in range(6))
SWEEP = [
    "sweep",
    str(FLAGSHIP),
    "--vary",
    f"facilities.nammo.capacity={CAPACITIES}",
    "--replications",
    "6",
    "--jobs",
    "1",
    "--no-plots",
    "--quiet",
]


def _runs_stored(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_mid_sweep_then_resume_gives_the_uninterrupted_results(tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *SWEEP, "--out", str(whole)],
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    total = _runs_stored(whole / "results.sqlite")
    assert total == 6 * 6
    survived = 0
    for attempt in range(3):  # killed twice at different points, then left to finish
        args = [sys.executable, "-m", "sim", *SWEEP, "--out", str(killed)] + (["--resume"] if attempt else [])
        child = subprocess.Popen(args, env=_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if attempt < 2:
            wanted = _runs_stored(killed / "results.sqlite") + 8
            grew = _wait_for(lambda n=wanted: _runs_stored(killed / "results.sqlite") >= n, 120)
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=60)
            assert grew and child.returncode == -signal.SIGKILL, "the sweep must be killed mid-way"
            assert _runs_stored(killed / "results.sqlite") < total
            survived += 1
        else:
            _, err = child.communicate(timeout=300)
            assert child.returncode == 0, err
    assert survived == 2
    assert (killed / "results.csv").read_text() == (whole / "results.csv").read_text()
