"""Fixtures for the integration suite: a zec-emulator per test, and real
zecfs mounts against it in temporary directories."""

import os
import signal
import subprocess
import time

import pytest

from emulator import DEMO_KEY_ID, DEMO_KEY_PASSWORD, Emulator, build_dir

# Disks every test starts with (API field names, as DescribeDisks shows them).
WEB = "862857204414550690"       # DATA, IN_USE, one snapshot
DB = "862857204414550691"        # DATA, AVAILABLE
BOOT = "862857204414550692"      # SYSTEM disk
SCRATCH = "862857204414550693"   # snapshotAbility false
RESIZING = "862857204414550694"  # CHANGING: no snapshots now

NIGHTLY_ID = "700000000000000001"


def _term_as_interrupt(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


# tests/run runs pytest in the background, where ^C does not reach it, and
# passes an interrupt on as SIGTERM: that ends the run the way ^C does, every
# fixture unmounting its zecfs and stopping its emulator.
signal.signal(signal.SIGTERM, _term_as_interrupt)


def _disk(disk_id, name, **kw):
    d = {
        "diskId": disk_id, "diskName": name, "regionId": "asia-east-1",
        "zoneId": "asia-east-1a", "diskType": "DATA", "portable": True,
        "diskCategory": "Standard NVMe SSD", "diskSize": 100,
        "diskStatus": "IN_USE", "instanceId": "910000000000000001",
        "instanceName": "web-1", "createTime": "2026-01-15T08:30:00Z",
        "resourceGroupId": "rg-default", "resourceGroupName": "Default",
        "snapshotAbility": True,
    }
    d.update(kw)
    return d


def default_seed():
    return {
        "disks": [
            _disk(WEB, "web-data"),
            _disk(DB, "db-data", diskStatus="AVAILABLE", instanceId=None,
                  instanceName=None, createTime="2026-02-01T00:00:00Z"),
            _disk(BOOT, "web-boot", diskType="SYSTEM", portable=False),
            _disk(SCRATCH, "scratch", snapshotAbility=False),
            _disk(RESIZING, "resizing", diskStatus="CHANGING"),
        ],
        "snapshots": [
            {"snapshotId": NIGHTLY_ID, "snapshotName": "nightly-1",
             "diskId": WEB, "zoneId": "asia-east-1a", "status": "AVAILABLE",
             "snapshotType": "Manual", "createTime": "2026-11-01T02:00:00Z",
             "diskAbility": True},
        ],
    }


def _strip_none(seed):
    for d in seed["disks"]:
        for k in [k for k, v in d.items() if v is None]:
            del d[k]
    return seed


@pytest.fixture
def emu():
    """A fresh emulator with the default seed and fast state transitions."""
    # the disk keeps its status while a snapshot is made: these tests take
    # snapshots back to back; test_fidelity.py runs zecfs against the
    # service's SNAPSHOT_CREATING (the emulator's default)
    e = Emulator(seed=_strip_none(default_seed()),
                 args=["--create-delay-ms", "300", "--delete-delay-ms", "200",
                       "--no-disk-snapshot-creating"])
    e.start()
    yield e
    e.stop()


def zecfs_bin():
    return os.path.join(build_dir(), "src", "fs", "zecfs")


def demo_env(**extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("ZENLAYERCLOUD_"):
            del env[k]
    env["ZENLAYERCLOUD_ACCESS_KEY_ID"] = DEMO_KEY_ID
    env["ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"] = DEMO_KEY_PASSWORD
    env.update(extra)
    return env


class Mount:
    """zecfs running in the foreground (-f) on a temporary directory."""

    def __init__(self, emu, path, opts=(), env=None, debug=False):
        self.emu = emu
        self.path = str(path)
        self.log_path = self.path + ".log"
        o = ["endpoint=" + emu.url] + list(opts)
        self.argv = [zecfs_bin(), "-f", "-o", ",".join(o), self.path]
        if debug:
            self.argv.insert(1, "-d")
        self.env = env if env is not None else demo_env()
        self.proc = None

    def start(self):
        os.makedirs(self.path, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if os.path.ismount(self.path):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("zecfs exited %d: %s" % (self.proc.returncode, self.output()))
            time.sleep(0.05)
        raise RuntimeError("zecfs did not mount: " + self.output())

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def p(self, *parts):
        return os.path.join(self.path, *parts)

    def unmount(self):
        if self.proc is None:
            if not self.log.closed:
                self.log.close()
            return
        if os.path.ismount(self.path):
            subprocess.run(["fusermount3", "-u", self.path], check=True)
        rc = self.proc.wait(timeout=30)
        self.proc = None
        self.log.close()
        assert not os.path.ismount(self.path)
        assert rc == 0, "zecfs exited %d: %s" % (rc, open(self.log_path).read())


@pytest.fixture
def mount(tmp_path):
    """Factory: mount(emu, *opts) -> a live Mount; unmounted after the test."""
    mounts = []

    def make(emu, *opts, env=None, debug=False, name="mnt"):
        m = Mount(emu, tmp_path / name, opts, env=env, debug=debug).start()
        mounts.append(m)
        return m

    yield make
    for m in mounts:
        m.unmount()


@pytest.fixture
def mnt(emu, mount):
    """The default mount: the default seed, deletes allowed."""
    return mount(emu, "allow_delete")
