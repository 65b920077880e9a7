"""A run's output folder is one unit (issue 24, item 2).

`rearm run` writes into a hidden folder beside `--out` and swaps it in whole at the end, so a
kill at any moment leaves the earlier result or the new one, never a mix, and no file of an
earlier run survives; the earlier result is kept as `<out>.previous`. File-system errors end in
exit 1 with one line and the earlier result untouched; a study's store that cannot record its
runs stops loudly; a second command writing the same folder refuses at once; a report never
presents a study measured for other inputs as the run's.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import write_yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"

SMALL = """\
scenario: atomic outputs
start: 2025-01-01
horizon: 4 years
seed: 7
replications: 2
budgets:
  money:
    appropriations: {2025: 2bn}
    carry_over: false
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {triangular: [200k per year, 250k per year, 300k per year]}
    lot: 1 month
    unit_cost: 4000
demand:
  shell: {rate: 50k per year}
targets:
  - {name: half million, product: shell, delivered: 500k, by: 2027-01-01}
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("REARM_ALLOW_LARGE", None)
    return env


def checksums(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones included) by relative path: its sha256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".rearm-" in p.name or p.name.endswith(".lock"))


def _run_args(scenario: Path, out: Path, seed: int, *extra: str) -> list[str]:
    return ["run", str(scenario), "--replications", "2", "--jobs", "1", "--seed", str(seed), "--out", str(out), *extra]


# -- kill -9 at random moments ------------------------------------------------------------------------
KILLS = 20
AT_ONCE = 5


