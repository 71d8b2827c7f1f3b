"""Metadata that tools expect: passing states are
re-checked within about 2 s, directory mtimes move when their contents
change, link counts follow the usual rule."""

import calendar
import os
import subprocess
import time

from conftest import DB, WEB


def counts(emu, action):
    a = emu.calls().get("actions", {}).get(action, {})
    return a.get("ok", 0) + a.get("failed", 0)


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def test_creating_is_rechecked_long_before_the_ttl(emu, mount):
    m = mount(emu, "cache_ttl=600")
    snap = m.p(DB, "snapshots", "fresh-1")
    os.mkdir(snap)
    assert os.getxattr(snap, "user.zec.status") == b"CREATING"
    assert os.getxattr(snap, "user.zec.diskAbility") in (b"true", b"false")
    # the emulator makes it AVAILABLE after its create delay (300 ms)
    deadline = time.time() + 20
    while time.time() < deadline:
        if [s for s in emu.state()["snapshots"]
                if s["snapshotName"] == "fresh-1" and s["status"] == "AVAILABLE"]:
            break
    started = time.time()
    before = counts(emu, "DescribeSnapshots")
    while os.getxattr(snap, "user.zec.status") != b"AVAILABLE":
        assert time.time() - started < 10, "still CREATING 10 s after it became AVAILABLE"
    # about 2 s, with one filtered call for it, not one call per look
    assert counts(emu, "DescribeSnapshots") - before <= 2


def test_snapshots_directory_mtime_moves_with_its_contents(emu, mount, tmp_path):
    m = mount(emu, "allow_delete", "cache_ttl=600")
    snaps = m.p(WEB, "snapshots")
    nightly = [s for s in emu.state()["snapshots"] if s["snapshotName"] == "nightly-1"][0]
    assert os.stat(snaps).st_mtime == epoch(nightly["createTime"])
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    os.utime(stamp, (time.time() - 5, time.time() - 5))
    os.mkdir(os.path.join(snaps, "later-1"))
    assert os.stat(snaps).st_mtime >= os.stat(stamp).st_mtime
    out = subprocess.run(["find", m.p(WEB), "-maxdepth", "1", "-newer", str(stamp)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert snaps in out


def test_root_mtime_is_the_newest_disk(emu, mount):
    m = mount(emu)
    newest = max(epoch(d["createTime"]) for d in emu.state()["disks"])
    assert os.stat(m.path).st_mtime == newest
    assert os.stat(m.p(".by-name")).st_mtime == newest


def test_link_counts(emu, mount):
    m = mount(emu)
    disks = [e for e in os.listdir(m.path) if not e.startswith(".")]
    assert os.stat(m.path).st_nlink == 2 + len(disks) + 2          # + .by-name, .policies
    assert os.stat(m.p(WEB)).st_nlink == 3
    n = len(os.listdir(m.p(WEB, "snapshots")))
    assert os.stat(m.p(WEB, "snapshots")).st_nlink == 2 + n
    assert os.stat(m.p(WEB, "snapshots", "nightly-1")).st_nlink == 2
