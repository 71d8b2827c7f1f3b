"""Snapshots cannot be lost by accident.

Like ZFS's .zfs/snapshot and CephFS's .snap: rmdir of a snapshot directory
destroys the snapshot on purpose (on an allow_delete mount), while rm -rf,
a mv out of the filesystem and find -delete on files cannot, because a
snapshot directory is never empty and its one file, snapshot.json, is
read-only."""

import calendar
import errno
import json
import os
import subprocess
import time

import pytest

from conftest import DB, WEB, _strip_none, default_seed
from emulator import Emulator

OLD = ["old-1", "old-2", "old-3"]
NEW = ["new-1", "new-2"]


def seed():
    s = _strip_none(default_seed())
    for i, name in enumerate(OLD + NEW):
        created = "2026-01-0%dT00:00:00Z" % (i + 1) if name in OLD else \
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        s["snapshots"].append({
            "snapshotId": str(870000000000000001 + i), "snapshotName": name, "diskId": DB,
            "zoneId": "asia-east-1a", "status": "AVAILABLE", "snapshotType": "Manual",
            "createTime": created, "diskAbility": True})
    return s


@pytest.fixture
def emu():
    e = Emulator(seed=seed(), args=["--create-delay-ms", "0", "--delete-delay-ms", "0"])
    e.start()
    yield e
    e.stop()


def names(emu, disk):
    return sorted(s["snapshotName"] for s in emu.state()["snapshots"]
                  if s["diskId"] == disk and s["status"] != "DELETING")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


def test_snapshot_json_is_the_record(emu, mount):
    m = mount(emu)
    path = m.p(DB, "snapshots", "old-1", "snapshot.json")
    with open(path) as f:
        text = f.read()
    assert text.endswith("}\n") and "\n\t\"" in text         # pretty, final newline
    st = os.stat(path)
    assert st.st_size == len(text.encode())
    assert oct(st.st_mode & 0o777) == "0o444"
    rec = json.loads(text)
    server = [s for s in emu.state()["snapshots"] if s["snapshotName"] == "old-1"][0]
    for key in ("snapshotId", "snapshotName", "diskId", "zoneId", "status",
                "snapshotType", "createTime", "diskAbility"):
        assert rec[key] == server[key], key
    assert st.st_mtime == calendar.timegm(time.strptime(server["createTime"],
                                                         "%Y-%m-%dT%H:%M:%SZ"))


def test_rm_rf_of_snapshots_deletes_nothing(emu, mount):
    m = mount(emu, "allow_delete")
    before = names(emu, DB)
    r = run("rm", "-rf", m.p(DB, "snapshots"))
    assert r.returncode != 0
    assert "Read-only file system" in r.stderr
    assert names(emu, DB) == before
    assert sorted(os.listdir(m.p(DB, "snapshots"))) == before


def test_rm_rf_of_the_mount_deletes_nothing(emu, mount):
    m = mount(emu, "allow_delete")
    before = emu.state()["snapshots"]
    r = run("rm", "-rf", m.path + "/")
    assert r.returncode != 0
    assert emu.state()["snapshots"] == before


def test_mv_out_of_the_filesystem_keeps_the_snapshot(emu, mount, tmp_path):
    m = mount(emu, "allow_delete")
    r = run("mv", m.p(DB, "snapshots", "old-1"), str(tmp_path / "x"))
    assert r.returncode != 0
    assert "old-1" in names(emu, DB)
    assert os.path.isdir(m.p(DB, "snapshots", "old-1"))


def test_find_rmdir_prunes_old_snapshots(emu, mount):
    m = mount(emu, "allow_delete")
    r = run("find", m.p(DB, "snapshots"), "-mindepth", "1", "-maxdepth", "1",
            "-mtime", "+7", "-exec", "rmdir", "{}", "+")
    assert r.returncode == 0, r.stderr
    assert names(emu, DB) == sorted(NEW)


def test_find_delete_of_directories_prunes(emu, mount):
    m = mount(emu, "allow_delete")
    r = run("find", m.p(DB, "snapshots"), "-mindepth", "1", "-maxdepth", "1",
            "-type", "d", "-name", "old-*", "-delete")
    assert r.returncode == 0, r.stderr
    assert names(emu, DB) == sorted(NEW)


def test_find_delete_of_files_deletes_nothing(emu, mount):
    m = mount(emu, "allow_delete")
    r = run("find", m.p(DB, "snapshots"), "-type", "f", "-delete")
    assert r.returncode != 0
    assert names(emu, DB) == sorted(OLD + NEW)


def test_rmdir_of_a_snapshot_needs_allow_delete(emu, mount):
    m = mount(emu)
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(DB, "snapshots", "old-1"))
    assert e.value.errno == errno.EPERM
    assert "old-1" in names(emu, DB)


def test_cp_r_keeps_the_metadata(emu, mount, tmp_path):
    m = mount(emu)
    r = run("cp", "-r", m.p(DB, "snapshots"), str(tmp_path / "copy"))
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "copy" / "old-2" / "snapshot.json") as f:
        assert json.load(f)["snapshotName"] == "old-2"
