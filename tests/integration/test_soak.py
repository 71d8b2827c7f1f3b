"""Soak: thousands of mixed mkdir/mv/setxattr/rmdir/ls operations from
several threads under a 5% fault rate.  The test keeps a model of what
each disk should hold; at the end the emulator must hold exactly that, and
zecfs must exit 0 (under the ASan build that also means: no leak).

The rotation soak reuses a few names (`latest` replaced by rmdir + mkdir),
deletes and creates under drop-after faults, and lists the root meanwhile.

Bounded: SOAK_OPS operations per thread (default 750) and a 100 s budget."""

import errno
import os
import random
import threading
import time

import pytest

from conftest import _disk
from emulator import Emulator

THREADS = 4
OPS = int(os.environ.get("SOAK_OPS", "750"))
BUDGET_S = 100
TRANSIENT = (errno.EAGAIN, errno.EIO, errno.ETIMEDOUT)


def disk_id(i):
    return str(862857204414570000 + i)


def live(emu, d):
    return {s["snapshotName"]: s for s in emu.snapshots(d) if s["status"] != "DELETING"}


class Worker(threading.Thread):
    """Owns one disk, so its model needs no lock."""

    def __init__(self, emu, mnt, i, seed):
        super().__init__(daemon=True)
        self.emu, self.mnt, self.d = emu, mnt, disk_id(i)
        self.rng = random.Random(seed)
        self.model = {}          # name -> has retention
        self.counter = 0
        self.history = []
        self.errors = []
        self.done = 0
        self.deadline = time.time() + BUDGET_S

    def snaps(self, *names):
        return os.path.join(self.mnt, self.d, "snapshots", *names)

    def resync(self, *names):
        """After a transient failure the outcome is unknown: read it back."""
        held = live(self.emu, self.d)
        for n in names:
            if n in held:
                self.model[n] = "retentionTime" in held[n]
            else:
                self.model.pop(n, None)

    def step(self):
        op = self.rng.choice(["mkdir", "mkdir", "mv", "xattr", "rmdir", "ls"])
        names = sorted(self.model)
        if op != "mkdir" and op != "ls" and not names:
            op = "mkdir"
        try:
            if op == "mkdir":
                self.counter += 1
                n = "t%d-%d" % (int(self.d[-1]), self.counter)
                try:
                    os.mkdir(self.snaps(n))
                    self.model[n] = False
                    self.history.append(("mkdir", n, "", 0))
                except OSError as e:
                    self.history.append(("mkdir", n, "", e.errno))
                    if e.errno not in TRANSIENT:
                        raise
                    self.resync(n)
            elif op == "mv":
                a = self.rng.choice(names)
                self.counter += 1
                b = "m%d-%d" % (int(self.d[-1]), self.counter)
                try:
                    os.rename(self.snaps(a), self.snaps(b))
                    self.model[b] = self.model.pop(a)
                    self.history.append(("mv", a, b, 0))
                except OSError as e:
                    self.history.append(("mv", a, b, e.errno))
                    if e.errno not in TRANSIENT:
                        raise
                    self.resync(a, b)
            elif op == "xattr":
                a = self.rng.choice(names)
                v = self.rng.choice([b"+3d", b"permanent"])
                try:
                    os.setxattr(self.snaps(a), "user.zec.retentionTime", v)
                    self.model[a] = v != b"permanent"
                except OSError as e:
                    if e.errno not in TRANSIENT:
                        raise
                    self.resync(a)
            elif op == "rmdir":
                a = self.rng.choice(names)
                try:
                    os.rmdir(self.snaps(a))
                    del self.model[a]
                    self.history.append(("rmdir", a, "", 0))
                except OSError as e:
                    self.history.append(("rmdir", a, "", e.errno))
                    if e.errno == errno.EBUSY:
                        pass                # still CREATING: stays
                    elif e.errno in TRANSIENT:
                        self.resync(a)
                    else:
                        raise
            else:
                try:
                    seen = set(os.listdir(self.snaps()))
                except OSError as e:
                    if e.errno not in TRANSIENT:
                        raise
                else:
                    # our own changes are visible at once (read-your-writes)
                    missing = set(self.model) - seen
                    if missing:
                        self.resync(*missing)
                        assert not (set(self.model) - seen), (missing, [h for h in self.history if h[1] in missing or h[2] in missing])
        except Exception as e:          # noqa: BLE001 - reported below
            self.errors.append("%s: %r" % (op, e))

    def run(self):
        for _ in range(OPS):
            if time.time() > self.deadline or len(self.errors) > 5:
                break
            self.step()
            self.done += 1


