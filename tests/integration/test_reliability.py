"""zecfs under faults injected by the emulator: bounded retries with the
right errno, exactly one snapshot per mkdir, no hangs, stale-if-error."""

import errno
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import DB, WEB
from emulator import wait_until


def calls(emu, action):
    return emu.calls().get("actions", {}).get(action, {})


def live(emu, disk_id):
    return [s for s in emu.snapshots(disk_id) if s["status"] != "DELETING"]


def names(emu, disk_id):
    return sorted(s["snapshotName"] for s in live(emu, disk_id))


def mkdir_errno(path):
    try:
        os.mkdir(path)
        return 0
    except OSError as e:
        return e.errno


# ---- retries ---------------------------------------------------------------

@pytest.mark.parametrize("status,code", [
    (503, "SERVICE_TEMPORARY_UNAVAILABLE"),
    (429, "REQUEST_LIMIT_EXCEEDED"),
    (500, "INTERNAL_SERVER_ERROR"),
])
def test_transient_errors_are_retried(emu, mount, status, code):
    m = mount(emu)
    assert os.listdir(m.p(WEB, "snapshots")) == ["nightly-1"]
    emu.reset_calls()
    emu.add_fault(action="CreateSnapshot", status=status, code=code, count=2)
    os.mkdir(m.p(WEB, "snapshots", "after-retries"))
    assert names(emu, WEB) == ["after-retries", "nightly-1"]
    c = calls(emu, "CreateSnapshot")
    assert c.get("failed") == 2 and c.get("ok") == 1
    assert "api retry" in m.output()


@pytest.mark.parametrize("status,code,err", [
    (503, "SERVICE_TEMPORARY_UNAVAILABLE", errno.EAGAIN),
    (429, "REQUEST_LIMIT_EXCEEDED", errno.EAGAIN),
    (500, "INTERNAL_SERVER_ERROR", errno.EIO),
    (504, "REQUEST_TIMED_OUT", errno.ETIMEDOUT),
])
def test_retries_are_capped_and_give_the_errno(emu, mount, status, code, err):
    m = mount(emu, "retries=3")
    os.listdir(m.p(DB, "snapshots"))
    emu.add_fault(action="DescribeSnapshots", status=status, code=code)
    emu.reset_calls()
    assert mkdir_errno(m.p(DB, "snapshots", "never")) == err
    assert calls(emu, "DescribeSnapshots").get("failed") == 3
    assert calls(emu, "CreateSnapshot") == {}
    log = m.output()
    assert "api call failed action=DescribeSnapshots" in log
    assert "code=%s" % code in log


def test_client_errors_are_not_retried(emu, mount):
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    emu.reset_calls()
    emu.add_fault(action="CreateSnapshot", status=400, code="INVALID_SNAPSHOT_QUOTA_EXCEED",
                  count=5)
    assert mkdir_errno(m.p(WEB, "snapshots", "once")) == errno.EDQUOT
    assert calls(emu, "CreateSnapshot") == {"failed": 1} or \
        calls(emu, "CreateSnapshot").get("failed") == 1 and not calls(emu, "CreateSnapshot").get("ok")


# ---- exactly one snapshot per mkdir ------------------------------------------

def test_drop_after_apply_adopts_the_snapshot(emu, mount):
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", drop="after", count=1)
    os.mkdir(m.p(WEB, "snapshots", "ambiguous"))
    assert names(emu, WEB) == ["ambiguous", "nightly-1"]
    assert os.path.isdir(m.p(WEB, "snapshots", "ambiguous"))


def test_drop_before_apply_creates_once(emu, mount):
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", drop="before", count=1)
    os.mkdir(m.p(WEB, "snapshots", "second-try"))
    assert names(emu, WEB) == ["nightly-1", "second-try"]


