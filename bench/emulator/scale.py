#!/usr/bin/env python3
"""zec-emulator at scale: start-up time and DescribeSnapshots latency with
10,000 and 100,000 snapshots.

For each size it writes a seed of D disks x 1,000 snapshots (createTimes
spread over years, half of them with a retentionTime far ahead, a few equal
createTimes so the snapshotId tie-break is exercised), starts the emulator
(build dir from $ZECFS_BUILD_DIR, else <repo>/build) and times the start to
its `listening on` line (median and maximum of three starts), then times
DescribeSnapshots (pageSize 100) on one keep-alive connection with nothing
changing between requests:

  unfiltered   pages 1, the middle one and the last one
  diskIds      one disk (1,000 snapshots): pages 1, 5 and 10
  2 diskIds    two disks (2,000 snapshots)
  status       status=AVAILABLE (a filter that matches everything)

then the mutations, each request a different snapshot (--snapshot-quota is
raised so CreateSnapshot is allowed): CreateSnapshot, ModifySnapshotsAttribute
(a new name), DeleteSnapshots (one id), and listings that follow a change
(a rename before every request, so nothing can be reused), and the
emulator's resident memory.

Each figure is the median and the maximum of --repeat requests, measured
from sending the request to having read the whole response (the signature is
computed beforehand; JSON parsing is not timed).  Under 60 s in total.

    python3 bench/emulator/scale.py [--sizes 10,100] [--repeat 30]
"""
import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from emulator import Emulator, emulator_binary  # noqa: E402

PER_DISK = 1000
STARTS = 3
DISK0 = 862857204414000000
SNAP0 = 880000000000000000


