"""One deadline per command: -o timeout bounds what a command waits for the
API, -o wait_available has a budget of its own, slow bodies end at the
deadline, and a stalled page is retried within it.  Times are reported
(printed), never asserted tightly: what is asserted is the errno, what the
emulator holds, and that a command ends within its bound."""

import errno
import os
import threading
import time

import pytest

from conftest import WEB, _strip_none, default_seed
from emulator import Emulator


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
