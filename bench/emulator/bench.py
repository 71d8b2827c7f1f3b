#!/usr/bin/env python3
"""Request rate of zec-emulator for DescribeSnapshots on loopback, keep-alive.

Starts its own emulator (build dir from $ZECFS_BUILD_DIR, else <repo>/build)
seeded with one disk and 100 snapshots, then runs each scenario for a fixed
time with N clients, each holding one keep-alive connection.  Prints a table;
about 12 s with the defaults.

Generators:
  c       (default when a C compiler is found) loadgen.c, compiled on the fly:
          N threads resend one pre-signed request (valid for 5 minutes; the
          server still verifies the signature every time).  Measures the
          server rather than the client.
  python  N processes (not threads, so the GIL is not what is measured),
          signing every request with the test suite's Python client.

    python3 bench/emulator/bench.py [--seconds 5] [--clients 1,16]
                                    [--generator c|python] [--log-level info]
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from emulator import Emulator  # noqa: E402

DISK = "862857204414550690"
SEED = {
    "disks": [{"diskId": DISK, "diskName": "bench"}],
    "snapshots": [{"snapshotId": str(880000000000000000 + i), "snapshotName": f"s-{i}",
                   "diskId": DISK, "createTime": "2026-01-01T00:00:%02dZ" % (i % 60)}
                  for i in range(100)],
}
BODY = json.dumps({"diskIds": [DISK], "pageSize": 20, "pageNum": 1},
                  separators=(",", ":")).encode()


def client(emu_host, port, key_id, key_password, seconds, start_at, queue):
    emu = Emulator(key_id=key_id, key_password=key_password)
    emu.host, emu.port = emu_host, port
    conn = emu.connection(timeout=10)
    while time.time() < start_at:
        time.sleep(0.001)
    lat = []
    errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        status, _ = emu.api("DescribeSnapshots", raw_body=BODY, conn=conn)
        lat.append(time.perf_counter() - t0)
        if status != 200:
            errors += 1
    conn.close()
    queue.put((len(lat), errors, lat))


def build_loadgen(tmp):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return None
    exe = os.path.join(tmp, "loadgen")
    subprocess.run([cc, "-O2", "-D_GNU_SOURCE", "-pthread", "-o", exe,
                    os.path.join(HERE, "loadgen.c")], check=True)
    return exe


def run_c(emu, exe, tmp, clients, seconds):
    hdrs = emu.request_headers("DescribeSnapshots", BODY)
    head = "POST /api/v2/zec HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    head += f"Content-Length: {len(BODY)}\r\n\r\n"
    req = os.path.join(tmp, "request.http")
    with open(req, "wb") as f:
        f.write(head.encode() + BODY)
    out = subprocess.run([exe, "127.0.0.1", str(emu.port), str(clients), str(seconds), req],
                         check=True, capture_output=True, text=True, timeout=seconds + 30)
    r = json.loads(out.stdout)
    return (r["requests"], r["errors"], r["requests"] / seconds, r["p50_us"] / 1000,
            r["p99_us"] / 1000)


def run(emu, clients, seconds):
    queue = mp.Queue()
    start_at = time.time() + 0.5
    procs = [mp.Process(target=client, args=(emu.host, emu.port, emu.key_id,
                                             emu.key_password, seconds, start_at, queue))
             for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 30) for _ in procs]
    for p in procs:
        p.join()
    n = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    p50 = lat[len(lat) // 2] * 1000 if lat else 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
    return n, errors, n / seconds, p50, p99


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", default="1,16")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--generator", choices=("c", "python"), default=None)
    args = ap.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    if args.seconds * len(counts) > 25:
        ap.error("keep the run under 30 s: seconds x scenarios <= 25")
    tmp = tempfile.mkdtemp(prefix="zec-bench-")
    try:
        exe = build_loadgen(tmp) if args.generator in (None, "c") else None
        if args.generator == "c" and not exe:
            ap.error("no C compiler found")
        bench(args, counts, exe, tmp)
    finally:
        shutil.rmtree(tmp)


def bench(args, counts, exe, tmp):
    with Emulator(seed=SEED, args=["--log-level", args.log_level]) as emu:
        print(f"zec-emulator DescribeSnapshots (pageSize 20 of 100), keep-alive, "
              f"{args.seconds:g} s per row, {os.cpu_count()} CPUs, log-level {args.log_level}, "
              f"generator {'c' if exe else 'python'}")
        print(f"{'clients':>7} {'requests':>9} {'errors':>6} {'req/s':>9} "
              f"{'p50 ms':>7} {'p99 ms':>7}")
        for c in counts:
            n, errors, rps, p50, p99 = (run_c(emu, exe, tmp, c, args.seconds) if exe
                                        else run(emu, c, args.seconds))
            print(f"{c:>7} {n:>9} {errors:>6} {rps:>9.0f} {p50:>7.2f} {p99:>7.2f}")
        calls = emu.calls()
        print(f"connections used: {calls['connections']}")


if __name__ == "__main__":
    main()
