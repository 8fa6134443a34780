"""Crash safety of saving: a saver killed with SIGKILL at random moments never loses or damages
a run it reported as saved, never leaves a half-written run behind, and leftover temp files are
never listed as runs and are cleaned up once stale. Disk full / permission denied are clear
AnswersErrors that leave earlier runs byte-identical and no temp file behind. Two processes
saving at the same second (and even drawing the same random name) keep both runs.

Only the three core checklists are used, from a private copy of the checklists folder, so a
half-written checklist in checklists/ cannot break these tests.
"""

from __future__ import annotations

import errno
import itertools
import multiprocessing
import os
import random
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from _faults import FAILURES, raiser
from _helpers import report_at_end

from toolkit import AnswersError, answerfile, load_answers, save_answers
from toolkit.answerfile import RUN_NAME
from toolkit.answerfolder import run_files
from toolkit.checklist import Answers, SavedRun
from toolkit.files import STALE_TEMP_SECONDS, TEMP_PREFIX
from toolkit.store import list_saved

CID = "toxic-relationship"
FORK = multiprocessing.get_context("fork")

KILLS = 220            # N >= 200 SIGKILLs in total
MAX_LINES = 3          # each child is killed once it has reported 1-3 more saves
SEED = 20261123


STATS: dict[str, int] = {}  # filled by the kill test, printed in the terminal summary


def _write_stats(terminalreporter) -> None:
    if STATS:
        terminalreporter.write_sep("-", "crash safety")
        for key, value in STATS.items():
            terminalreporter.write_line(f"  {key}: {value}")


@pytest.fixture(scope="module", autouse=True)
def report_stats(request):
    report_at_end(request, "redflag-crash-stats", _write_stats)


def a_run(checklists, note: str, saved_at: datetime | None = None, cid: str = CID) -> Answers:
    c = checklists[cid]
    options = [o.id for o in c.vocabulary.scale if not o.situational]  # offered on every item
    responses = {iid: options[n % len(options)] for n, iid in enumerate(c.item_ids)}
    draft = Answers(c.id, c.version, responses, {c.item_ids[0]: note})
    return draft if saved_at is None else SavedRun(c.id, c.version, responses, draft.notes, saved_at=saved_at)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """name -> (bytes, mtime_ns, mode) of every entry in the folder."""
    out = {}
    for p in sorted(folder.iterdir()):
        st = p.stat()
        out[p.name] = (p.read_bytes(), st.st_mtime_ns, st.st_mode)
    return out


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


# ------------------------------------------------------------------ SIGKILL at random moments


