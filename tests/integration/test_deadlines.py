"""One deadline per command: -o timeout bounds what a command waits for the
API, -o wait_available has a budget of its own, slow bodies end at the
deadline, and a stalled page is retried within it.  Times are reported
(printed), never asserted tightly: what is asserted is the errno, what the
emulator holds, and that a command ends within its bound."""

import errno
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import DB, WEB, _disk, _strip_none, default_seed
from emulator import Emulator, wait_until
from slowproxy import SlowProxy


class FakeEmu:
    """What a mount needs of an emulator: its url (here, a proxy's)."""
    def __init__(self, url):
        self.url = url


def live(emu, disk_id):
    return [s for s in emu.snapshots(disk_id) if s["status"] != "DELETING"]


def timed(fn):
    """(seconds, errno or 0) of fn()."""
    t0 = time.monotonic()
    try:
        fn()
        err = 0
    except OSError as e:
        err = e.errno
    return time.monotonic() - t0, err


@pytest.fixture
def slow_create():
    """An emulator whose snapshots take 6 s to become AVAILABLE."""
    with Emulator(seed=_strip_none(default_seed()), args=["--create-delay-ms", "6000"]) as e:
        yield e


def test_wait_available_is_not_cut_by_the_timeout(slow_create, mount):
    """timeout=2, wait_available=20, a 6 s create: mkdir waits for the
    snapshot (the wait's own budget), each poll keeping its own deadline."""
    m = mount(slow_create, "timeout=2", "wait_available=20")
    took, err = timed(lambda: os.mkdir(m.p(WEB, "snapshots", "ready")))
    print("mkdir with wait_available: %.1f s" % took)
    assert err == 0
    [s] = [s for s in live(slow_create, WEB) if s["snapshotName"] == "ready"]
    assert s["status"] == "AVAILABLE"
    assert "ZECFS_TIMEOUT" not in m.output()
    m.unmount()


def test_a_stalled_poll_costs_one_poll_not_the_wait(slow_create, mount):
    """A poll that stalls times out at its own deadline; the wait goes on
    and mkdir still succeeds."""
    m = mount(slow_create, "timeout=2", "wait_available=20")
    os.listdir(m.p(WEB, "snapshots"))
    slow_create.add_fault(action="CreateSnapshot", latencyMs=300, count=1)
    marker = slow_create.add_marker("CreateSnapshot")
    done = []
    t = threading.Thread(target=lambda: done.append(
        timed(lambda: os.mkdir(m.p(WEB, "snapshots", "ready")))))
    t.start()
    slow_create.wait_arrived(marker)
    slow_create.add_fault(action="DescribeSnapshots", stall=True, count=1)
    t.join(60)
    [(took, err)] = done
    print("mkdir with a stalled poll: %.1f s" % took)
    assert err == 0
    assert "api failed action=DescribeSnapshots" in m.output() or \
        "code=ZECFS_TIMEOUT" in m.output()
    m.unmount()


def test_wait_available_budget_ends_in_wait_timeout(slow_create, mount):
    m = mount(slow_create, "timeout=10", "wait_available=2")
    took, err = timed(lambda: os.mkdir(m.p(WEB, "snapshots", "slow")))
    print("mkdir past wait_available=2: %.1f s" % took)
    assert err == errno.ETIMEDOUT
    assert 2 <= took < 10
    assert "mkdir wait timed out" in m.output()
    assert len([s for s in live(slow_create, WEB) if s["snapshotName"] == "slow"]) == 1
    m.unmount()


# ---- a full stall: the circuit breaker -------------------------------------

def stats(m):
    with open(m.p(".zecfs", "stats")) as f:
        return json.load(f)


TEN = ["86285720441456%04d" % i for i in range(10)]


def ten_disks():
    s = _strip_none(default_seed())
    s["disks"] += [_disk(d, "many-%d" % i) for i, d in enumerate(TEN)]
    s["snapshots"] += [{"snapshotId": "7100000000000%02d001" % i, "snapshotName": "s-1",
                        "diskId": d, "status": "AVAILABLE",
                        "createTime": "2026-11-01T02:00:00Z"} for i, d in enumerate(TEN)]
    return s


def test_every_command_returns_within_the_timeout_during_a_stall(emu, mount):
    """With every call stalled, at timeout=3,cache_ttl=1: the first request
    that needs the API pays the deadline once and opens the breaker; from
    then on what the cache holds answers at once (stale-if-error) and what
    needs the API fails at once with ETIMEDOUT, until a probe answers."""
    emu.reset(ten_disks())
    m = mount(emu, "timeout=3", "cache_ttl=1", "allow_delete", "allow_restore")
    snaps = m.p(WEB, "snapshots")
    subprocess.run(["find", m.path], check=True, stdout=subprocess.DEVNULL)
    time.sleep(1.5)                                   # every listing past its TTL
    emu.add_fault(action="*", stall=True)
    rows = [
        ("mkdir", lambda: os.mkdir(os.path.join(snaps, "new")), errno.ETIMEDOUT),
        ("rmdir", lambda: os.rmdir(os.path.join(snaps, "nightly-1")), errno.ETIMEDOUT),
        ("setfattr retention", lambda: os.setxattr(os.path.join(snaps, "nightly-1"),
                                                   "user.zec.retentionTime", b"+7d"),
         errno.ETIMEDOUT),
        ("setfattr restoreTo", lambda: os.setxattr(os.path.join(snaps, "nightly-1"),
                                                   "user.zec.restoreTo", b"restored"),
         errno.ETIMEDOUT),
        ("mv", lambda: os.rename(os.path.join(snaps, "nightly-1"),
                                 os.path.join(snaps, "renamed")), errno.ETIMEDOUT),
        ("setfattr autoSnapshot", lambda: os.setxattr(m.p(WEB), "user.zec.autoSnapshot",
                                                      b"days=mon hours=2 keep=7"),
         errno.ETIMEDOUT),
        ("ls", lambda: os.listdir(snaps), 0),
        ("cat snapshots.json", lambda: open(m.p(WEB, "snapshots.json")).read(), 0),
        ("find over 10 disks", lambda: subprocess.run(["find", m.path], check=True,
                                                      stdout=subprocess.DEVNULL), 0),
    ]
    for name, fn, want in rows:
        took, err = timed(fn)
        print("%-22s %.1f s %s" % (name, took, errno.errorcode.get(err, "-")))
        assert err == want, name
        assert took < 3 + 1, "%s took %.1f s at timeout=3" % (name, took)
    st = stats(m)["api"]
    assert st["state"] == "open" and st["reason"] == "ZECFS_TIMEOUT"
    assert st["trips"] == 1 and st["fastFailed"] > 0
    assert "api unreachable, calls fail at once until a probe answers" in m.output()
    # the API back: a probe closes the breaker and commands work again
    emu.clear_faults()
    wait_until(lambda: stats(m)["api"]["state"] == "closed", timeout=15,
               what="a probe to close the breaker")
    assert "api reachable again, a probe answered" in m.output()
    os.mkdir(os.path.join(snaps, "after"))
    assert "after" in [s["snapshotName"] for s in live(emu, WEB)]


