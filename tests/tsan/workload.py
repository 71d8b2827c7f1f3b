"""The ThreadSanitizer mount workload (run by tests/tsan/run, which builds
with -Db_sanitize=thread and sets TSAN_OPTIONS).

Starts zec-emulator and a foreground zecfs mount from $ZECFS_BUILD_DIR, then
THREADS threads run OPS operations each on two shared disks and a shared,
small pool of names, so operations on the same names, the same listings and
the same cache slots really overlap: mkdir, ls -l, stat, getfattr, setfattr
retention, mv, rmdir (allow_delete), listing the root and .by-name while
others mutate, and reading .zecfs/stats.  Errnos are expected (EEXIST,
ENOENT, EBUSY...) and only counted; what fails the run is zecfs or the
emulator exiting non-zero (TSan's exitcode=66 on a report), the mount going
away, or an operation hanging.  Meanwhile SIGHUPs make zecfs re-read its
credentials file while other threads sign requests with them.  tests/tsan/run then fails on any report file.

Then, as root, the browse phase: threads list and read snapshots'
files/ (-o allow_browse, browse_max=2, browse_idle=1) while preparations
are shared, refused (EUSERS), torn down when idle and made again, and a
SIGTERM tears down the rest: the temporary disks' threads, the
passthrough's drop and the requests in flight all overlap.

Standard library only, plus the integration suite's helpers."""

import collections
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from conftest import DB, WEB, Mount, _strip_none, default_seed   # noqa: E402
from emulator import DEMO_KEY_ID, DEMO_KEY_PASSWORD, Emulator, wait_until  # noqa: E402

THREADS = int(os.environ.get("TSAN_THREADS", "6"))
OPS = int(os.environ.get("TSAN_OPS", "800"))
BUDGET_S = float(os.environ.get("TSAN_BUDGET_S", "240"))
SIGHUPS = int(os.environ.get("TSAN_SIGHUPS", "50"))
# mv is in the mix (TSAN_MV=0 leaves it out): on libfuse's high-level API a
# rename racing rmdir/mkdir of the same names hung the mount for good (the
# rename waited in libfuse's path lock); the low-level daemon has no such lock.
WITH_MV = os.environ.get("TSAN_MV", "1") == "1"
NAMES = ["latest", "daily", "t-a", "t-b", "t-c", "t-d"]
SCHEDULES = [b"days=mon hours=2 keep=7", b"days=daily hours=3 keep=forever"]
DISKS = [WEB, DB]


class Worker(threading.Thread):
    def __init__(self, mnt, i):
        super().__init__(daemon=True)
        self.mnt = mnt
        self.rng = random.Random(1000 + i)
        self.errnos = collections.Counter()
        self.done = 0
        self.fatal = None

    def snaps(self, d, *names):
        return os.path.join(self.mnt, d, "snapshots", *names)

    def op(self):
        rng = self.rng
        d = rng.choice(DISKS)
        name = rng.choice(NAMES)
        kind = rng.choice(["mkdir", "mkdir", "ls-l", "stat", "getfattr", "setfattr",
                           "mv" if WITH_MV else "stat", "rmdir", "rmdir", "ls-root",
                           "stats", "schedule", "policy-rmdir"])
        if kind == "mkdir":
            os.mkdir(self.snaps(d, name))
        elif kind == "ls-l":
            for n in os.listdir(self.snaps(d)):
                try:
                    os.lstat(self.snaps(d, n))
                except FileNotFoundError:
                    pass                  # removed by another thread meanwhile
        elif kind == "stat":
            os.stat(rng.choice([self.snaps(d, name), self.snaps(d),
                                os.path.join(self.mnt, d)]))
        elif kind == "getfattr":
            path = rng.choice([self.snaps(d, name), os.path.join(self.mnt, d)])
            for x in os.listxattr(path):
                try:
                    os.getxattr(path, x)
                except OSError as e:
                    if e.errno not in (errno.ENODATA, errno.ENOENT):
                        raise
        elif kind == "setfattr":
            os.setxattr(self.snaps(d, name), "user.zec.retentionTime",
                        rng.choice([b"+3d", b"+1w", b"permanent"]))
        elif kind == "mv":
            os.rename(self.snaps(d, name), self.snaps(d, rng.choice(NAMES)))
        elif kind == "rmdir":
            os.rmdir(self.snaps(d, name))
        elif kind == "schedule":
            # the zone's policy lock, look-up-else-create and moves, from
            # several threads at once
            if rng.random() < 0.2:
                try:
                    os.removexattr(os.path.join(self.mnt, d), "user.zec.autoSnapshot")
                except OSError as e:
                    if e.errno != errno.ENODATA:
                        raise
            else:
                os.setxattr(os.path.join(self.mnt, d), "user.zec.autoSnapshot",
                            rng.choice(SCHEDULES))
        elif kind == "policy-rmdir":
            pols = os.path.join(self.mnt, ".policies")
            for p in os.listdir(pols)[:1]:
                try:
                    os.rmdir(os.path.join(pols, p))
                except OSError as e:
                    if e.errno not in (errno.EBUSY, errno.ENOENT):
                        raise
        elif kind == "ls-root":
            for n in os.listdir(self.mnt) + [os.path.join(".by-name", b)
                                             for b in os.listdir(os.path.join(self.mnt,
                                                                              ".by-name"))]:
                try:
                    os.lstat(os.path.join(self.mnt, n))
                except FileNotFoundError:
                    pass
        else:
            with open(os.path.join(self.mnt, ".zecfs", "stats")) as f:
                f.read()
        return kind

    def run(self):
        deadline = time.monotonic() + BUDGET_S
        for _ in range(OPS):
            if time.monotonic() > deadline:
                break
            try:
                self.op()
            except OSError as e:
                self.errnos[errno.errorcode.get(e.errno, str(e.errno))] += 1
                if e.errno == errno.ENOTCONN:
                    self.fatal = "the mount went away (zecfs died)"
                    return
            self.done += 1