def make_seed(ndisks):
    disks = [{"diskId": str(DISK0 + 17 * d), "diskName": f"disk-{d}"} for d in range(ndisks)]
    snaps = []
    base = 1_600_000_000
    for d in range(ndisks):
        for j in range(PER_DISK):
            n = j * ndisks + d
            t = base + (n // 3) * 60          # every three share a createTime
            rec = {"snapshotId": str(SNAP0 + 7 * n), "snapshotName": f"s-{d}-{j}",
                   "diskId": disks[d]["diskId"],
                   "createTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))}
            if n % 2:
                rec["retentionTime"] = "2099-01-01T00:00:00Z"
            snaps.append(rec)
    return {"disks": disks, "snapshots": snaps}


def start(seed_path, timeout):
    """Starts the emulator; returns (Emulator, seconds to the listening line)."""
    emu = Emulator()
    cmd = [emulator_binary(), "--listen", "127.0.0.1:0", "--seed", seed_path,
           "--log-level", "warn", "--snapshot-quota", "1000000"]
    t0 = time.perf_counter()
    emu.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = []
    reader = threading.Thread(target=lambda: line.append(emu.proc.stdout.readline()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    elapsed = time.perf_counter() - t0
    text = line[0].decode() if line else ""
    if not text.startswith("listening on http://"):
        emu.proc.kill()
        emu.proc.wait()
        raise SystemExit(f"emulator did not start within {timeout} s")
    emu.url = text[len("listening on "):].strip()
    emu.host = emu.url[len("http://"):]
    emu.port = int(emu.host.rsplit(":", 1)[1])
    return emu, elapsed


def stop(emu):
    emu.proc.send_signal(signal.SIGTERM)
    emu.proc.wait(timeout=30)
    emu.proc.stdout.close()


def call(emu, conn, action, body):
    """One signed call on conn; returns (seconds, HTTP status, response bytes)."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    hdrs = emu.request_headers(action, raw)
    t0 = time.perf_counter()
    conn.putrequest("POST", "/api/v2/zec", skip_host=True, skip_accept_encoding=True)
    for k, v in hdrs.items():
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(len(raw)))
    conn.endheaders(raw)
    resp = conn.getresponse()
    data = resp.read()
    elapsed = time.perf_counter() - t0
    if resp.status != 200:
        raise SystemExit(f"{action} {body}: HTTP {resp.status} {data[:200]!r}")
    return elapsed, data


def timed_mutation(emu, conn, action, bodies):
    lat = [call(emu, conn, action, b)[0] for b in bodies]
    return statistics.median(lat) * 1000, max(lat) * 1000


def timed_after_change(emu, conn, body, ids, repeat):
    """DescribeSnapshots, each time right after a rename."""
    lat = []
    for i in range(repeat):
        call(emu, conn, "ModifySnapshotsAttribute",
             {"snapshotIds": [ids[i % len(ids)]], "snapshotName": f"renamed-{i}"})
        lat.append(call(emu, conn, "DescribeSnapshots", body)[0])
    return statistics.median(lat) * 1000, max(lat) * 1000


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def timed(emu, conn, body, repeat):
    raw = json.dumps(body, separators=(",", ":")).encode()
    lat = []
    total = None
    for _ in range(repeat):
        hdrs = emu.request_headers("DescribeSnapshots", raw)
        t0 = time.perf_counter()
        conn.putrequest("POST", "/api/v2/zec", skip_host=True, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(raw)))
        conn.endheaders(raw)
        resp = conn.getresponse()
        data = resp.read()
        lat.append(time.perf_counter() - t0)
        if resp.status != 200:
            raise SystemExit(f"DescribeSnapshots {body}: HTTP {resp.status} {data[:200]!r}")
        doc = json.loads(data)["response"]
        total = doc["totalCount"]
        if not doc["dataSet"]:
            raise SystemExit(f"DescribeSnapshots {body}: empty page")
    return statistics.median(lat) * 1000, max(lat) * 1000, total


def run_size(ndisks, repeat, timeout, tmp):
    seed = make_seed(ndisks)
    path = os.path.join(tmp, f"seed-{ndisks}.json")
    with open(path, "w") as f:
        json.dump(seed, f)
    n = ndisks * PER_DISK
    times = []
    for _ in range(STARTS - 1):
        emu, startup = start(path, timeout)
        times.append(startup)
        stop(emu)
    emu, startup = start(path, timeout)
    times.append(startup)
    rows = [(f"{n:,}", f"start-up to `listening on` ({STARTS} starts)", "",
             f"{statistics.median(times) * 1000:.0f}", f"{max(times) * 1000:.0f}", "")]
    try:
        conn = emu.connection(timeout=60)
        disk = seed["disks"][ndisks // 2]["diskId"]
        other = seed["disks"][0]["diskId"]
        last = (n + 99) // 100
        cases = [
            ("unfiltered", 1, {}),
            ("unfiltered", last // 2, {}),
            ("unfiltered", last, {}),
            ("diskIds=[1 disk]", 1, {"diskIds": [disk]}),
            ("diskIds=[1 disk]", 5, {"diskIds": [disk]}),
            ("diskIds=[1 disk]", 10, {"diskIds": [disk]}),
            ("diskIds=[2 disks]", 20, {"diskIds": [disk, other]}),
            ("status=AVAILABLE", last // 2, {"status": "AVAILABLE"}),
        ]
        for label, page, flt in cases:
            body = dict(flt, pageSize=100, pageNum=page)
            med, worst, total = timed(emu, conn, body, repeat)
            rows.append((f"{n:,}", label, str(page), f"{med:.2f}", f"{worst:.2f}", f"{total:,}"))
        rows.append((f"{n:,}", "resident memory after the listings (MiB)", "",
                     f"{rss_mib(emu.proc.pid):.0f}", "", ""))
        ids = [sn["snapshotId"] for sn in seed["snapshots"][::max(1, n // (3 * repeat))]]
        med, worst = timed_mutation(emu, conn, "CreateSnapshot",
                                    [{"diskId": disk, "snapshotName": f"new-{i}"}
                                     for i in range(repeat)])
        rows.append((f"{n:,}", "CreateSnapshot", "", f"{med:.2f}", f"{worst:.2f}", ""))
        med, worst = timed_mutation(emu, conn, "ModifySnapshotsAttribute",
                                    [{"snapshotIds": [ids[i]], "snapshotName": f"mod-{i}"}
                                     for i in range(repeat)])
        rows.append((f"{n:,}", "ModifySnapshotsAttribute", "", f"{med:.2f}", f"{worst:.2f}", ""))
        med, worst = timed_mutation(emu, conn, "DeleteSnapshots",
                                    [{"snapshotIds": [ids[-1 - i]]} for i in range(repeat)])
        rows.append((f"{n:,}", "DeleteSnapshots", "", f"{med:.2f}", f"{worst:.2f}", ""))
        for label, page, flt in [("unfiltered, after a change", last // 2, {}),
                                 ("diskIds=[1 disk], after a change", 5, {"diskIds": [disk]}),
                                 ("status=AVAILABLE, after a change", last // 2,
                                  {"status": "AVAILABLE"})]:
            med, worst = timed_after_change(emu, conn, dict(flt, pageSize=100, pageNum=page),
                                            ids, repeat)
            rows.append((f"{n:,}", label, str(page), f"{med:.2f}", f"{worst:.2f}", ""))
        conn.close()
    finally:
        stop(emu)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100",
                    help="disk counts, 1,000 snapshots each (default 10,100)")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--startup-timeout", type=float, default=30)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"zec-emulator {emulator_binary()}, {os.cpu_count()} CPUs, "
          f"DescribeSnapshots pageSize 100, {args.repeat} requests per row, keep-alive")
    print(f"| snapshots | request | page | median ms | max ms | totalCount |")
    print(f"|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="zec-scale-") as tmp:
        for nd in sizes:
            for row in run_size(nd, args.repeat, args.startup_timeout, tmp):
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