def test_soak_under_faults(mount):
    seed = {"disks": [_disk(disk_id(i), "soak-%d" % i) for i in range(THREADS)],
            "snapshots": []}
    for d in seed["disks"]:
        d.pop("instanceName", None)
    with Emulator(seed=seed, args=["--no-disk-snapshot-creating",  # back-to-back snapshots
                                   "--create-delay-ms", "20", "--delete-delay-ms", "20",
                                   "--snapshot-quota", "100000"]) as emu:
        m = mount(emu, "allow_delete", "cache_ttl=2", "timeout=10", "stale_max=0")
        emu.add_fault(action="*", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE",
                      probability=0.03, seed=11)
        emu.add_fault(action="*", status=500, code="INTERNAL_SERVER_ERROR",
                      probability=0.01, seed=12)
        emu.add_fault(action="CreateSnapshot", drop="after", probability=0.01, seed=13)
        workers = [Worker(emu, m.path, i, seed=100 + i) for i in range(THREADS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(BUDGET_S + 60)
        emu.clear_faults()
        assert not [w for w in workers if w.is_alive()], "a worker hung"
        errors = [e for w in workers for e in w.errors]
        assert not errors, errors[:5]
        total = sum(w.done for w in workers)
        assert total >= min(THREADS * OPS, 400), total
        print("soak: %d operations, calls %s" % (total, emu.calls()))
        for w in workers:
            held = live(emu, w.d)
            assert sorted(held) == sorted(w.model), (w.d, sorted(held), sorted(w.model))
            for name, has_retention in w.model.items():
                assert ("retentionTime" in held[name]) == has_retention, name
            # exactly one snapshot per name: no duplicate ever made
            names = [s["snapshotName"] for s in emu.snapshots(w.d) if s["status"] != "DELETING"]
            assert len(names) == len(set(names))
        m.unmount()                     # exit 0: no crash (and no leak under ASan)


# ---- rotation: reused names, deletes under drop-after, listing the root --------

ROTATION_OPS = int(os.environ.get("SOAK_ROTATION_OPS", "150"))
POOL = ["latest", "daily-0", "daily-1", "daily-2"]


class Rotator(threading.Thread):
    """Owns one disk and rotates a few reused names on it, the way a nightly
    script replaces `latest`: rmdir then mkdir of the same name, with deletes
    and creates whose answer may be lost after the server acted.  Checks
    what a user sees after each call: a mkdir that returned 0 left the
    snapshot on the server and in the listing, an rmdir that returned 0 left
    neither, and an rmdir of a name it holds never says ENOENT."""

    def __init__(self, emu, mnt, i, seed):
        super().__init__(daemon=True)
        self.emu, self.mnt, self.d = emu, mnt, disk_id(i)
        self.rng = random.Random(seed)
        self.model = set()
        self.errors = []
        self.done = 0
        self.deadline = time.time() + BUDGET_S

    def snaps(self, *names):
        return os.path.join(self.mnt, self.d, "snapshots", *names)

    def held(self, n):
        return n in live(self.emu, self.d)

    def mkdir(self, n):
        try:
            os.mkdir(self.snaps(n))
        except OSError as e:
            if e.errno == errno.EEXIST and n in self.model:
                return
            if e.errno not in TRANSIENT:
                raise AssertionError("mkdir %s: errno %s" % (n, errno.errorcode[e.errno]))
            if self.held(n):
                self.model.add(n)
            else:
                self.model.discard(n)
            return
        self.model.add(n)
        assert self.held(n), "mkdir %s returned 0 but the server holds no live %s" % (n, n)
        assert n in os.listdir(self.snaps()), "mkdir %s returned 0 but ls does not show it" % n

    def rmdir(self, n):
        had = n in self.model
        try:
            os.rmdir(self.snaps(n))
        except OSError as e:
            if e.errno == errno.EBUSY:     # still CREATING: it must still be there
                assert self.held(n) or not had, \
                    "rmdir %s said EBUSY but the server deleted it" % n
                return
            if e.errno == errno.ENOENT and n not in self.model:
                return
            if e.errno not in TRANSIENT:
                raise AssertionError("rmdir %s: errno %s (held: %s)"
                                     % (n, errno.errorcode[e.errno], self.held(n)))
            if self.held(n):
                self.model.add(n)
            else:
                self.model.discard(n)
            return
        self.model.discard(n)
        assert not self.held(n), "rmdir %s returned 0 but the server still holds it" % n
        assert n not in os.listdir(self.snaps()), "rmdir %s returned 0 but ls shows it" % n

    def run(self):
        for _ in range(ROTATION_OPS):
            if time.time() > self.deadline or self.errors:
                break
            try:
                n = self.rng.choice(POOL)
                if n == "latest" or self.rng.random() < 0.5:
                    self.rmdir(n)          # rotate: replace under the same name
                    self.mkdir(n)
                elif n in self.model:
                    self.rmdir(n)
                else:
                    self.mkdir(n)
            except Exception as e:      # noqa: BLE001 - reported by the test
                self.errors.append("%s: %s" % (self.d, e))
            self.done += 1


# Without adoption, delete resolution and walk generations this fails within seconds: rmdir deletes and then
# says EBUSY (item 2: DeleteSnapshots resent over a dropped keep-alive), and a
# snapshot removed by an rmdir that returned 0 is listed again (item 3: a walk
# installed over the change).  Item 1 (mkdir adopting a DELETING snapshot)
# is the "mkdir returned 0 but the server holds no live" check.
def test_soak_rotation_reuses_names_under_drop_after(mount):
    seed = {"disks": [_disk(disk_id(i), "rot-%d" % i) for i in range(THREADS)],
            "snapshots": []}
    for d in seed["disks"]:
        d.pop("instanceName", None)
    with Emulator(seed=seed, args=["--no-disk-snapshot-creating",  # back-to-back snapshots
                                   "--create-delay-ms", "20", "--delete-delay-ms", "300",
                                   "--snapshot-quota", "100000"]) as emu:
        m = mount(emu, "allow_delete", "cache_ttl=1", "timeout=10", "stale_max=0")
        emu.add_fault(action="CreateSnapshot", drop="after", probability=0.1, seed=21)
        emu.add_fault(action="DeleteSnapshots", drop="after", probability=0.1, seed=22)
        emu.add_fault(action="*", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE",
                      probability=0.03, seed=23)
        workers = [Rotator(emu, m.path, i, seed=200 + i) for i in range(THREADS)]
        stop = threading.Event()
        walks, walk_errors = [], []

        def walk_the_root():
            """ls of the whole account while the rotators mutate."""
            while not stop.is_set() and not walk_errors:
                try:
                    seen = set(os.listdir(m.path))
                    if not {w.d for w in workers} <= seen:
                        walk_errors.append("ls of the root misses a disk: %s" % sorted(seen))
                    walks.append(len(seen))
                except OSError as e:
                    if e.errno not in TRANSIENT:
                        walk_errors.append("ls of the root: errno %d" % e.errno)
        walker = threading.Thread(target=walk_the_root, daemon=True)
        walker.start()
        for w in workers:
            w.start()
        for w in workers:
            w.join(BUDGET_S + 60)
        stop.set()
        walker.join(30)
        emu.clear_faults()
        assert not [w for w in workers if w.is_alive()], "a rotator hung"
        assert not walker.is_alive(), "the root walker hung"
        errors = [e for w in workers for e in w.errors] + walk_errors
        assert not errors, errors[:5]
        assert walks, "the root was never listed"
        print("rotation: %d operations, %d root walks, calls %s"
              % (sum(w.done for w in workers), len(walks), emu.calls()))
        for w in workers:
            assert set(live(emu, w.d)) == w.model, (w.d, sorted(live(emu, w.d)), sorted(w.model))
            names = [s["snapshotName"] for s in emu.snapshots(w.d) if s["status"] != "DELETING"]
            assert len(names) == len(set(names)), names
        m.unmount()