def dump_stacks(pid):
    """Where zecfs's threads are, for a hang (needs gdb)."""
    try:
        out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"],
                             capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        print("tsan workload: no stacks: %s" % e)
        return
    print("tsan workload: zecfs threads:\n" + out)


def main():
    seed = _strip_none(default_seed())
    status = 0
    data = tempfile.mkdtemp(prefix="zec-tsan-disks-")
    # --disk-data: every snapshot's capture and removal runs the emulator's
    # image work (images.c) concurrently with the rest
    with Emulator(seed=seed, args=["--create-delay-ms", "100",
                                   "--delete-delay-ms", "100",
                                   "--disk-data", data]) as emu:
        mp = tempfile.mkdtemp(prefix="zecfs-tsan-")
        creds = os.path.join(mp, "zec.env")
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                    % (DEMO_KEY_ID, DEMO_KEY_PASSWORD))
        m = Mount(emu, os.path.join(mp, "mnt"),
                  ["allow_delete", "cache_ttl=1", "timeout=10", "retention=+2d",
                   "credentials=" + creds]).start()
        # calls overlap in flight, and retries and ambiguous outcomes run
        # concurrently with everything else
        emu.add_fault(action="*", latencyMs=30, probability=0.3, seed=1)
        emu.add_fault(action="*", status=503, probability=0.05, seed=2)
        emu.add_fault(action="CreateSnapshot", drop="after", probability=0.05, seed=3)
        emu.add_fault(action="DeleteSnapshots", drop="after", probability=0.05, seed=4)
        if not WITH_MV:
            print("tsan workload: mv left out (TSAN_MV=0)")
        t0 = time.monotonic()
        workers = [Worker(m.path, i) for i in range(THREADS)]
        for w in workers:
            w.start()
        # SIGHUP re-reads the credentials while requests are being signed
        hups = 0
        while any(w.is_alive() for w in workers) and hups < SIGHUPS:
            m.proc.send_signal(signal.SIGHUP)
            hups += 1
            time.sleep(0.2)            # pacing of the signals, not a wait
        # a few stalled calls open the circuit breaker while requests run:
        # calls then fail at once, and its prober closes it again
        if any(w.is_alive() for w in workers):
            emu.add_fault(action="*", stall=True, count=4)
        end = t0 + BUDGET_S + 60
        for w in workers:
            w.join(max(0.0, end - time.monotonic()))
        hung = [w for w in workers if w.is_alive()]
        done = sum(w.done for w in workers)
        errnos = sum((w.errnos for w in workers), collections.Counter())
        print("tsan workload: %d operations from %d threads in %.0f s, %d SIGHUPs; errnos %s"
              % (done, THREADS, time.monotonic() - t0, hups, dict(sorted(errnos.items()))))
        print("tsan workload: emulator calls %s" % emu.calls()["actions"])
        for w in workers:
            if w.fatal:
                print("tsan workload: FAIL: " + w.fatal)
                status = 1
                break
        if hung:
            print("tsan workload: FAIL: %d threads still in an operation after %d s"
                  % (len(hung), BUDGET_S + 60))
            status = 1
            dump_stacks(m.proc.pid)
        r = subprocess.run(["fusermount3", "-u", m.path])
        if r.returncode != 0:
            subprocess.run(["fusermount3", "-u", "-z", m.path])
        try:
            rc = m.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            m.proc.kill()
            rc = m.proc.wait()
        m.log.close()
        if rc != 0:
            print("tsan workload: FAIL: zecfs exited %d%s; its log ends:\n%s"
                  % (rc, " (a ThreadSanitizer report)" if rc == 66 else "",
                     m.output()[-3000:]))
            status = 1
        else:
            print("tsan workload: zecfs exited 0")
        os.unlink(m.log_path)
        os.unlink(creds)
        os.rmdir(m.path)
        os.rmdir(mp)
        # once the deletions are through, no image outlives its record
        # (a record without an image, as the seed's, is blank)
        emu.clear_faults()
        def settled():
            snaps = emu.state()["snapshots"]
            return None if any(s["status"] == "DELETING" for s in snaps) else (snaps,)
        snaps = wait_until(settled, timeout=30, what="no snapshot DELETING")[0]
        files = {f[:-4] for f in os.listdir(os.path.join(data, "snapshots"))}
        if files - {s["snapshotId"] for s in snaps}:
            print("tsan workload: FAIL: snapshot images %s, records %s"
                  % (sorted(files), sorted(s["snapshotId"] for s in snaps)))
            status = 1
    # Emulator.__exit__ raised if the emulator exited non-zero (66: a report)
    print("tsan workload: zec-emulator exited 0")
    images = len(os.listdir(os.path.join(data, "snapshots")))
    shutil.rmtree(data)
    print("tsan workload: %d snapshot images at the end" % images)
    return status


