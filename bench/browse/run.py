#!/usr/bin/python3
"""bench/browse/run.py - snapshots/<name>/files/ against the same tree read
straight from the browse's loop mount: the time from the first ls files/ to
ready (with the emulator's create and attach delays), find files/ over
10,000 files and cat of a 256 MiB file (page cache dropped before each,
best of the runs), each as a ratio.  Figures, never assertions.  Root (loop
devices, mounts).  bench/run prints these as its browse-* rows; run alone
after a build: bench/browse/run.py [--quick]."""
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
from conftest import Mount  # noqa: E402
from emulator import Emulator, wait_until  # noqa: E402

HOST = "300000000000000099"
D1 = "100000000000000001"
SEED = {"disks": [{"diskId": D1, "diskName": "source", "zoneId": "asia-east-1a",
                   "diskSize": 20, "diskStatus": "AVAILABLE"}],
        "instances": [{"instanceId": HOST, "zoneId": "asia-east-1a"}]}
DELAY_MS = 500


def tree(n_files, big_mib):
    """A tar of n_files 100-byte files in directories of 100, and big.bin."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        body = b"x" * 100
        for i in range(n_files):
            ti = tarfile.TarInfo(f"d{i // 100:03d}/f{i:05d}")
            ti.size = len(body)
            t.addfile(ti, io.BytesIO(body))
        big = os.urandom(1 << 20) * big_mib
        ti = tarfile.TarInfo("big.bin")
        ti.size = len(big)
        t.addfile(ti, io.BytesIO(big))
    return buf.getvalue()


def timed(argv):
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    t = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - t


def measure(quick=False, runs=2):
    """dict: files, big_mib, ready (s), calls (API calls of the first
    ls files/), and (files/ s, loop mount s) for find and cat."""
    n_files, big_mib = (1000, 32) if quick else (10000, 256)
    tmp = tempfile.mkdtemp(prefix="zecfs-bench-browse-")
    data, dev = tmp + "/data", tmp + "/dev"
    emu = Emulator(seed=SEED, args=["--disk-data", data, "--device-dir", dev,
                                    "--host-instance", HOST,
                                    "--create-delay-ms", str(DELAY_MS),
                                    "--disk-op-delay-ms", str(DELAY_MS),
                                    "--delete-delay-ms", "0"]).start()
    out = dict(files=n_files, big_mib=big_mib)
    try:
        st, doc = emu.put_content(D1, tree(n_files, big_mib), timeout=600)
        assert st == 200, doc
        st, doc = emu.api("CreateSnapshot", {"diskId": D1, "snapshotName": "bench"})
        assert st == 200, doc
        wait_until(lambda: all(s["status"] == "AVAILABLE" for s in emu.state()["snapshots"]),
                   timeout=120)
        m = Mount(emu, os.path.join(tmp, "mnt"),
                  ["allow_browse", "instance_id=" + HOST, "device_dir=" + dev]).start()
        try:
            files = m.p(D1, "snapshots", "bench", "files")
            os.stat(m.p(D1, "snapshots", "bench"))
            emu.reset_calls()
            t0 = time.monotonic()
            os.listdir(files)
            out["ready"] = time.monotonic() - t0
            c = emu.calls()
            out["calls"] = sum(v.get("ok", 0) + v.get("failed", 0)
                               for v in c["actions"].values())
            out["actions"] = {k: v.get("ok", 0) + v.get("failed", 0)
                              for k, v in c["actions"].items()}
            mp = [ln.split()[4] for ln in open("/proc/self/mountinfo")
                  if ln.split()[4].startswith("/run/zecfs/")][0]
            for what, argv in (("find", lambda r: ["find", r]),
                               ("cat", lambda r: ["cat", r + "/big.bin"])):
                out[what] = (min(timed(argv(files)) for _ in range(runs)),
                             min(timed(argv(mp)) for _ in range(runs)))
        finally:
            m.unmount()
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main():
    r = measure(quick="--quick" in sys.argv[1:])
    print(f"first ls files/ to ready (create and attach delays {DELAY_MS} ms): "
          f"{r['ready']:.2f} s, {r['calls']} API calls {r['actions']}")
    for what, label in (("find", "find over %d files" % r["files"]),
                        ("cat", "cat of %d MiB" % r["big_mib"])):
        a, b = r[what]
        print(f"{label}: files/ {a:.3f} s, loop mount {b:.3f} s, ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
