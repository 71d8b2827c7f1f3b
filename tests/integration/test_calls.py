"""API call counts of the common operations: deterministic, so asserted
exactly against the emulator's /_emulator/calls counters.  Wall times are
bench/ figures, never asserted here."""

import math
import os
import subprocess

import pytest

from conftest import WEB, _disk
from emulator import Emulator


def seed(disks, per_disk):
    out = {"disks": [], "snapshots": []}
    sid = 800000000000000000
    for d in range(disks):
        disk_id = str(862857204414560000 + d)
        out["disks"].append(_disk(disk_id, "disk-%03d" % d))
        for i in range(per_disk[d] if isinstance(per_disk, list) else per_disk):
            sid += 1
            out["snapshots"].append({
                "snapshotId": str(sid), "snapshotName": "s-%05d" % i, "diskId": disk_id,
                "status": "AVAILABLE", "createTime": "2026-10-%02dT00:00:00Z" % (1 + i % 28)})
    for d in out["disks"]:
        d.pop("instanceName", None)
    return out


def counts(emu):
    return {a: v.get("ok", 0) + v.get("failed", 0)
            for a, v in emu.calls().get("actions", {}).items()}


@pytest.fixture
def big():
    # call counts without the SNAPSHOT_CREATING wait (test_fidelity.py has it)
    e = Emulator(seed=seed(5, [250, 40, 0, 7, 3]), args=["--snapshot-quota", "1000",
                                                          "--no-disk-snapshot-creating"])
    e.start()
    yield e
    e.stop()


def first_disk(emu):
    return "862857204414560000"      # the disk with 250 snapshots


def test_ls_l_costs_one_listing_per_100_snapshots(big, mount):
    m = mount(big)
    big.reset_calls()
    out = subprocess.run(["ls", "-l", m.p(first_disk(big), "snapshots")], check=True,
                         capture_output=True, text=True).stdout
    assert len(out.splitlines()) == 251          # "total" and 250 entries
    c = counts(big)
    assert c.pop("DescribeSnapshots") == math.ceil(250 / 100)
    assert c.pop("DescribeDisks", 0) <= 1
    assert c == {}


def test_ls_l_again_within_ttl_costs_nothing(big, mount):
    m = mount(big, "cache_ttl=60")
    path = m.p(first_disk(big), "snapshots")
    subprocess.run(["ls", "-l", path], check=True, capture_output=True)
    big.reset_calls()
    subprocess.run(["ls", "-l", path], check=True, capture_output=True)
    subprocess.run(["stat", os.path.join(path, "s-00007")], check=True, capture_output=True)
    assert counts(big) == {}


def test_find_over_all_disks_is_batched(big, mount):
    m = mount(big)
    big.reset_calls()
    out = subprocess.run(["find", m.path], check=True, capture_output=True, text=True).stdout
    assert sum(1 for l in out.splitlines()
               if "/snapshots/" in l and not l.endswith("/snapshot.json")) == 300
    c = counts(big)
    disks, snaps = 5, 300
    # .policies is walked too: one DescribeAutoSnapshotPolicies (no policy)
    assert c.get("DescribeAutoSnapshotPolicies", 0) <= 1
    assert sum(c.values()) <= math.ceil(disks / 1000) + math.ceil(snaps / 100) + 1 + 2, c
    assert set(c) <= {"DescribeDisks", "DescribeSnapshots", "DescribeAutoSnapshotPolicies"}


def test_getfattr_after_ls_costs_nothing(big, mount):
    m = mount(big, "cache_ttl=60")
    path = m.p(first_disk(big), "snapshots")
    subprocess.run(["ls", "-l", path], check=True, capture_output=True)
    big.reset_calls()
    subprocess.run("getfattr -d %s/* > /dev/null" % path, shell=True, check=True)
    assert counts(big) == {}


def test_mkdir_costs_two_calls(big, mount):
    """The name check is one anchored query once the server is known to
    honour "^name$"; until then an empty anchored answer is confirmed by an
    unanchored one (a server may take the filter as a substring)."""
    m = mount(big)
    disk = first_disk(big)
    path = m.p(disk, "snapshots")
    os.listdir(path)
    big.reset_calls()
    os.mkdir(os.path.join(path, "new-one"))
    os.stat(os.path.join(path, "new-one"))
    assert counts(big) == {"DescribeSnapshots": 2, "CreateSnapshot": 1}
    # a name made behind zecfs's back: the anchored query finds it (EEXIST),
    # which shows this server honours anchors
    status, _ = big.api("CreateSnapshot", {"diskId": disk, "snapshotName": "made-elsewhere"})
    assert status == 200
    with pytest.raises(FileExistsError):
        os.mkdir(os.path.join(path, "made-elsewhere"))
    assert "made-elsewhere" in os.listdir(path)     # EEXIST made zecfs list again
    big.reset_calls()
    os.mkdir(os.path.join(path, "new-two"))
    os.stat(os.path.join(path, "new-two"))
    assert counts(big) == {"DescribeSnapshots": 1, "CreateSnapshot": 1}


def test_sequential_calls_reuse_connections(big, mount):
    m = mount(big, "cache_ttl=0")
    path = m.p(first_disk(big), "snapshots", "s-00001")
    os.stat(path)
    big.reset_calls()
    for _ in range(200):
        os.stat(path)
    c = big.calls()
    assert sum(v.get("ok", 0) for v in c["actions"].values()) >= 200
    assert c["connections"] <= 2, c
