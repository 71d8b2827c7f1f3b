#!/usr/bin/python3
"""bench/sdk/list_snapshots.py - the reference script: list one disk's
snapshots the way an experienced user would with Zenlayer's official Python
SDK (zenlayercloud-sdk-python), for bench/run to compare zecfs against.

    PYTHONPATH=/path/to/zenlayercloud-sdk-python \\
    ZENLAYERCLOUD_ACCESS_KEY_ID=... ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=... \\
        bench/sdk/list_snapshots.py --endpoint http://127.0.0.1:8080 --disk ID \\
            [--workers 32] [--cafile CERT]

Page 1 tells totalCount; pages 2..N are then fetched one after the other
(--workers 1) or by a thread pool of --workers threads.  pageSize is 100,
the API's cap.  The SDK is used as shipped: one client, one call per page
(the SDK opens a new connection for every call).

Prints one JSON line: {"snapshots": distinct ids, "total": totalCount,
"calls": API calls, "seconds": wall time from the first call to the last
answer}.  Client construction and imports are not timed.  Exits 1 with a
one-line reason when the listing is incomplete or a call fails.
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time
import urllib.parse

from zenlayercloud.common.config import Config
from zenlayercloud.common.credential import Credential
from zenlayercloud.zec.v20250901 import models, zec_client

PAGE_SIZE = 100


def make_client(endpoint, cafile):
    url = urllib.parse.urlsplit(endpoint)
    config = Config(scheme=url.scheme, domain=url.netloc, certification=cafile)
    cred = Credential(os.environ["ZENLAYERCLOUD_ACCESS_KEY_ID"],
                      os.environ["ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"])
    return zec_client.ZecClient(cred, config)


def page(client, disk, num):
    req = models.DescribeSnapshotsRequest()
    req.diskIds = [disk]
    req.pageSize = PAGE_SIZE
    req.pageNum = num
    return client.DescribeSnapshots(req)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cafile")
    a = ap.parse_args()
    client = make_client(a.endpoint, a.cafile)

    t0 = time.monotonic()
    first = page(client, a.disk, 1)
    pages = max(1, -(-first.totalCount // PAGE_SIZE))
    rest = range(2, pages + 1)
    if a.workers <= 1:
        later = [page(client, a.disk, n) for n in rest]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
            later = list(pool.map(lambda n: page(client, a.disk, n), rest))
    seconds = time.monotonic() - t0

    ids = {s.snapshotId for r in [first] + later for s in (r.dataSet or [])}
    print(json.dumps({"snapshots": len(ids), "total": first.totalCount,
                      "calls": pages, "seconds": seconds}))
    if len(ids) != first.totalCount:
        print("list_snapshots: incomplete listing: %d of %d" % (len(ids), first.totalCount),
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