def test_a_refused_connection_fails_fast_too(mount, tmp_path):
    """No server at all: the first call finds none and opens the breaker;
    the next commands fail at once with EIO until the server is back."""
    e = Emulator(seed=_strip_none(default_seed()))
    e.start()
    m = mount(e, "timeout=3", "cache_ttl=1", "stale_max=0")
    os.listdir(m.p(WEB, "snapshots"))
    e.stop()
    time.sleep(1.2)
    took, err = timed(lambda: os.listdir(m.p(WEB, "snapshots")))
    assert err == errno.EIO
    took2, err2 = timed(lambda: os.listdir(m.p(DB, "snapshots")))
    print("first ls %.1f s, second %.2f s" % (took, took2))
    assert err2 == errno.EIO
    assert stats(m)["api"]["state"] == "open"
    assert stats(m)["api"]["reason"] == "ZECFS_TRANSPORT"


# ---- slow bodies ------------------------------------------------------------

@pytest.mark.parametrize("mode", ["drip", "headers"])
def test_slow_body_ends_at_the_deadline_with_etimedout(emu, mount, mode):
    """An answer that trickles (1 byte every 0.4 s) or stops after its
    headers is cut at the operation's deadline (curl's total timeout as
    well as its low-speed limit): ETIMEDOUT, and with stale_max=0 never the
    old listing.  The next command fails at once (the breaker)."""
    with SlowProxy(emu.url) as px:
        m = mount(FakeEmu(px.url), "timeout=3", "cache_ttl=1", "stale_max=0")
        snaps = m.p(WEB, "snapshots")
        assert os.listdir(snaps) == ["nightly-1"]
        time.sleep(1.2)
        px.mode = mode
        took, err = timed(lambda: os.listdir(snaps))
        print("%s: ls %.1f s" % (mode, took))
        assert err == errno.ETIMEDOUT
        assert took < 3 + 1
        took, err = timed(lambda: os.listdir(m.path))
        assert err == errno.ETIMEDOUT and took < 1
        px.mode = "pass"
        m.unmount()


# ---- a stalled page ---------------------------------------------------------

def test_one_stalled_page_costs_a_retry_not_the_listing(mount):
    """A listing of 10 pages (100 a page), one of which stalls, at timeout=6: the try of
    that page leaves time for a retry (the calls before it set what a typical
    try takes), so its retry fits in the deadline and the listing completes."""
    s = _strip_none(default_seed())
    s["snapshots"] = [{"snapshotId": "72000000000000%04d" % i, "snapshotName": "p-%04d" % i,
                       "diskId": WEB, "status": "AVAILABLE",
                       "createTime": "2026-10-01T%02d:%02d:00Z" % (i // 60, i % 60)}
                      for i in range(1000)]
    with Emulator(seed=s) as e:
        m = mount(e, "timeout=6")
        e.add_fault(action="DescribeSnapshots", stall=True, count=1)
        took, err = timed(lambda: os.listdir(m.p(WEB, "snapshots")))
        print("ls of 10 pages, one stalled: %.1f s" % took)
        assert err == 0
        assert len(os.listdir(m.p(WEB, "snapshots"))) == 1000
        assert stats(m)["api"]["state"] == "closed"
        m.unmount()


# ---- a rename whose answer is lost ------------------------------------------

def test_mv_whose_answers_are_lost_is_confirmed_within_one_more_deadline(emu, mount):
    """Every ModifySnapshotsAttribute is applied but its answer is lost,
    each after 1 s, until the timeout=3 deadline has passed: the rename is
    then confirmed by reading the snapshot back, with one more deadline of
    its own, and mv succeeds (it did happen), within two deadlines."""
    m = mount(emu, "timeout=3")
    snaps = m.p(WEB, "snapshots")
    os.listdir(snaps)
    emu.add_fault(action="ModifySnapshotsAttribute", latencyMs=1000, drop="after")
    took, err = timed(lambda: os.rename(os.path.join(snaps, "nightly-1"),
                                        os.path.join(snaps, "renamed")))
    print("mv with lost answers: %.1f s" % took)
    assert err == 0
    assert [s["snapshotName"] for s in live(emu, WEB)] == ["renamed"]
    assert "api change confirmed after its answer was lost" in m.output()
    assert took < 2 * 3 + 1
    assert os.listdir(snaps) == ["renamed"]
