"""Private files on disk: written atomically (0600, fsynced), read within a size limit.

Answers are among the most private things a person writes down, so every write goes to a
temporary file in the same folder, is flushed and fsynced, and is then linked into place
(a crash leaves either the old state or the complete new file). Reading never modifies a
file and never blocks on a FIFO or a device.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .checklist import display_path
from .errors import AnswersError
from .i18n import _

#: A folder (the answers folder) and a file path: the same type, two meanings.
Folder = str | os.PathLike[str]
FilePath = str | os.PathLike[str]

TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 600
#: Files written in a protected folder (and the folder) get this modification time, so the
#: times do not tell when answers were saved: 2000-01-01 00:00 UTC.
NEUTRAL_TIME = 946_684_800
#: os.link errors meaning "this filesystem has no hard links" (anything else, e.g. ENOSPC, is a failure).
NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK}


def _cannot_read(where: str, exc: OSError) -> AnswersError:
    return AnswersError(_("{where}: cannot read file ({why})").format(where=where, why=exc.strerror or exc))


def read_regular(path: FilePath, limit: int) -> bytes:
    """A regular file's bytes (at most `limit`). Every read of the answers folder comes here:
    opened without blocking and checked with fstat, so a FIFO or a device named like a run,
    the settings or the key file is refused at once instead of hanging every page."""
    where = display_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))  # no O_NONBLOCK on Windows, and no FIFOs either
    except OSError as exc:
        raise _cannot_read(where, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AnswersError(_("{where}: not a regular file; it was left as it is").format(where=where))
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # closed with fh
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise _cannot_read(where, exc) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > limit:
        raise AnswersError(_("{where}: file is larger than {limit} bytes").format(where=where, limit=limit))
    return raw


def neutral_time(*paths: Path) -> None:
    """Give files (and their folder) the neutral modification time; best effort."""
    for path in paths:
        try:
            os.utime(path, (NEUTRAL_TIME, NEUTRAL_TIME))
        except OSError:
            pass


def ensure_dir(directory: Path) -> None:
    """Create the answers folder (0700) if needed; another process creating it first is fine."""
    try:
        directory.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return
    except OSError as exc:
        raise AnswersError(_("{where}: cannot create the answers folder ({why})").format(
            where=display_path(directory), why=exc.strerror or exc)) from None
    os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable; best effort (not every system can)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(directory: Path, data: bytes) -> str:
    """`data` in a new 0600 temp file of `directory`, flushed and fsynced; its path (a failed
    write leaves no temp file behind)."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _drop(tmp)
        raise
    return tmp


def _link_fresh(tmp: str, directory: Path, make_name: Callable[[], str]) -> Path:
    """Link `tmp` under a name from `make_name` that nothing has yet; never clobbers a file."""
    for _attempt in range(20):
        final = directory / make_name()
        try:
            os.link(tmp, final)  # atomic and fails if the name is taken: never clobbers
        except FileExistsError:
            continue
        except OSError as exc:  # filesystems without hard links: the name is random and unused
            if exc.errno not in NO_HARD_LINKS:
                raise
            if final.exists():
                continue
            os.replace(tmp, final)
        return final
    raise AnswersError(_("{where}: could not find a free file name").format(where=display_path(directory)))


def _drop(tmp: str | None) -> None:
    if tmp and os.path.exists(tmp):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def write_new(directory: Path, make_name: Callable[[], str], data: bytes, neutral: bool = False) -> Path:
    """Write `data` to a new file in `directory` atomically, never replacing an existing file;
    `neutral`: then give it and the folder the neutral modification time."""
    ensure_dir(directory)
    tmp = None
    try:
        tmp = _write_temp(directory, data)
        final = _link_fresh(tmp, directory, make_name)
        _drop(tmp)
        if neutral:  # after linking: a temp file with an old time would look abandoned
            neutral_time(final, directory)
        fsync_dir(directory)
        return final
    except OSError as exc:
        raise AnswersError(_("{where}: could not save your answers ({why}); earlier saved answers are "
                             "untouched").format(where=display_path(directory), why=exc.strerror or exc)) from None
    finally:
        _drop(tmp)


def write_private(path: FilePath, data: bytes, neutral: bool = False) -> Path:
    """Write a private file (a report) atomically with mode 0600, replacing an older copy;
    `neutral`: with the neutral modification time (a protected folder's key file, settings)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        tmp = _write_temp(folder, data)
        os.replace(tmp, path)
        tmp = None
        if neutral:
            neutral_time(path, folder)
        fsync_dir(folder)
        return path
    except OSError as exc:
        raise AnswersError(_("{where}: could not write ({why})").format(
            where=display_path(path), why=exc.strerror or exc)) from None
    finally:
        _drop(tmp)


def remove_stale_temps(directory: Path) -> None:
    """Temp files a crash left behind: ignored by listing, removed once clearly abandoned."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for tmp in directory.glob(TEMP_PREFIX + "*"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:
            pass