def _saver(folder: str, journal: str, started: str, checklists, start: int) -> None:
    """Child: save runs forever. Before each save its number goes to `started` (no fsync: the
    parent only needs to see it); after it returns, the file name goes to the journal (one write,
    then fsync), so a name in the journal means save_answers had returned."""
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    marks = os.open(started, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    deadline = time.monotonic() + 10  # never outlive the test if a kill went astray
    for n in itertools.count(start):
        if time.monotonic() > deadline:
            os._exit(3)
        cid = ("avoid-partners-where", CID, "trauma-bonding")[n % 3]
        os.write(marks, f"{n}\n".encode())
        path = save_answers(a_run(checklists, f"run {n}", cid=cid), folder)
        os.write(fd, f"{path.name} {n} {cid}\n".encode())
        os.fsync(fd)


def _journal_lines(journal: Path) -> int:
    try:
        return journal.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _wait_for_lines(journal: Path, wanted: int, child, timeout: float = 8.0) -> None:
    """Wait until `journal` holds `wanted` complete lines: progress decides the kill, not a sleep
    that a slow machine could outrun."""
    deadline = time.monotonic() + timeout
    while _journal_lines(journal) < wanted:
        assert child.is_alive() and time.monotonic() < deadline, "the saver stopped making progress"
        time.sleep(0)  # yield only: a save can take well under a millisecond on a RAM disk


def _save_time(folder: Path, checklists) -> float:
    """How long one save takes here (median of five): the kills aim inside that window."""
    took = []
    for n in range(5):
        t = time.perf_counter()
        save_answers(a_run(checklists, f"timing {n}"), folder)
        took.append(time.perf_counter() - t)
    return sorted(took)[2]


def _where_it_landed(folder: Path, reported: int, seen: dict[str, int]) -> str:
    """Where in a save the last kill landed, from what it left in the folder (`seen`: the names
    there before it and the unreported runs, updated): 'mid-write' (a temp file not yet linked
    under a run name: the save was cut while its file was being written), 'after-link' (one more
    complete run than the journal lists) or 'between-saves' (nothing new)."""
    entries = {p.name: p.stat() for p in folder.iterdir()} if folder.exists() else {}
    runs = {name: st.st_ino for name, st in entries.items() if RUN_NAME.match(name)}
    new_temps = [st for name, st in entries.items() if name.startswith(TEMP_PREFIX) and name not in seen]
    seen.update(dict.fromkeys(entries, 0))
    unreported, before = len(runs) - reported, seen.get("", 0)
    seen[""] = unreported  # "" is never a file name
    if any(st.st_ino not in runs.values() for st in new_temps):
        return "mid-write"
    return "after-link" if unreported > before else "between-saves"


def test_sigkill_at_random_moments_never_loses_or_damages_a_saved_run(tmp_path, core):
    folder = tmp_path / "answers"
    journal, started = tmp_path / "journal.txt", tmp_path / "started.txt"
    rng = random.Random(SEED)
    start, seen = 0, {}
    landed = {"mid-write": 0, "after-link": 0, "between-saves": 0}
    window = _save_time(tmp_path / "timing", core)
    for _ in range(KILLS):
        wanted = _journal_lines(started) + rng.randint(1, MAX_LINES)
        child = FORK.Process(target=_saver, args=(str(folder), str(journal), str(started), core, start))
        child.start()
        _wait_for_lines(started, wanted, child)  # save number `wanted` has begun
        time.sleep(rng.uniform(0, window))  # a random moment within it
        os.kill(child.pid, signal.SIGKILL)
        child.join(5)
        assert child.exitcode == -signal.SIGKILL, "the saver must die by the kill, not on its own"
        landed[_where_it_landed(folder, _journal_lines(journal), seen)] += 1
        start += 10_000  # each child numbers its runs apart from the others
    # The kills must really cut saves in the middle of writing a file; kills that only land
    # between saves (after a write completed) would prove nothing about crash safety.
    assert landed["mid-write"] >= KILLS // 8, f"too few kills landed while a file was being written: {landed}"

    # Only complete journal lines count: each was written after save_answers returned.
    lines = journal.read_bytes().decode().split("\n")[:-1] if journal.exists() else []
    reported = {}
    for line in lines:
        name, n, cid = line.split(" ")
        reported[name] = (int(n), cid)
    assert len(reported) == len(lines), "two saves returned the same file name"
    assert len(reported) >= 50, f"only {len(reported)} saves completed: the kill loop proves little"

    lost = []
    for name, (n, cid) in reported.items():
        try:
            got = load_answers(folder / name, core)
        except AnswersError as exc:
            lost.append((name, str(exc)))
            continue
        expected = a_run(core, f"run {n}", cid=cid)
        if (got.checklist_id, dict(got.responses), dict(got.notes)) != (
                expected.checklist_id, dict(expected.responses), dict(expected.notes)):
            lost.append((name, "content differs from what was saved"))
    assert lost == []

    # Every file that made it into the folder under a run name is complete, reported or not
    # (a kill between os.link and the journal write leaves a complete, unreported run).
    table = list_saved(folder, core)
    damaged = table.loc[table["problem"] != "", ["file", "problem"]].values.tolist()
    assert damaged == [], f"{len(damaged)} run files are damaged"
    listed = set(table["file"])
    assert set(reported) <= listed
    assert all(RUN_NAME.match(name) for name in listed)
    assert not any(name.startswith(TEMP_PREFIX) for name in listed)
    assert not any(p.name.startswith(".") for p in run_files(folder))
    assert {p.name for p in run_files(folder)} == listed

    # Whatever else is in the folder is a temp file a kill left behind: ignored by listing.
    others = sorted(p.name for p in folder.iterdir() if p.name not in listed)
    assert all(name.startswith(TEMP_PREFIX) for name in others), others
    assert all((folder / name).stat().st_mode & 0o777 == 0o600 for name in listed)

    # A later save cleans up the leftovers once they are stale, and keeps fresh ones.
    stale_time = time.time() - STALE_TEMP_SECONDS - 60
    for name in others:
        os.utime(folder / name, (stale_time, stale_time))
    fresh = folder / f"{TEMP_PREFIX}planted-fresh.part"
    fresh.write_bytes(b'{"format": "redflag-ans')
    old = folder / f"{TEMP_PREFIX}planted-old.part"
    old.write_bytes(b'{"format": "redflag-ans')
    os.utime(old, (stale_time, stale_time))
    save_answers(a_run(core, "after the crashes"), folder)
    assert temps(folder) == [fresh.name]
    assert len(list_saved(folder, core)) == len(listed) + 1

    STATS.update({"SIGKILLs (each landed on a live saver)": KILLS,
                  "kills that cut a file being written (a temp file not yet in place)": landed["mid-write"],
                  "kills after a run was in place, before it was reported": landed["after-link"],
                  "kills between two saves": landed["between-saves"],
                  "runs reported saved (save_answers had returned)": len(reported),
                  "runs lost or damaged": len(lost),
                  "complete runs saved but not yet reported when killed": len(listed) - len(reported),
                  "temp files left by kills (ignored; removed by the next save once stale)":
                      len(others)})


def test_stale_temp_file_is_removed_by_the_next_save_and_a_fresh_one_kept(tmp_path, core):
    folder = tmp_path / "answers"
    first = save_answers(a_run(core, "first"), folder)
    stale = folder / f"{TEMP_PREFIX}abandoned.part"
    fresh = folder / f"{TEMP_PREFIX}in-progress.part"
    for p in (stale, fresh):
        p.write_bytes(b"half a run")
    # Just past the limit is stale; just inside it is kept.
    now = time.time()
    os.utime(stale, (now - STALE_TEMP_SECONDS - 5, now - STALE_TEMP_SECONDS - 5))
    os.utime(fresh, (now - STALE_TEMP_SECONDS + 60, now - STALE_TEMP_SECONDS + 60))
    assert [p.name for p in run_files(folder)] == [first.name]
    second = save_answers(a_run(core, "second"), folder)
    assert temps(folder) == [fresh.name]
    assert sorted(p.name for p in run_files(folder)) == sorted([first.name, second.name])


def test_temp_files_named_like_runs_are_never_listed(tmp_path, core):
    """Even a temp file whose name ends in .json and holds a valid run is not a run."""
    folder = tmp_path / "answers"
    real = save_answers(a_run(core, "real"), folder)
    sneaky = folder / f"{TEMP_PREFIX}{real.name}"
    sneaky.write_bytes(real.read_bytes())
    assert [p.name for p in run_files(folder)] == [real.name]
    assert list(list_saved(folder, core)["file"]) == [real.name]


# ------------------------------------------------------------------ disk full, permission denied


@pytest.mark.parametrize("break_it, reason", FAILURES)
def test_failed_save_is_a_clear_error_and_earlier_runs_are_byte_identical(tmp_path, core, monkeypatch,
                                                                          break_it, reason):
    folder = tmp_path / "answers"
    for n in range(3):
        save_answers(a_run(core, f"earlier {n}"), folder)
    before = snapshot(folder)
    break_it(monkeypatch, folder)
    with pytest.raises(AnswersError) as caught:
        save_answers(a_run(core, "this one fails"), folder)
    monkeypatch.undo()
    message = str(caught.value)
    assert reason in message
    assert "could not save" in message and "earlier saved answers are untouched" in message
    assert snapshot(folder) == before
    assert temps(folder) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions; "
                                                "see the simulated read-only test")
