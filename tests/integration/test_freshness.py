"""Listings the kernel shows are as fresh as the options promise.

The kernel keeps a directory's contents for as long as its attributes are
valid and its mtime compares equal, so zecfs must move a directory's mtime
(to the nanosecond) on every change, drop the kernel's copy when a change
of unclear outcome may have landed, and make a directory whose listing
cannot be had (stale_max) fail in readdir rather than let the kernel serve
its old copy."""

import errno
import json
import os
import subprocess
import threading

import pytest

from conftest import DB, NIGHTLY_ID, WEB
from emulator import wait_until


def ls(path):
    return sorted(os.listdir(path))


def listing_error(path):
    try:
        os.listdir(path)
    except OSError as e:
        return e.errno
    return None


def create(emu, name, disk=DB):
    status, doc = emu.api("CreateSnapshot", {"diskId": disk, "snapshotName": name})
    assert status == 200, doc
    return doc["response"]["snapshotId"]


def test_a_snapshot_made_elsewhere_in_the_same_second_shows_at_ttl_0(emu, mount):
    m = mount(emu, "cache_ttl=0")
    snaps = m.p(DB, "snapshots")
    assert ls(snaps) == []
    for i in range(6):
        create(emu, "same-second-%d" % i)
        # no sleep: most of these land in the second of the listing before
        assert "same-second-%d" % i in ls(snaps), "round %d" % i


def test_changes_show_when_the_server_clock_is_ahead(emu, mount):
    emu.advance_clock(3 * 86400)       # createTimes three days ahead of ours
    m = mount(emu, "cache_ttl=1")
    snaps = m.p(DB, "snapshots")
    a = create(emu, "ahead-a")
    create(emu, "ahead-b")
    wait_until(lambda: ls(snaps) == ["ahead-a", "ahead-b"], 5, "both snapshots listed")
    st1 = os.stat(snaps)
    emu.api("ModifySnapshotsAttribute", {"snapshotIds": [a], "snapshotName": "ahead-c"})
    wait_until(lambda: ls(snaps) == ["ahead-b", "ahead-c"], 5, "the rename by another client")
    st2 = os.stat(snaps)
    assert (st2.st_mtime_ns > st1.st_mtime_ns), "the directory's mtime moved"
    status, doc = emu.api("DeleteSnapshots", {"snapshotIds": [a]})
    assert status == 200, doc
    wait_until(lambda: ls(snaps) == ["ahead-b"], 5, "the delete by another client")


def test_a_restored_disk_shows_at_once(emu, mount):
    m = mount(emu, "allow_restore")
    before = ls(m.path)
    subprocess.run(["setfattr", "-n", "user.zec.restoreTo", "-v", "quick-restore",
                    m.p(WEB, "snapshots", "nightly-1")], check=True)
    new = [d["diskId"] for d in emu.state()["disks"] if d.get("diskName") == "quick-restore"]
    assert len(new) == 1
    assert ls(m.path) == sorted(before + new)
    assert "quick-restore" in os.listdir(m.p(".by-name"))


FAULTS = [{"status": 500}, {"drop": "before"}, {"code": "INVALID_PARAMETER"}]


@pytest.mark.parametrize("fault", FAULTS)
def test_stale_max_0_fails_a_snapshot_listing_at_the_kernel_too(emu, mount, fault):
    m = mount(emu, "cache_ttl=1", "stale_max=0", "retries=1")
    snaps = m.p(WEB, "snapshots")
    assert "nightly-1" in ls(snaps)
    emu.add_fault(action="DescribeSnapshots", **fault)
    wait_until(lambda: listing_error(snaps) == errno.EIO, 5,
               "ls of snapshots/ to fail once its listing expired")
    os.stat(snaps)                           # stat itself still answers
    emu.clear_faults()
    wait_until(lambda: listing_error(snaps) is None, 5, "snapshots/ to list again")
    assert "nightly-1" in ls(snaps)


@pytest.mark.parametrize("fault", FAULTS)
def test_stale_max_0_fails_the_policy_listing_at_the_kernel_too(emu, mount, fault):
    status, doc = emu.api("CreateAutoSnapshotPolicy", {
        "zoneId": "asia-east-1a", "autoSnapshotPolicyName": "kept",
        "repeatWeekDays": [1], "hours": [2], "retentionDays": 7})
    assert status == 200, doc
    m = mount(emu, "cache_ttl=1", "stale_max=0", "retries=1")
    assert ls(m.p(".policies")) == ["kept"]
    emu.add_fault(action="DescribeAutoSnapshotPolicies", **fault)
    wait_until(lambda: listing_error(m.p(".policies")) == errno.EIO, 5,
               "ls of .policies to fail once its listing expired")
    emu.clear_faults()
    wait_until(lambda: listing_error(m.p(".policies")) is None, 5, ".policies to list again")


