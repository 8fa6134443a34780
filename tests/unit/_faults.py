"""Fault injection for saving, in one place: each way the disk or the folder can refuse a
save, as (break_it(monkeypatch, folder), the reason the error must name). Used by the storage,
crash-safety and UI tests."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from toolkit import files


class _FailingWrites:
    """A file object whose writes fail like a full disk."""

    def __init__(self, fh):
        self.fh = fh

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.fh, name)


def raiser(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


def break_write(monkeypatch, folder):
    real = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda fd, *a, **k: _FailingWrites(real(fd, *a, **k)))


def break_fsync(monkeypatch, folder):
    monkeypatch.setattr(files.os, "fsync", raiser(errno.ENOSPC))


def break_link_enospc(monkeypatch, folder):
    monkeypatch.setattr(files.os, "link", raiser(errno.ENOSPC))


def break_link_eacces(monkeypatch, folder):
    monkeypatch.setattr(files.os, "link", raiser(errno.EACCES))


def read_only_folder(monkeypatch, folder):
    """What a 0500 folder does for a normal user: creating any file in it is refused."""
    real_open, real_link = os.open, os.link

    def guarded_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).resolve().parent == folder.resolve():
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_link(src, dst, *args, **kwargs):
        if Path(dst).resolve().parent == folder.resolve():
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "link", guarded_link)


FAILURES = [
    pytest.param(break_write, "No space left on device", id="disk-full-on-write"),
    pytest.param(break_fsync, "No space left on device", id="disk-full-on-fsync"),
    pytest.param(break_link_enospc, "No space left on device", id="disk-full-on-link"),
    pytest.param(break_link_eacces, "Permission denied", id="permission-denied-on-link"),
    pytest.param(read_only_folder, "Permission denied", id="read-only-folder-simulated"),
]