def test_really_read_only_folder_is_a_clear_error(tmp_path, core):
    folder = tmp_path / "answers"
    save_answers(a_run(core, "earlier"), folder)
    before = snapshot(folder)
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(AnswersError, match="Permission denied"):
            save_answers(a_run(core, "refused"), folder)
    finally:
        os.chmod(folder, 0o700)
    assert snapshot(folder) == before


def test_answers_folder_that_cannot_be_created_is_a_clear_error(tmp_path, core, monkeypatch):
    folder = tmp_path / "locked" / "answers"
    monkeypatch.setattr(os, "mkdir", raiser(errno.EACCES))
    with pytest.raises(AnswersError, match=r"cannot create the answers folder \(Permission denied\)"):
        save_answers(a_run(core, "nowhere to go"), folder)
    monkeypatch.undo()
    assert not (tmp_path / "locked").exists()


# ------------------------------------------------------------------ two savers at once

SAME_SECOND = datetime(2026, 5, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=2)))


def _racer(folder: str, checklists, barrier, conn, who: str) -> None:
    try:
        barrier.wait(5)
        path = save_answers(a_run(checklists, f"saved by {who}", SAME_SECOND), folder)
        conn.send(("ok", path.name))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _race(folder: Path, checklists) -> list[str]:
    barrier = FORK.Barrier(2)
    pipes = [FORK.Pipe(duplex=False) for _ in range(2)]
    racers = [FORK.Process(target=_racer, args=(str(folder), checklists, barrier, send, who))
              for (_, send), who in zip(pipes, "AB")]
    for p in racers:
        p.start()
    results = []
    for (recv, send), p in zip(pipes, racers):
        send.close()
        assert recv.poll(10), "a saver did not answer"
        results.append(recv.recv())
        p.join(5)
        assert p.exitcode == 0
    assert [status for status, _ in results] == ["ok", "ok"], results
    return [name for _, name in results]


