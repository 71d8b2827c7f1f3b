"""Helpers of bench/run: the emulator (any binary, plain HTTP or TLS), zecfs
mounts, seeds written straight to a file, tmpfs reference trees, and the
official-SDK reference scripts.  No timing policy here; bench/run decides
what is measured."""

import json
import os
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import emulator as _emulator  # noqa: E402
from emulator import DEMO_KEY_ID, DEMO_KEY_PASSWORD, Emulator, EmulatorError  # noqa: E402

DISK0 = 862857204414600000
SNAP0 = 900000000000000000
SNAP_XATTRS = ("snapshotId", "status", "snapshotType", "createTime", "zoneId", "diskAbility")


def emulator_bin():
    """$ZEC_EMULATOR_BIN, else the build's zec-emulator."""
    return os.environ.get("ZEC_EMULATOR_BIN") or _emulator.emulator_binary()


def zecfs_bin():
    """$ZECFS_BIN, else the build's zecfs."""
    return os.environ.get("ZECFS_BIN") or os.path.join(_emulator.build_dir(), "src", "fs", "zecfs")


def floor_bin():
    """$ZEC_FLOOR_BIN, else the build's bench/floor."""
    return os.environ.get("ZEC_FLOOR_BIN") or os.path.join(_emulator.build_dir(), "bench", "floor")


def emulator_has_tls():
    """True when the emulator's --help offers --tls-cert."""
    try:
        out = subprocess.run([emulator_bin(), "--help"], capture_output=True, text=True,
                             timeout=10)
    except OSError:
        return False
    return "--tls-cert" in out.stdout + out.stderr


# ---- seeds -------------------------------------------------------------

def disk_id(i):
    return str(DISK0 + i)


def disk(i):
    return {"diskId": disk_id(i), "diskName": "bench-%05d" % i,
            "zoneId": "asia-east-1a", "diskType": "DATA", "diskStatus": "IN_USE",
            "snapshotAbility": True, "diskSize": 100, "createTime": "2026-01-01T00:00:00Z"}


# Only what zecfs's tree needs; the emulator fills in the rest of the API
# record (generated increasing snapshotId, status AVAILABLE, createTime now,
# zone, type...).  Short, so a million of them stay under the emulator's
# 64 MiB seed limit.
SNAP_FMT = '{"diskId":"%s","snapshotName":"s-%06d"}'


def write_seed(path, n_disks, per_disk):
    """n_disks disks holding per_disk snapshots each, written as they are
    made (a million records never sit in Python's memory)."""
    with open(path, "w") as f:
        f.write('{"disks":[')
        f.write(",".join(json.dumps(disk(i)) for i in range(n_disks)))
        f.write('],"snapshots":[')
        sep = ""
        for i in range(n_disks):
            did = disk_id(i)
            for j in range(per_disk):
                f.write(sep)
                f.write(SNAP_FMT % (did, j))
                sep = ","
        f.write("]}\n")


def seed_doc(n_disks, per_disk):
    """The same seed as a document (small sizes: POST /_emulator/reset)."""
    snaps = [json.loads(SNAP_FMT % (disk_id(i), j))
             for i in range(n_disks) for j in range(per_disk)]
    return {"disks": [disk(i) for i in range(n_disks)], "snapshots": snaps}


# ---- TLS ---------------------------------------------------------------