BROWSE_HOST = "300000000000000099"
BROWSE_DISK = "100000000000000001"
BROWSE_TREE = {"etc/app.conf": b"answer=42\n", "data/big.bin": bytes(range(256)) * 2048}
BROWSE_EXPECTED = {errno.EUSERS, errno.ESTALE, errno.ENOENT, errno.ETIMEDOUT, errno.EIO}


def browse_tar() -> bytes:
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, body in BROWSE_TREE.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(body)
            t.addfile(ti, io.BytesIO(body))
    return buf.getvalue()


def browse_phase() -> int:
    """Threads reading three snapshots' files/ through two browse slots."""
    if os.geteuid() != 0 or not os.path.exists("/dev/loop-control"):
        print("tsan workload: browse phase left out (needs root and loop devices)")
        return 0
    status = 0
    tmp = tempfile.mkdtemp(prefix="zec-tsan-browse-")
    data, dev = os.path.join(tmp, "data"), os.path.join(tmp, "dev")
    seed = {"disks": [{"diskId": BROWSE_DISK, "diskName": "source", "zoneId": "asia-east-1a",
                       "diskSize": 20, "diskStatus": "AVAILABLE"}],
            "instances": [{"instanceId": BROWSE_HOST, "zoneId": "asia-east-1a"}]}
    with Emulator(seed=seed, args=["--disk-data", data, "--device-dir", dev,
                                   "--host-instance", BROWSE_HOST, "--create-delay-ms", "0",
                                   "--disk-op-delay-ms", "50", "--delete-delay-ms", "0"]) as emu:
        st, doc = emu.put_content(BROWSE_DISK, browse_tar())
        assert st == 200, doc
        names = ["one", "two", "three"]
        for n in names:
            st, doc = emu.api("CreateSnapshot", {"diskId": BROWSE_DISK, "snapshotName": n})
            assert st == 200, doc
        wait_until(lambda: all(s["status"] == "AVAILABLE" for s in emu.state()["snapshots"]),
                   what="snapshots AVAILABLE")
        m = Mount(emu, os.path.join(tmp, "mnt"),
                  ["allow_browse", "instance_id=" + BROWSE_HOST, "device_dir=" + dev,
                   "browse_idle=1", "browse_max=2", "timeout=10"]).start()
        counts = collections.Counter()
        fatal = []

        def work(i):
            for k in range(12):
                snap = m.p(BROWSE_DISK, "snapshots", names[(i + k) % 3])
                try:
                    os.listdir(os.path.join(snap, "files"))
                    for name, body in BROWSE_TREE.items():
                        with open(os.path.join(snap, "files", name), "rb") as f:
                            if f.read() != body:
                                fatal.append("%s/files/%s read wrong bytes" % (snap, name))
                    os.getxattr(snap, "user.zec.browse")
                    counts["ok"] += 1
                except OSError as e:
                    counts[errno.errorcode.get(e.errno, str(e.errno))] += 1
                    if e.errno not in BROWSE_EXPECTED:
                        fatal.append("%s: %s" % (snap, e))
                with open(m.p(".zecfs", "stats")) as f:
                    f.read()
        ts = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(BUDGET_S)
        browse = lambda: [d for d in emu.state()["disks"]  # noqa: E731
                          if d.get("diskName", "").startswith("zecfs-browse-")]
        # idle teardown, then a browse made again, then SIGTERM's teardown
        wait_until(lambda: browse() == [], timeout=60, what="idle teardown")
        os.listdir(m.p(BROWSE_DISK, "snapshots", "one", "files"))
        m.proc.send_signal(signal.SIGTERM)
        rc = m.proc.wait(timeout=120)
        m.proc = None
        print("tsan workload: browse phase %s; %d threads" % (dict(sorted(counts.items())), THREADS))
        if any(t.is_alive() for t in ts):
            fatal.append("a browse thread hung")
        if rc != 0:
            fatal.append("zecfs exited %d%s" % (rc, " (a ThreadSanitizer report)" if rc == 66
                                                else ""))
        if browse():
            fatal.append("browse disks left after SIGTERM: %s" % browse())
        for f in fatal[:5]:
            print("tsan workload: FAIL: " + f)
            status = 1
        subprocess.run(["fusermount3", "-u", "-z", m.path], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    rc = main()
    sys.exit(browse_phase() or rc)
