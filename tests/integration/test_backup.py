"""Backup tooling on top of the mount: examples/zec-rotate and the find-based
pruning shown in docs/backup.md."""

import os
import subprocess

from conftest import BOOT, DB, WEB, default_seed, _strip_none

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROTATE = os.path.join(ROOT, "examples", "zec-rotate")


def seeded(emu):
    seed = _strip_none(default_seed())
    for i, day in enumerate(["02", "03", "04"]):
        seed["snapshots"].append({
            "snapshotId": "70000000000000010%d" % i, "snapshotName": "daily-%s" % "abc"[i],
            "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-%sT01:00:00Z" % day})
    seed["snapshots"].append({
        "snapshotId": "700000000000000200", "snapshotName": "other",
        "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-05T01:00:00Z"})
    emu.reset(seed)


def names(emu, disk_id):
    return sorted(s["snapshotName"] for s in emu.snapshots(disk_id) if s["status"] != "DELETING")


def test_rotate_keeps_the_newest_k_with_the_prefix(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, m.path, "daily-", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "removed %s/%s/snapshots/daily-a" % (m.path, WEB) in r.stdout
    assert names(emu, WEB) == ["daily-b", "daily-c", "nightly-1", "other"]


def test_rotate_dry_run_removes_nothing(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, "-n", m.path, "daily-", "1"], capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stdout.count("would remove") == 2
    assert names(emu, WEB) == ["daily-a", "daily-b", "daily-c", "nightly-1", "other"]


def test_rotate_snapshot_then_prune(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, "-s", m.path, "daily-", "2"], capture_output=True, text=True)
    # the system disk, the disk without snapshotAbility and the busy disk refuse
    assert r.returncode == 1, r.stdout + r.stderr
    web = names(emu, WEB)
    new = [n for n in web if n.startswith("daily-2")]
    assert len(new) == 1
    assert sorted(web) == sorted(["daily-c", new[0], "nightly-1", "other"])
    assert [n for n in names(emu, DB) if n.startswith("daily-2")] == new
    assert names(emu, BOOT) == []


def test_rotate_without_allow_delete_fails_and_keeps_everything(emu, mount):
    seeded(emu)
    m = mount(emu)
    r = subprocess.run([ROTATE, m.path, "daily-", "1"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "Operation not permitted" in r.stderr
    assert names(emu, WEB) == ["daily-a", "daily-b", "daily-c", "nightly-1", "other"]


def test_find_prunes_by_age(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    os.mkdir(os.path.join(m.path, WEB, "snapshots", "today"))
    # the documented pruning line, with -mmin as in docs/backup.md
    subprocess.run("find %s/*/snapshots -mindepth 1 -maxdepth 1 -mmin +1440 -exec rmdir {} +"
                   % m.path, shell=True, check=True)
    assert names(emu, WEB) == ["today"]
