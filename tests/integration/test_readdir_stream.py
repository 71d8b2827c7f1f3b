"""A directory stream is stable while the directory changes under it.

A raw getdents64 loop with a small buffer makes the kernel send one READDIR
per few entries, each with the offset the last one ended at.  Between two
of them this mount and another one create and delete snapshots.  Every
entry that exists for the whole scan must come back exactly once, and one
scan must cost one listing."""

import ctypes
import os
import struct
import subprocess

import pytest

from conftest import DB, _strip_none, default_seed
from emulator import Emulator

SYS_getdents64 = 217          # x86_64
N = 400
# one listing's calls: its pages, and the empty page after a full last one
# (a full page never ends a listing: totalCount is not trusted to)
LISTING_CALLS = N // 100 + 1
libc = ctypes.CDLL(None, use_errno=True)


def snapshot(i):
    return {"snapshotId": str(870000000000000000 + i), "snapshotName": "s%03d" % i,
            "diskId": DB, "zoneId": "asia-east-1a", "status": "AVAILABLE",
            "snapshotType": "Manual", "createTime": "2026-10-01T00:00:00Z",
            "diskAbility": True}


@pytest.fixture
def emu():
    s = _strip_none(default_seed())
    s["snapshots"] += [snapshot(i) for i in range(N)]
    e = Emulator(seed=s, args=["--create-delay-ms", "0", "--delete-delay-ms", "0",
                               "--snapshot-quota", "1000"])
    e.start()
    yield e
    e.stop()


def scan(path, between=None, bufsize=512, offsets=None):
    """Names from getdents64 with a small buffer; between(k) runs after
    the k-th call that returned entries; offsets, a list, gets each
    entry's d_off."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    buf = ctypes.create_string_buffer(bufsize)
    names = []
    try:
        k = 0
        while True:
            n = libc.syscall(SYS_getdents64, fd, buf, bufsize)
            if n < 0:
                raise OSError(ctypes.get_errno(), "getdents64")
            if n == 0:
                return names
            pos = 0
            while pos < n:
                _ino, off, reclen, _type = struct.unpack_from("<QqHB", buf.raw, pos)
                name = buf.raw[pos + 19:pos + reclen].split(b"\0", 1)[0].decode()
                if offsets is not None:
                    offsets.append(off)
                if name not in (".", ".."):
                    names.append(name)
                pos += reclen
            k += 1
            if between:
                between(k)
    finally:
        os.close(fd)


@pytest.mark.parametrize("ttl", ["0", "10"])
def test_a_scan_sees_every_untouched_entry_exactly_once(emu, mount, ttl):
    m1 = mount(emu, "cache_ttl=" + ttl, "allow_delete", name="m1")
    m2 = mount(emu, "cache_ttl=" + ttl, "allow_delete", name="m2")
    snaps1, snaps2 = m1.p(DB, "snapshots"), m2.p(DB, "snapshots")
    touched = set()

    def change(k):
        if k % 3:
            return
        step = k // 3
        if step % 2:
            name = "a%03d-new" % step          # sorts before most of the rest
            os.mkdir(os.path.join(snaps1, name))
        else:
            name = "s%03d" % (5 + step)
            os.rmdir(os.path.join(snaps2, name))
        touched.add(name)

    names = scan(snaps1, change)
    assert len(touched) >= 6, "the directory changed during the scan"
    dup = sorted({n for n in names if names.count(n) > 1})
    assert dup == [], "entries returned twice"
    untouched = {"s%03d" % i for i in range(N)} - touched
    missing = sorted(untouched - set(names))
    assert missing == [], "untouched entries the scan skipped"


def test_offsets_rise_along_a_scan(emu, mount):
    """Each entry's offset is past the one before (the scan resumes after
    the last offset it was given), over 400 entries in many READDIRs."""
    m = mount(emu)
    offsets = []
    names = scan(m.p(DB, "snapshots"), offsets=offsets)
    assert sorted(names) == ["s%03d" % i for i in range(N)]
    assert len(offsets) == N + 2
    assert offsets[:2] == [1, 2]                          # . and ..
    falls = [(a, b) for a, b in zip(offsets, offsets[1:]) if b <= a]
    assert falls == []


def test_one_scan_costs_one_listing_at_ttl_0(emu, mount):
    m = mount(emu, "cache_ttl=0")
    snaps = m.p(DB, "snapshots")
    subprocess.run(["stat", snaps], check=True, capture_output=True)   # another process
    emu.reset_calls()
    names = scan(snaps)
    assert sorted(names) == ["s%03d" % i for i in range(N)]
    assert emu.call_count("DescribeSnapshots", "ok") == LISTING_CALLS


def test_one_ls_costs_one_listing_at_ttl_0(emu, mount):
    m = mount(emu, "cache_ttl=0")
    snaps = m.p(DB, "snapshots")
    os.stat(snaps)
    for _ in range(3):
        emu.reset_calls()
        out = subprocess.run(["ls", snaps], capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["s%03d" % i for i in range(N)]
        assert emu.call_count("DescribeSnapshots", "ok") == LISTING_CALLS