@pytest.mark.parametrize("colliding_tokens", [False, True], ids=["random-names", "same-random-part"])
def test_two_processes_saving_in_the_same_second_keep_both_runs(tmp_path, core, monkeypatch,
                                                                 colliding_tokens):
    """Same checklist, same saved_at (so the time part of the name collides); with
    `colliding_tokens` both processes also draw the same random part first, so both really
    try to create the very same file at the same moment: one must move to another name."""
    if colliding_tokens:
        counter = itertools.count(1)
        monkeypatch.setattr(answerfile.secrets, "token_hex",
                            lambda n=None: "deadbeef" if next(counter) == 1 else os.urandom(4).hex())
    rounds = 25
    for r in range(rounds):
        folder = tmp_path / f"round-{r}"
        if r % 2:
            folder.mkdir(mode=0o700)  # odd rounds: the folder exists; even: both create it
        names = _race(folder, core)
        assert names[0] != names[1]
        stamp = SAME_SECOND.strftime("%Y%m%d-%H%M%S")
        assert all(f"_{stamp}_" in n for n in names)
        if colliding_tokens:
            assert f"{CID}_{stamp}_deadbeef.json" in names
        on_disk = sorted(p.name for p in folder.iterdir())
        assert on_disk == sorted(names)
        assert folder.stat().st_mode & 0o777 == 0o700
        notes = sorted(load_answers(folder / n, core).notes[core[CID].item_ids[0]] for n in names)
        assert notes == ["saved by A", "saved by B"]


def test_folder_created_by_another_process_meanwhile_does_not_fail_the_save(tmp_path, core,
                                                                            monkeypatch):
    """Deterministic replay of a race seen with two processes saving their first run at once
    (it failed with "cannot create the answers folder (File exists)" before ensure_dir
    tolerated FileExistsError): the other process creates the folder just before our mkdir."""
    folder = tmp_path / "answers"
    real_mkdir = Path.mkdir

    def other_process_wins(self, *args, **kwargs):
        if self == folder and not folder.exists():
            real_mkdir(folder, mode=0o700)  # the other saver got there first
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", other_process_wins)
    path = save_answers(a_run(core, "first save of the day"), folder)
    monkeypatch.undo()
    assert load_answers(path, core).notes[core[CID].item_ids[0]] == "first save of the day"