def test_stall_after_nothing_leaves_no_duplicate(emu, mount):
    m = mount(emu, "timeout=3")
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", stall=True, count=1)
    t0 = time.time()
    err = mkdir_errno(m.p(WEB, "snapshots", "stalled"))
    assert time.time() - t0 < 10
    # either it was re-sent after a lookup showed none, or the deadline ran out
    assert err in (0, errno.ETIMEDOUT)
    assert len([s for s in live(emu, WEB) if s["snapshotName"] == "stalled"]) == (1 if err == 0 else 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_faults_never_duplicate(emu, mount, seed):
    m = mount(emu, "timeout=10")
    os.listdir(m.p(DB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", drop="after", probability=0.3, seed=seed)
    emu.add_fault(action="DescribeSnapshots", status=503,
                  code="SERVICE_TEMPORARY_UNAVAILABLE", probability=0.2, seed=seed + 10)
    made = []
    for i in range(8):
        if mkdir_errno(m.p(DB, "snapshots", "r%d" % i)) == 0:
            made.append("r%d" % i)
    emu.clear_faults()
    held = [s["snapshotName"] for s in live(emu, DB)]
    assert len(held) == len(set(held)), held          # no duplicates
    assert sorted(made) == sorted(n for n in held if n in made)
    assert set(made) <= set(held)


# ---- no hangs ------------------------------------------------------------------

def test_stalled_listing_returns_etimedout_within_the_deadline(emu, mount):
    m = mount(emu, "timeout=2", "stale_max=0")
    emu.add_fault(action="DescribeSnapshots", stall=True)
    t0 = time.time()
    with pytest.raises(OSError) as e:
        os.listdir(m.p(WEB, "snapshots"))
    assert e.value.errno == errno.ETIMEDOUT
    assert time.time() - t0 < 8


def test_unmount_while_the_api_stalls(emu, mount):
    m = mount(emu, "timeout=30")
    emu.add_fault(action="*", stall=True)
    arrived = emu.add_marker()
    t = threading.Thread(target=lambda: mkdir_errno(m.p(WEB, "snapshots", "hung")), daemon=True)
    t.start()
    emu.wait_arrived(arrived)            # the mkdir's first call is stalled
    t0 = time.time()
    subprocess.run(["fusermount3", "-u", "-z", m.path], check=True)
    assert not os.path.ismount(m.path)
    assert time.time() - t0 < 5
    emu.clear_faults()
    m.proc.wait(timeout=40)
    m.proc = None


def test_requests_waiting_on_the_api_hold_up_no_other_request(emu, mount):
    """A mkdir and a setfattr wait on stalled calls; meanwhile what the cache
    holds is answered at once: the thread that read each of them from the
    device handed the reading to another before it waited on the network."""
    m = mount(emu, "timeout=5", "cache_ttl=3600")
    web, db = m.p(WEB, "snapshots"), m.p(DB, "snapshots")
    assert os.listdir(web) == ["nightly-1"]
    db_names = sorted(os.listdir(db))
    emu.add_fault(action="CreateSnapshot", stall=True, count=1)
    emu.add_fault(action="ModifySnapshotsAttribute", stall=True, count=1)
    created = emu.add_marker("CreateSnapshot")
    modified = emu.add_marker("ModifySnapshotsAttribute")
    outcome = {}

    def setfattr():
        try:
            os.setxattr(os.path.join(web, "nightly-1"), "user.zec.retentionTime", b"+7d")
            outcome["setfattr"] = 0
        except OSError as e:
            outcome["setfattr"] = e.errno

    waiting = [threading.Thread(target=lambda: outcome.update(
                   mkdir=mkdir_errno(os.path.join(web, "stalled"))), daemon=True),
               threading.Thread(target=setfattr, daemon=True)]
    for t in waiting:
        t.start()
    try:
        emu.wait_arrived(created)
        emu.wait_arrived(modified)
        # (not under web/snapshots: the kernel holds it locked for the mkdir)
        assert sorted(os.listdir(db)) == db_names
        assert os.stat(m.p(DB, "snapshots.json")).st_size > 0
        assert WEB in os.listdir(m.path)
        assert json.loads(open(m.p(DB, "disk.json")).read())
        assert [t.is_alive() for t in waiting] == [True, True], outcome  # answered meanwhile
    finally:
        for t in waiting:            # each ends by its deadline; the mount is then idle
            t.join(timeout=30)
    assert outcome["mkdir"] in (0, errno.ETIMEDOUT)
    assert outcome["setfattr"] in (0, errno.ETIMEDOUT)
    # the threads that waited serve again: nothing was left unread
    assert sorted(os.listdir(db)) == db_names
    assert "nightly-1" in os.listdir(web)


# ---- stale-if-error ------------------------------------------------------------

def test_stale_listings_served_while_the_api_is_down(emu, mount):
    m = mount(emu, "cache_ttl=1", "stale_max=300")
    snaps = m.p(WEB, "snapshots")
    assert os.listdir(snaps) == ["nightly-1"]
    assert os.getxattr(os.path.join(snaps, "nightly-1"), "user.zec.status") == b"AVAILABLE"
    emu.add_fault(action="*", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE")

    def served_after_a_failed_refresh():
        assert os.listdir(snaps) == ["nightly-1"]
        assert os.stat(os.path.join(snaps, "nightly-1")).st_mode & 0o777 == 0o555
        assert os.getxattr(os.path.join(snaps, "nightly-1"), "user.zec.status") == b"AVAILABLE"
        return emu.call_count("*", "failed") >= 1
    # once the TTL is over zecfs asks, fails, and still answers from the cache
    wait_until(served_after_a_failed_refresh, what="a refresh that failed")
    failed = emu.call_count("*", "failed")
    wait_until(lambda: served_after_a_failed_refresh() and
               emu.call_count("*", "failed") > failed,
               what="a second failed refresh")
    # mutations fail at once with their errno
    assert mkdir_errno(os.path.join(snaps, "during-outage")) == errno.EAGAIN
    assert m.output().count("serving cached listings") == 1


def test_stale_max_zero_fails_reads(emu, mount):
    m = mount(emu, "cache_ttl=1", "stale_max=0", "retries=1")
    assert os.listdir(m.p(WEB, "snapshots")) == ["nightly-1"]
    emu.add_fault(action="*", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE")

    def listing_errno():
        try:
            os.listdir(m.p(WEB, "snapshots"))     # from the cache until the TTL is over
            return 0
        except OSError as e:
            return e.errno
    assert wait_until(listing_errno, what="the listing to fail") == errno.EAGAIN
    assert emu.call_count("*", "failed") >= 1


@pytest.mark.parametrize("status,code", [(503, "SERVICE_TEMPORARY_UNAVAILABLE"),
                                         (429, "REQUEST_LIMIT_EXCEEDED")])
def test_setxattr_during_an_outage_says_try_again(emu, mount, status, code):
    """EAGAIN from a setxattr reaches the user as EOPNOTSUPP ("Operation not
    supported"): a transient failure is EBUSY there instead."""
    m = mount(emu, "retries=1")
    snap = m.p(WEB, "snapshots", "nightly-1")
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="ModifySnapshotsAttribute", status=status, code=code)
    for op in (lambda: os.setxattr(snap, "user.zec.retentionTime", b"+3d"),
               lambda: os.removexattr(snap, "user.zec.retentionTime")):
        with pytest.raises(OSError) as e:
            op()
        assert e.value.errno == errno.EBUSY
    r = subprocess.run(["setfattr", "-n", "user.zec.retentionTime", "-v", "+3d", snap],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Device or resource busy" in r.stderr