def test_kill_9_at_20_random_moments_leaves_the_earlier_or_the_new_result(tmp_path: Path) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    earlier, new = tmp_path / "earlier", tmp_path / "new"
    subprocess.run(
        [sys.executable, "-m", "sim", *_run_args(scenario, earlier, 1)], env=_env(), check=True, capture_output=True
    )
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "sim", *_run_args(scenario, new, 2)], env=_env(), check=True, capture_output=True
    )
    whole = time.monotonic() - started
    a, b = checksums(earlier), checksums(new)
    assert a != b and set(a) == set(b)  # other seed: other contents, the same files
    rng = random.Random(24)
    outcomes: list[str] = []
    trials = [tmp_path / f"trial{i}" for i in range(KILLS)]
    for batch in range(0, KILLS, AT_ONCE):
        running = []
        for folder in trials[batch : batch + AT_ONCE]:
            out = folder / "out"
            shutil.copytree(earlier, out)
            proc = subprocess.Popen(
                [sys.executable, "-m", "sim", *_run_args(scenario, out, 2)],
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            running.append((proc, out, time.monotonic() + rng.uniform(0.0, 1.15 * whole)))
        for proc, out, moment in sorted(running, key=lambda item: item[2]):
            time.sleep(max(0.0, moment - time.monotonic()))
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            found = checksums(out)
            outcomes.append("earlier" if found == a else "new" if found == b else "MIXED")
            if outcomes[-1] == "MIXED":
                mixed = sorted(k for k in set(found) | set(a) if found.get(k) not in (a.get(k), b.get(k)))
                pytest.fail(f"kill {len(outcomes)}: a mix of results in {out}: {mixed or sorted(found)}")
    assert len(outcomes) == KILLS
    # the next run after a kill tidies what the killed one left beside the folder
    last = trials[0] / "out"
    subprocess.run(
        [sys.executable, "-m", "sim", *_run_args(scenario, last, 2)], env=_env(), check=True, capture_output=True
    )
    assert checksums(last) == b and leftovers(trials[0]) == []


# -- stale files, the earlier result, another seed ----------------------------------------------------
def test_no_file_of_an_earlier_run_of_another_scenario_survives(tmp_path: Path, rearm: Any) -> None:
    out = tmp_path / "out"
    ships = rearm("run", EXAMPLES / "shipyard_shared_docks.yaml", "--replications", "1", "--jobs", "1", "--out", out)
    assert ships.code == 0 and (out / "shipyard_gantt.png").is_file()
    first = checksums(out)
    shells = rearm("run", EXAMPLES / "munitions_factory.yaml", "--replications", "1", "--jobs", "1", "--out", out)
    assert shells.code == 0
    assert not (out / "shipyard_gantt.png").exists(), "the shipyard run's Gantt chart survived a munitions run"
    assert set(checksums(out)) == {p.name for p in out.iterdir()}  # nothing else: no subfolder, no temp file
    assert checksums(tmp_path / "out.previous") == first  # the earlier result, whole, kept once
    assert leftovers(tmp_path) == []


def test_a_second_seed_into_the_same_folder_says_it_replaced_the_first(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    first = checksums(out)
    again = rearm(*_run_args(scenario, out, 2, "--no-plots"))
    assert again.code == 0
    assert f"replaced the earlier result in {out} (seed 1 now 2); it is kept in {out}.previous" in again.err
    assert checksums(tmp_path / "out.previous") == first
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    same = rearm(*_run_args(scenario, out, 2, "--no-plots"))  # the same inputs: nothing to say
    assert same.code == 0 and "replaced" not in same.err


def test_a_folder_of_other_files_is_never_swapped_away(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = rearm(*_run_args(scenario, mine, 1, "--no-plots"))
    assert result.code == 2 and "holds files that are not rearm results (e.g. thesis.tex)" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "scenario.yaml"]


def test_study_folders_inside_a_run_folder_stay_with_it(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    (out / "sweep").mkdir()
    (out / "sweep" / "results.csv").write_text("point\n0\n")
    assert rearm(*_run_args(scenario, out, 2, "--no-plots")).code == 0
    assert (out / "sweep" / "results.csv").read_text() == "point\n0\n"
    assert not (tmp_path / "out.previous" / "sweep").exists()


# -- file-system errors: one line, exit 1, the earlier result untouched -------------------------------
def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `path`; the test is skipped where mounting is not permitted."""
    path.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            check=True,
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("mounting a tmpfs is not permitted here (the injected-error tests cover this)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=20)


def _fill(disk: Path, leave: int) -> None:
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave))


def test_a_full_disk_ends_in_one_line_and_keeps_the_earlier_result(tmp_path: Path) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    with tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "out"
        first = subprocess.run(
            [sys.executable, "-m", "sim", *_run_args(scenario, out, 1)], env=_env(), capture_output=True, text=True
        )
        assert first.returncode == 0, first.stderr
        earlier = checksums(out)
        _fill(disk, 160_000)  # room for the small files and the lock, not for the plots
        result = subprocess.run(
            [sys.executable, "-m", "sim", *_run_args(scenario, out, 2)], env=_env(), capture_output=True, text=True
        )
        line = _one_line(result.stderr)
        assert result.returncode == 1
        assert "no space left on the device" in line and str(disk) in line and "is unchanged" in line
        assert checksums(out) == earlier
        assert leftovers(disk) == []  # the half-written new result is removed, the lock released


def test_a_read_only_folder_ends_in_one_line_and_keeps_the_earlier_result(tmp_path: Path) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    with tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "out"
        first = subprocess.run(
            [sys.executable, "-m", "sim", *_run_args(scenario, out, 1, "--no-plots")], env=_env(), capture_output=True
        )
        assert first.returncode == 0
        earlier = checksums(out)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True, timeout=20)
        result = subprocess.run(
            [sys.executable, "-m", "sim", *_run_args(scenario, out, 2, "--no-plots")],
            env=_env(),
            capture_output=True,
            text=True,
        )
        line = _one_line(result.stderr)
        assert result.returncode == 1 and "read-only" in line and str(disk) in line
        assert checksums(out) == earlier


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "no space left on the device"), (errno.EROFS, "read-only"), (errno.EACCES, "permission denied")],
)
def test_an_injected_file_system_error_ends_in_one_line_and_keeps_the_earlier_result(
    code: int, words: str, tmp_path: Path, rearm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    earlier = checksums(out)
    from sim.present import files

    def refuse(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files.os, "fsync", refuse)
    result = rearm(*_run_args(scenario, out, 2, "--no-plots"))
    line = _one_line(result.err)
    assert result.code == 1 and words in line and "summary.json" in line
    assert f"the earlier result in {out} is unchanged" in line
    assert checksums(out) == earlier and leftovers(tmp_path) == []


def test_a_directory_named_summary_json_in_the_way_is_one_line(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    (out / "summary.json").mkdir(parents=True)
    result = rearm(*_run_args(scenario, out, 1, "--no-plots"))
    line = _one_line(result.err)
    assert result.code == 1 and f"{out / 'summary.json'}: is a directory where rearm writes a file" in line
    assert (out / "summary.json").is_dir() and leftovers(tmp_path) == []


def test_a_directory_named_report_html_in_the_way_of_rearm_report_is_one_line(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    before = checksums(out)
    (out / "report.html").mkdir()
    result = rearm("report", out)
    line = _one_line(result.err)
    assert result.code == 1 and f"{out / 'report.html'}: cannot write: a directory is in the way" in line
    assert checksums(out) == before and not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_path_too_long_is_one_line(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / ("x" * 300) / "out"
    result = rearm(*_run_args(scenario, out, 1, "--no-plots"))
    line = _one_line(result.err)
    assert result.code == 1 and "the path is too long" in line and len(line) < 400


# -- a study's store on a full disk ---------------------------------------------------------------------
class _FillsUp:
    """A connection that records `room` batches of runs, then reports a full disk."""

    def __init__(self, conn: sqlite3.Connection, room: int) -> None:
        self.conn, self.room = conn, room

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def __enter__(self) -> Any:
        return self.conn.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self.conn.__exit__(*exc)

    def executemany(self, sql: str, rows: Any) -> Any:
        if sql.startswith("INSERT INTO runs"):
            if self.room <= 0:
                raise sqlite3.OperationalError("database or disk is full")
            self.room -= 1
        return self.conn.executemany(sql, rows)


def test_a_study_whose_store_fills_the_disk_fails_loudly_and_resumes(
    tmp_path: Path, rearm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.studies import store

    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "sweep"
    args = ("sweep", scenario, "--vary", "facilities.plant.unit_cost=3000,4000,5000", "--replications", "2")
    args += ("--jobs", "1", "--no-plots", "--quiet", "--out", out)
    real = store.Store.__init__

    def filling(self: Any, *a: Any, **k: Any) -> None:
        real(self, *a, **k)
        self.conn = _FillsUp(self.conn, room=1)

    monkeypatch.setattr(store.Store, "__init__", filling)
    result = rearm(*args)
    assert result.code == 1, "a study that lost runs must not end with exit 0"
    line = [x for x in result.err.splitlines() if "results.sqlite" in x][-1]
    assert "database or disk is full" in line and "kept in it" in line and "--resume" in line
    assert "Traceback" not in result.err and not (out / "results.csv").exists()
    kept = sqlite3.connect(out / "results.sqlite").execute("SELECT count(*) FROM runs").fetchone()[0]
    assert 0 < kept < 6
    monkeypatch.setattr(store.Store, "__init__", real)
    resumed = rearm(*args, "--resume")
    assert resumed.code == 0
    assert len((out / "results.csv").read_text().splitlines()) == 1 + 3 * 2


# -- two commands, one folder ---------------------------------------------------------------------------
@contextmanager
def a_live_process() -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_a_second_command_writing_the_same_folder_refuses_at_once(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(scenario),
            "--replications",
            "3000",
            "--jobs",
            "1",
            "--no-plots",
            "--out",
            str(out),
        ],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        lock = tmp_path / "out.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock.read_text().strip() == str(first.pid)
        started = time.monotonic()
        second = rearm(*_run_args(scenario, out, 2, "--no-plots"))
        assert time.monotonic() - started < 5
        line = _one_line(second.err)
        assert second.code == 1 and f"another rearm command (pid {first.pid}) is writing here" in line
        study = rearm("sweep", scenario, "--vary", "facilities.plant.unit_cost=3000,4000", "--jobs", "1", "--out", out)
        assert study.code == 1 and f"(pid {first.pid})" in study.err
        assert first.poll() is None, "the first command goes on"
    finally:
        first.kill()
        first.wait()


def test_a_lock_held_by_a_live_process_refuses_studies_plot_and_report(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    before = checksums(out)
    with a_live_process() as pid:
        (tmp_path / "out.lock").write_text(f"{pid}\n")
        for args in (("report", out), ("plot", out), ("bottlenecks", scenario, "--jobs", "1", "--out", out)):
            result = rearm(*args)
            assert result.code == 1 and f"(pid {pid}) is writing here" in _one_line(result.err), args
        sub = out / "bottlenecks"  # a study in a subfolder while the run's folder is locked
        result = rearm("bottlenecks", scenario, "--jobs", "1", "--out", sub)
        assert result.code == 1 and f"(pid {pid})" in result.err
    assert checksums(out) == before


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path, rearm: Any) -> None:
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    with a_live_process() as pid:
        pass  # now dead
    (tmp_path / "out.lock").write_text(f"{pid}\n")
    result = rearm(*_run_args(scenario, out, 1, "--no-plots"))
    assert result.code == 0 and (out / "summary.json").is_file()
    assert leftovers(tmp_path) == []  # taken over, then released


# -- a report never presents a study of other inputs ---------------------------------------------------
GAINS = {"half million": [{"constraint": "budget:money", "months_earlier": 7.25}]}


@pytest.mark.parametrize("other", ["sha256", "overrides", "no study.json"])
def test_a_report_leaves_out_a_bottlenecks_json_of_other_inputs(other: str, tmp_path: Path, rearm: Any) -> None:
    from sim.present.report import render_report

    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    summary = json.loads((out / "summary.json").read_text())
    (out / "bottlenecks.json").write_text(json.dumps(GAINS))
    study = {"command": "bottlenecks", "scenario": summary["scenario"], "sha256": summary["sha256"], "overrides": []}
    (out / "study.json").write_text(json.dumps(study))
    assert "budget:money" in render_report(out) and "7.2 months earlier" in render_report(out)  # it matches
    if other == "sha256":
        study["sha256"] = "0" * 64
    elif other == "overrides":
        study["overrides"] = ["facilities.plant.unit_cost=5000"]
    if other == "no study.json":
        (out / "study.json").unlink()
    else:
        (out / "study.json").write_text(json.dumps(study))
    page = render_report(out)
    assert "months earlier" not in page and 'id="fig-bottlenecks"' not in page
    expected = "has no study.json recording its inputs" if other == "no study.json" else "is for other inputs"
    assert "The study found beside this run (bottlenecks.json) " + expected in page


# -- where the kernel cannot exchange two folders: two renames, and a kill between them undone ----------
def test_the_two_rename_swap_and_a_kill_between_its_renames(
    tmp_path: Path, rearm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.present import folder

    monkeypatch.setattr(folder, "_exchange", lambda a, b: False)
    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "out"
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    first = checksums(out)
    assert rearm(*_run_args(scenario, out, 2, "--no-plots")).code == 0
    second = checksums(out)
    assert checksums(tmp_path / "out.previous") == first and second != first and leftovers(tmp_path) == []
    # a kill between `out -> old` and `new -> out` left no `out`, the earlier result and a new one beside it
    shutil.rmtree(tmp_path / "out.previous")
    os.rename(out, tmp_path / ".out.rearm-old-99999")
    shutil.copytree(tmp_path / ".out.rearm-old-99999", tmp_path / ".out.rearm-new-99999")
    assert rearm(*_run_args(scenario, out, 1, "--no-plots")).code == 0
    assert checksums(tmp_path / "out.previous") == second, "the earlier result was put back, then kept"
    assert checksums(out) == first and leftovers(tmp_path) == []


def test_a_study_that_cannot_write_its_final_files_says_resume_continues(
    tmp_path: Path, rearm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.library import studies as study_commands  # the study pipeline the command calls

    scenario = write_yaml(tmp_path, SMALL)
    out = tmp_path / "sweep"
    args = ("sweep", scenario, "--vary", "facilities.plant.unit_cost=3000,4000", "--replications", "2")
    args += ("--jobs", "1", "--no-plots", "--quiet", "--out", out)
    real = study_commands.write_csv

    def full(path: Path, *rest: Any) -> None:
        if path.name == "results.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, *rest)

    monkeypatch.setattr(study_commands, "write_csv", full)
    result = rearm(*args)
    line = _one_line(result.err)
    assert result.code == 1 and f"{out / 'results.csv'}: cannot write: no space left on the device" in line
    assert f"the finished runs are kept in {out / 'results.sqlite'}" in line and "--resume" in line
    monkeypatch.setattr(study_commands, "write_csv", real)
    assert rearm(*args, "--resume").code == 0
    assert len((out / "results.csv").read_text().splitlines()) == 1 + 2 * 2
