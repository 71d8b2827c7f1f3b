"""The API client under faults, through a real mount: what mkdir, rmdir and
ls answer when an answer is lost (adoption) or the account is rate
limited (the walker's back-off).  Assertions are on errnos, listings and
the emulator's state only."""

import errno
import os
import time

import pytest

from conftest import DB, WEB, _disk
from emulator import Emulator


def live(emu, disk_id, name):
    return [s for s in emu.snapshots(disk_id)
            if s["snapshotName"] == name and s["status"] != "DELETING"]


def wait_for(cond, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


@pytest.fixture
def slow_delete_emu():
    """The default seed, with deletes that stay DELETING for a while."""
    from conftest import _strip_none, default_seed
    e = Emulator(seed=_strip_none(default_seed()),
                 args=["--create-delay-ms", "50", "--delete-delay-ms", "20000"])
    e.start()
    yield e
    e.stop()


@pytest.mark.parametrize("drop", ["before", "after"])
def test_mkdir_after_rmdir_never_adopts_the_deleting_namesake(slow_delete_emu, mount, drop):
    """Item 1: rmdir latest, then mkdir latest whose CreateSnapshot answer
    is lost.  The lookup that follows sees the old `latest` DELETING; it must
    not be adopted: mkdir answers 0 and a live `latest` exists."""
    emu = slow_delete_emu
    m = mount(emu, "allow_delete")
    snaps = m.p(WEB, "snapshots")
    os.mkdir(os.path.join(snaps, "latest"))
    wait_for(lambda: [s["status"] for s in live(emu, WEB, "latest")] == ["AVAILABLE"],
             "latest AVAILABLE")
    old = live(emu, WEB, "latest")[0]["snapshotId"]
    os.rmdir(os.path.join(snaps, "latest"))
    assert [s["status"] for s in emu.snapshots(WEB) if s["snapshotId"] == old] == ["DELETING"]
    emu.add_fault(action="CreateSnapshot", drop=drop, count=1)
    os.mkdir(os.path.join(snaps, "latest"))
    now = live(emu, WEB, "latest")
    assert len(now) == 1 and now[0]["snapshotId"] != old
    assert "latest" in os.listdir(snaps)


def test_rmdir_whose_answer_is_lost_succeeds(emu, mount):
    """Item 2: the server deletes, the connection drops before the answer.
    rmdir answers 0 (it was EBUSY or ENOENT when the delete was re-sent)."""
    m = mount(emu, "allow_delete")
    snaps = m.p(WEB, "snapshots")
    assert "nightly-1" in os.listdir(snaps)
    emu.add_fault(action="DeleteSnapshots", drop="after", count=1)
    os.rmdir(os.path.join(snaps, "nightly-1"))
    assert not live(emu, WEB, "nightly-1")
    assert "nightly-1" not in os.listdir(snaps)
    acts = emu.calls().get("actions", {}).get("DeleteSnapshots", {})
    assert sum(acts.values()) == 1, acts


def test_rmdir_lost_before_the_server_acts_is_sent_again(emu, mount):
    """Item 2, the other side: dropped before the server acted, the lookup
    shows the snapshot alive, the delete is sent again and rmdir answers 0."""
    m = mount(emu, "allow_delete")
    snaps = m.p(WEB, "snapshots")
    os.listdir(snaps)
    emu.add_fault(action="DeleteSnapshots", drop="before", count=1)
    os.rmdir(os.path.join(snaps, "nightly-1"))
    assert not live(emu, WEB, "nightly-1")


def test_rate_limited_listing_completes(mount):
    """Half the DescribeSnapshots calls answer 429 and each call
    gets only 2 tries; the walker backs off (halving its window) and fetches
    refused pages again, so the 1,500-entry listing completes."""
    seed = {"disks": [_disk(WEB, "web-data")],
            "snapshots": [{"diskId": WEB, "snapshotName": "s%04d" % i,
                           "snapshotId": "7%017d" % i} for i in range(1500)]}
    with Emulator(seed=seed) as emu:
        m = mount(emu, "retries=2", "timeout=30")
        emu.add_fault(action="DescribeSnapshots", status=429, probability=0.5, seed=5)
        names = os.listdir(m.p(WEB, "snapshots"))
        assert len(names) == 1500 and len(set(names)) == 1500
        refused = emu.calls().get("actions", {}).get("DescribeSnapshots", {})
        assert refused.get("failed", 0) > 0, refused


def test_listing_of_many_pages_is_whole(mount):
    """2,345 snapshots (24 pages fetched concurrently): every one, once."""
    seed = {"disks": [_disk(WEB, "web-data")],
            "snapshots": [{"diskId": WEB, "snapshotName": "n%05d" % i,
                           "snapshotId": "8%017d" % i} for i in range(2345)]}
    with Emulator(seed=seed) as emu:
        m = mount(emu)
        names = sorted(os.listdir(m.p(WEB, "snapshots")))
        assert names == sorted("n%05d" % i for i in range(2345))
        calls = emu.calls().get("actions", {}).get("DescribeSnapshots", {})
        assert sum(calls.values()) == 24, calls



def test_timeout_bounds_the_whole_operation(emu, mount):
    """-o timeout is the deadline of one operation, retries and every call
    it makes included: with 2.5 s a call and timeout=3, a
    warm mkdir (the name check, then the create) used to take 5 s."""
    m = mount(emu, "timeout=3", "cache_ttl=600")
    assert os.listdir(m.p(DB, "snapshots")) == []          # warm: no listing needed
    emu.add_fault(action="*", latencyMs=2500)
    t0 = time.monotonic()
    try:
        os.mkdir(m.p(DB, "snapshots", "bounded"))
        err = 0
    except OSError as e:
        err = e.errno
    took = time.monotonic() - t0
    emu.clear_faults()
    assert err in (0, errno.ETIMEDOUT), errno.errorcode.get(err)
    assert took < 4.5, "mkdir took %.1f s with -o timeout=3" % took