def make_cert(directory):
    """A self-signed certificate for 127.0.0.1; returns (cert, key)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def ca_bundle(cert):
    """The CA file zecfs gets over https: the system bundle (about 140
    certificates, what a production mount trusts) with the emulator's
    certificate appended, so the cost of a real bundle is measured too."""
    path = os.path.join(os.path.dirname(cert), "bundle.pem")
    with open(path, "w") as out:
        if os.path.exists(SYSTEM_BUNDLE):
            with open(SYSTEM_BUNDLE) as f:
                out.write(f.read())
        with open(cert) as f:
            out.write(f.read())
    return path


# ---- the emulator --------------------------------------------------------

class BenchEmulator(Emulator):
    """Emulator started from $ZEC_EMULATOR_BIN with a seed file, optionally
    over TLS (tls=(cert, key)); the control plane then trusts cert."""

    def __init__(self, n_disks, per_disk, args=(), tls=None):
        super().__init__(args=args)
        self.n_disks, self.per_disk = n_disks, per_disk
        self.tls = tls
        self.cafile = ca_bundle(tls[0]) if tls else None
        self.startup_s = 0.0

    def start(self):
        fd, self._seed_file = tempfile.mkstemp(prefix="zec-bench-seed-", suffix=".json")
        os.close(fd)
        write_seed(self._seed_file, self.n_disks, self.per_disk)
        cmd = [emulator_bin(), "--listen", "127.0.0.1:0", "--seed", self._seed_file,
               "--log-level", "warn", "--access-key-id", self.key_id,
               "--access-key-password", self.key_password] + [str(a) for a in self.args]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
            ctx = ssl.create_default_context(cafile=self.cafile)
            urllib.request.install_opener(
                urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx)))
        fd, self.stderr_path = tempfile.mkstemp(prefix="zec-emulator-", suffix=".log")
        self._stderr = os.fdopen(fd, "w+b")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        got = []
        reader = threading.Thread(target=lambda: got.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(300)
        self.startup_s = time.monotonic() - t0
        line = got[0].decode() if got else ""
        scheme = "https://" if self.tls else "http://"
        if not line.startswith("listening on " + scheme):
            self.proc.kill()
            self.proc.wait()
            log = self.log()[-2000:]
            self.proc = None
            self._cleanup()
            raise EmulatorError("zec-emulator did not start: stdout=%r stderr=%r" % (line, log))
        self.url = line[len("listening on "):].strip()
        self.host = self.url[len(scheme):]
        self.port = int(self.host.rsplit(":", 1)[1])
        return self

    def _cleanup(self):
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        for attr in ("_seed_file", "stderr_path"):
            path = getattr(self, attr)
            if path:
                os.unlink(path)
                setattr(self, attr, None)

    def stop(self):
        try:
            super().stop()
        finally:
            if self.tls:
                urllib.request.install_opener(None)

    def api_calls(self):
        """(API calls since the last reset, connections that carried them)."""
        c = self.calls()
        return (sum(v.get("ok", 0) + v.get("failed", 0) for v in c["actions"].values()),
                c["connections"])


# ---- zecfs ---------------------------------------------------------------

class Mount:
    """zecfs (bin: another zecfs binary) in the foreground on a fresh
    temporary directory."""

    def __init__(self, emu, *opts, bin=None):
        env = dict(os.environ, ZENLAYERCLOUD_ACCESS_KEY_ID=DEMO_KEY_ID,
                   ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=DEMO_KEY_PASSWORD)
        o = ["endpoint=" + emu.url] + list(opts)
        if emu.cafile:
            o.append("cafile=" + emu.cafile)
        self._start([bin or zecfs_bin(), "-f", "-o", ",".join(o)], env, "zecfs")

    def _start(self, argv, env, what):
        self.dir = tempfile.mkdtemp(prefix="zecfs-bench-")
        self.proc = subprocess.Popen(argv + [self.dir], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not os.path.ismount(self.dir):
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                self.proc.wait()
                os.rmdir(self.dir)
                raise RuntimeError("%s did not mount (%s)" % (what, " ".join(argv)))
            time.sleep(0.02)

    def p(self, *parts):
        return os.path.join(self.dir, *parts)

    def rss_kib(self, field="VmHWM"):
        """Peak resident set (VmHWM), or the current one (VmRSS), or
        another /proc/PID/status figure in KiB (RssAnon)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_parts(self):
        """CPU seconds the daemon used so far, every thread, in user space
        and in the kernel (utime, stime of /proc/PID/stat)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tck, int(fields[12]) / tck

    def cpu_s(self):
        """CPU seconds the daemon used so far (utime + stime)."""
        return sum(self.cpu_parts())

    def close(self):
        subprocess.run(["fusermount3", "-u", self.dir], check=False)
        self.proc.wait(timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


class FloorMount(Mount):
    """bench/floor serving n_disks x per_disk from memory, single-threaded
    (its cheapest), READDIRPLUS_AUTO off unless rdplus_auto."""

    def __init__(self, n_disks, per_disk, rdplus_auto=False):
        o = "disks=%d,snapshots=%d%s" % (n_disks, per_disk, ",rdplus_auto" if rdplus_auto else "")
        self._start([floor_bin(), "-f", "-s", "-o", o], None, "floor")


# ---- FUSE requests -------------------------------------------------------

# The opcodes counted one by one (the rest only in the total): include/
# uapi/linux/fuse.h's numbers.
FUSE_OPS = {"lookup": 1, "forget": 2, "getattr": 3, "readlink": 5, "open": 14, "read": 15,
            "statfs": 17, "release": 18, "getxattr": 22, "listxattr": 23, "flush": 25,
            "opendir": 27, "readdir": 28, "releasedir": 29, "access": 34,
            "batch_forget": 42, "readdirplus": 44}


class FuseRequests:
    """Counts the requests the kernel sends one mount, by opcode, with the
    fuse:fuse_request_send tracepoint through `perf stat` (root and perf
    needed; otherwise .counts stays None).  Time goes into the kernel's
    request round trip, so the count explains a walk's time better than any
    profile of the daemon:

        with FuseRequests(m.dir) as fr:
            run the workload
        fr.counts  ->  {"total": 20406, "readdirplus": 10202, ...}
    """

    def __init__(self, mountpoint):
        self.dev = os.stat(mountpoint).st_dev
        self.counts = None
        self.proc = None

    def __enter__(self):
        if os.geteuid() != 0 or not shutil.which("perf"):
            return self
        self.tmp = tempfile.mkdtemp(prefix="zecfs-bench-perf-")
        ctl, ack = os.path.join(self.tmp, "ctl"), os.path.join(self.tmp, "ack")
        os.mkfifo(ctl)
        os.mkfifo(ack)
        ev = []
        names = list(FUSE_OPS) + ["total"]
        for name in names:
            flt = "connection==%d" % self.dev
            if name in FUSE_OPS:
                flt += "&&opcode==%d" % FUSE_OPS[name]
            ev += ["-e", "fuse:fuse_request_send", "--filter", flt]
        self.names = names
        self.proc = subprocess.Popen(["perf", "stat", "-x,", "-a", "-D", "-1",
                                      "--control", "fifo:%s,%s" % (ctl, ack)] + ev,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # perf opens the FIFOs once it is ready, or exits (no such
        # tracepoint on this kernel): never wait on a FIFO without a peer
        ack_fd = os.open(ack, os.O_RDONLY | os.O_NONBLOCK)
        deadline = time.monotonic() + 10
        ctl_fd = None
        while ctl_fd is None and self.proc.poll() is None and time.monotonic() < deadline:
            try:
                ctl_fd = os.open(ctl, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:                # ENXIO: perf has not opened it yet
                time.sleep(0.01)
        acked = False
        if ctl_fd is not None:
            os.write(ctl_fd, b"enable\n")
            ready, _, _ = select.select([ack_fd], [], [], 10)
            acked = bool(ready) and os.read(ack_fd, 64).startswith(b"ack")
            os.close(ctl_fd)
        os.close(ack_fd)
        if not acked:                      # no count rather than a wrong one
            self._stop()
            self.names = ()
        return self                        # counting from here on

    def _stop(self):
        if not self.proc:
            return ""
        self.proc.send_signal(2)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.proc = None
        return err

    def __exit__(self, *exc):
        err = self._stop()
        values = [line.split(",")[0] for line in err.splitlines()
                  if "fuse:fuse_request_send" in line]
        names = getattr(self, "names", ())
        if names and len(values) == len(names) and all(v.isdigit() for v in values):
            self.counts = dict(zip(self.names, map(int, values)))
        return False


# ---- tmpfs references ----------------------------------------------------

# zecfs's file sizes for this seed (and bench/floor's): a snapshot.json, and
# one line of snapshots.json
SNAPSHOT_JSON = 345
SNAPSHOTS_LINE = 308

class Tmpfs:
    """A tmpfs mounted on a temporary directory (root), else a directory
    under /dev/shm; removed on close."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="zecfs-bench-tmpfs-")
        self.mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755",
                                       "zecfs-bench", self.dir],
                                      capture_output=True).returncode == 0
        if not self.mounted:
            os.rmdir(self.dir)
            self.dir = tempfile.mkdtemp(prefix="zecfs-bench-", dir="/dev/shm")
        self.xattrs = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(["umount", self.dir], check=False)
            os.rmdir(self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def where(self):
        return "tmpfs" if self.mounted else "/dev/shm"

    def mount_tree(self, name, n_disks, per_disk, xattrs=False, files=False):
        """The shape of a zecfs mount: <disk>/disk.json, <disk>/snapshots/<name>/
        and .by-name/<diskName> symlinks; snapshot directories carry the
        user.zec.* attributes zecfs shows when xattrs is set.  files: the
        whole tree bench/floor serves, with .policies/, <disk>/snapshots.json
        and <name>/snapshot.json of zecfs's sizes (what du counts)."""
        root = os.path.join(self.dir, name)
        os.mkdir(root)
        os.mkdir(os.path.join(root, ".by-name"))
        if files:
            os.mkdir(os.path.join(root, ".policies"), 0o555)
        sid = SNAP0
        for i in range(n_disks):
            d = disk(i)
            os.mkdir(os.path.join(root, d["diskId"]))
            with open(os.path.join(root, d["diskId"], "disk.json"), "w") as f:
                json.dump(d, f, indent=2)
            if files:
                with open(os.path.join(root, d["diskId"], "snapshots.json"), "w") as f:
                    f.write("x" * (4 if not per_disk else 2 + per_disk * (SNAPSHOTS_LINE + 2) + 1))
            os.symlink("../" + d["diskId"], os.path.join(root, ".by-name", d["diskName"]))
            snaps = os.path.join(root, d["diskId"], "snapshots")
            os.mkdir(snaps)
            for j in range(per_disk):
                sid += 1
                path = os.path.join(snaps, "s-%06d" % j)
                os.mkdir(path, 0o755 if files else 0o555)
                if files:
                    with open(os.path.join(path, "snapshot.json"), "w") as f:
                        f.write("x" * SNAPSHOT_JSON)
                    os.chmod(path, 0o555)
                if xattrs and self.xattrs:
                    self._set_xattrs(path, sid)
        return root

    def _set_xattrs(self, path, sid):
        values = (str(sid), "AVAILABLE", "Manual", "2026-10-01T00:00:00Z", "asia-east-1a", "true")
        try:
            for k, v in zip(SNAP_XATTRS, values):
                os.setxattr(path, "user.zec." + k, v.encode())
        except OSError:
            self.xattrs = False


# ---- the official SDK ------------------------------------------------------

def sdk_dir():
    """$ZEC_SDK_PYTHON when it holds zenlayercloud-sdk-python, else None."""
    d = os.environ.get("ZEC_SDK_PYTHON")
    if d and os.path.isfile(os.path.join(d, "zenlayercloud", "zec", "v20250901",
                                         "zec_client.py")):
        return d
    return None


def sdk_list(emu, disk_id_, workers):
    """Runs bench/sdk/list_snapshots.py; returns its JSON result."""
    env = dict(os.environ, PYTHONPATH=sdk_dir(), ZENLAYERCLOUD_ACCESS_KEY_ID=DEMO_KEY_ID,
               ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=DEMO_KEY_PASSWORD)
    cmd = [sys.executable, os.path.join(HERE, "sdk", "list_snapshots.py"),
           "--endpoint", emu.url, "--disk", disk_id_, "--workers", str(workers)]
    if emu.cafile:
        cmd += ["--cafile", emu.cafile]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("sdk script failed: %s" % out.stderr.strip()[-500:])
    return json.loads(out.stdout)