def test_stale_max_0_fails_the_root_listing_at_the_kernel_too(emu, mount):
    m = mount(emu, "cache_ttl=1", "stale_max=0", "retries=1")
    assert WEB in ls(m.path)
    emu.add_fault(action="DescribeDisks", status=500)
    wait_until(lambda: listing_error(m.path) == errno.EIO, 5,
               "ls of the root to fail once its listing expired")
    os.stat(m.path)
    emu.clear_faults()
    wait_until(lambda: listing_error(m.path) is None, 5, "the root to list again")


def test_an_unclear_mkdir_drops_the_kernels_listing(emu, mount):
    m = mount(emu, "cache_ttl=60", "retries=1")
    snaps = m.p(DB, "snapshots")
    ls(snaps)                    # the first open of the mount declines OPENDIR
    assert ls(snaps) == []       # this one the kernel caches
    # the create lands but its answer is lost, and so is every lookup that
    # could have adopted it: the outcome is unknown to zecfs
    emu.add_fault(action="CreateSnapshot", drop="after", latencyMs=500, count=1)
    marker = emu.add_marker("CreateSnapshot")
    result = {}

    def mkdir():
        try:
            os.mkdir(os.path.join(snaps, "unclear"))
        except OSError as e:
            result["errno"] = e.errno

    t = threading.Thread(target=mkdir)
    t.start()
    emu.wait_arrived(marker)
    emu.add_fault(action="DescribeSnapshots", status=500)
    t.join(30)
    assert result.get("errno") in (errno.EIO, errno.ETIMEDOUT, errno.EAGAIN)
    emu.clear_faults()
    assert [s["snapshotName"] for s in emu.snapshots(DB)] == ["unclear"]
    # well within cache_ttl=60: the kernel's copy was dropped
    assert ls(snaps) == ["unclear"]


def test_an_unclear_restore_shows_the_disk_it_may_have_made(emu, mount):
    """A restoreTo whose answer was lost may have made a disk: the root the
    kernel cached must not hide it, or the user tries again and pays for a
    second one."""
    m = mount(emu, "cache_ttl=60", "allow_restore", "retries=1")
    ls(m.path)                   # the first open of the mount declines OPENDIR
    before = ls(m.path)          # this one the kernel caches
    emu.add_fault(action="CreateDisks", drop="after", count=1)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo", b"maybe-made")
    assert e.value.errno in (errno.EIO, errno.ETIMEDOUT)
    made = [d["diskId"] for d in emu.state()["disks"] if d.get("diskName") == "maybe-made"]
    assert len(made) == 1
    # well within cache_ttl=60: the kernel's copy of the root was dropped
    assert ls(m.path) == sorted(before + made)


def seen(path):
    """What stat(1) says of a file's size, and the bytes a read gives.  stat
    -c %s asks statx for the size only: a read marks the file's atime stale
    in the kernel, and a stat that wants the atime would ask zecfs again,
    where du and stat -c %s take the size the kernel keeps."""
    size = subprocess.run(["stat", "-c", "%s", path], check=True, capture_output=True,
                          text=True).stdout
    with open(path, "rb") as f:
        data = f.read()
    return int(size), data


def test_snapshot_json_size_follows_its_record_within_the_ttl(emu, mount):
    """The kernel keeps snapshot.json's attributes for cache_ttl (a du costs
    no request for it), so a changed record must drop them: at once after
    this mount's rename or retention change, and after a fresh listing that
    shows another client's change; stat's size is then the size a read
    gives, well within cache_ttl=3600."""
    m = mount(emu, "cache_ttl=3600", "retries=1")
    snaps = m.p(WEB, "snapshots")
    path = os.path.join(snaps, "nightly-1", "snapshot.json")
    size, data = seen(path)
    assert size == len(data)
    assert "retentionTime" not in json.loads(data)

    os.setxattr(os.path.join(snaps, "nightly-1"), "user.zec.retentionTime", b"+30d")
    size, data = seen(path)
    assert "retentionTime" in json.loads(data)
    assert size == len(data)

    os.rename(os.path.join(snaps, "nightly-1"), os.path.join(snaps, "renamed-here-at-once"))
    path = os.path.join(snaps, "renamed-here-at-once", "snapshot.json")
    size, data = seen(path)
    assert json.loads(data)["snapshotName"] == "renamed-here-at-once"
    assert size == len(data)

    # another client keeps it forever: the record shrinks
    status, doc = emu.api("ModifySnapshotsAttribute",
                          {"snapshotIds": [NIGHTLY_ID], "isPermanent": True})
    assert status == 200, doc
    # a change of this mount that fails makes zecfs list the disk again
    emu.add_fault(action="ModifySnapshotsAttribute", code="INVALID_PARAMETER", count=1)
    with pytest.raises(OSError):
        os.setxattr(os.path.join(snaps, "renamed-here-at-once"), "user.zec.retentionTime",
                    b"+40d")

    def fresh():
        ls(snaps)
        size, data = seen(path)
        return "retentionTime" not in json.loads(data) and size == len(data)
    wait_until(fresh, 10, "stat of snapshot.json gives the size of the fresh record")
