#!/usr/bin/python3
"""Zenlayer's unmodified Python SDK (zenlayercloud-sdk-python) against
zec-emulator: every disk and snapshot action, error paths included.

Our own driver; the SDK itself is not in this repository.  Fetch it and put
it on PYTHONPATH (it needs python3-requests):

    git clone https://github.com/zenlayer/zenlayercloud-sdk-python /tmp/sdk-python
    PYTHONPATH=/tmp/sdk-python bench/sdk/python_sdk.py --endpoint 127.0.0.1:PORT

The emulator must run with --demo (bench/sdk/run starts one).  Prints one
line per call: the action, then OK and the decoded response, or the SDK's
exception.  Exits 1 when a call does not end as expected.
"""
import argparse
import sys
import time

from zenlayercloud.common.config import Config
from zenlayercloud.common.credential import Credential
from zenlayercloud.common.excpetion.zenlayer_cloud_sdk_exception import \
    ZenlayerCloudSdkException
from zenlayercloud.zec.v20250901 import models
from zenlayercloud.zec.v20250901.zec_client import ZecClient

WEB = "862857204414550690"          # demo: DATA, IN_USE, tags env=prod
SYSTEM = "862857204414550666"       # demo: SYSTEM disk
BEFORE_UPGRADE = "880115042371526613"  # demo snapshot of WEB

failures = 0


def req(cls, **fields):
    r = cls()
    for k, v in fields.items():
        setattr(r, k, v)
    return r


def call(client, action, request, expect=None):
    """expect: None for success, else the API code the call must fail with."""
    global failures
    try:
        resp = getattr(client, action)(request)
    except ZenlayerCloudSdkException as e:
        good = expect == e.code
        print("%-26s %s code=%s message=%r" % (action, "ERR " if good else "FAIL",
                                              e.code, e.message))
        failures += not good
        return None
    good = expect is None
    print("%-26s %s %s" % (action, "OK  " if good else "FAIL", resp.to_json_string()))
    failures += not good
    return resp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="HOST:PORT of zec-emulator")
    ap.add_argument("--scheme", default="http")
    ap.add_argument("--cafile", help="CA for https")
    ap.add_argument("--key-id", default="ZECDEMOACCESSKEY0001")
    ap.add_argument("--key-password", default="zec-demo-password-not-secret")
    a = ap.parse_args()

    cfg = Config(scheme=a.scheme, domain=a.endpoint, request_timeout=10,
                 certification=a.cafile, rate_limit_max_retries=0)
    c = ZecClient(Credential(a.key_id, a.key_password), cfg)

    r = call(c, "DescribeDisks", req(models.DescribeDisksRequest))
    for d in r.dataSet if r else []:
        tags = [(t.key, t.value) for t in (d.tags.tags or [])] if d.tags else None
        print("    disk %s name=%s category=%s status=%s tags=%s period=%s expiredTime=%s"
              % (d.diskId, d.diskName, d.diskCategory, d.diskStatus, tags, d.period,
                 d.expiredTime))
    call(c, "DescribeDisks", req(models.DescribeDisksRequest, pageSize=2, pageNum=2))
    call(c, "DescribeDisks", req(models.DescribeDisksRequest,
                                 tags=[req(models.Tag, key="env", value="prod")],
                                 tagKeys=["role"]))
    call(c, "DescribeDisks", req(models.DescribeDisksRequest, pageSize=1001),
         expect="INVALID_PARAMETER_EXCEED_MAXIMUM")
    call(c, "DescribeDisks", req(models.DescribeDisksRequest,
                                 tagKeys=["k%d" % i for i in range(21)]),
         expect="INVALID_PARAMETER_EXCEED_LENGTH")

    call(c, "DescribeSnapshots", req(models.DescribeSnapshotsRequest, diskIds=[WEB]))
    call(c, "DescribeSnapshots", req(models.DescribeSnapshotsRequest,
                                     snapshotName="^before-upgrade$"))
    call(c, "DescribeSnapshots", req(models.DescribeSnapshotsRequest, pageSize=0),
         expect="INVALID_PARAMETER_LESS_MINIMUM")

    r = call(c, "CreateSnapshot", req(models.CreateSnapshotRequest, diskId=WEB,
                                      snapshotName="sdk-python"))
    new = r.snapshotId if r else None
    call(c, "DescribeSnapshots", req(models.DescribeSnapshotsRequest, snapshotIds=[new]))
    call(c, "CreateSnapshot", req(models.CreateSnapshotRequest, diskId=SYSTEM,
                                  snapshotName="sdk-system"),
         expect="OPERATION_DENIED_DISK_SYSTEM_TYPE")
    call(c, "CreateSnapshot", req(models.CreateSnapshotRequest, diskId=WEB,
                                  snapshotName="-bad-"),
         expect="INVALID_PARAMETER_PATTERN_ERROR")
    call(c, "CreateSnapshot", req(models.CreateSnapshotRequest, diskId="404",
                                  snapshotName="nowhere"),
         expect="INVALID_DISK_NOT_FOUND")
    call(c, "CreateSnapshot", req(models.CreateSnapshotRequest, diskId=WEB,
                                  snapshotName="too-soon",
                                  retentionTime="2000-01-01T00:00:00Z"),
         expect="INVALID_SNAPSHOT_RETENTION_TIME")

    # a CREATING snapshot cannot be deleted: refused ids come back in a success
    call(c, "DeleteSnapshots", req(models.DeleteSnapshotsRequest, snapshotIds=[new]))
    call(c, "DeleteSnapshots", req(models.DeleteSnapshotsRequest, snapshotIds=["404"]),
         expect="INVALID_DISK_SNAPSHOT_NOT_FOUND")

    call(c, "ModifySnapshotsAttribute", req(models.ModifySnapshotsAttributeRequest,
                                            snapshotIds=[BEFORE_UPGRADE],
                                            snapshotName="before-upgrade-2"))
    call(c, "ModifySnapshotsAttribute", req(models.ModifySnapshotsAttributeRequest,
                                            snapshotIds=[BEFORE_UPGRADE],
                                            retentionTime="2099-01-01T00:00:00Z"))
    call(c, "ModifySnapshotsAttribute", req(models.ModifySnapshotsAttributeRequest,
                                            snapshotIds=[BEFORE_UPGRADE], isPermanent=True))
    call(c, "ModifySnapshotsAttribute", req(models.ModifySnapshotsAttributeRequest,
                                            snapshotIds=["404"], snapshotName="x1"),
         expect="INVALID_DISK_SNAPSHOT_NOT_FOUND")
    call(c, "ModifySnapshotsAttribute", req(models.ModifySnapshotsAttributeRequest,
                                            snapshotIds=[BEFORE_UPGRADE],
                                            retentionTime="tomorrow"),
         expect="INVALID_PARAMETER_DATE_FORMAT_ERROR")

    call(c, "ApplySnapshot", req(models.ApplySnapshotRequest, diskId=SYSTEM,
                                 snapshotId=BEFORE_UPGRADE),
         expect="OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED")
    call(c, "ApplySnapshot", req(models.ApplySnapshotRequest, diskId=WEB,
                                 snapshotId=BEFORE_UPGRADE))
    call(c, "ApplySnapshot", req(models.ApplySnapshotRequest, diskId=WEB,
                                 snapshotId=BEFORE_UPGRADE),
         expect="OPERATION_DENIED_DISK_STATUS")

    call(c, "ModifyDisksAttributes", req(models.ModifyDisksAttributesRequest,
                                         diskIds=[WEB], diskName="web_01.data"))
    call(c, "ModifyDisksAttributes", req(models.ModifyDisksAttributesRequest,
                                         diskIds=[WEB], diskName="_bad"),
         expect="INVALID_PARAMETER_PATTERN_ERROR")
    call(c, "ModifyDisksAttributes", req(models.ModifyDisksAttributesRequest,
                                         diskIds=[WEB], diskName="x" * 65),
         expect="INVALID_PARAMETER_EXCEED_LENGTH")

    # wait for the new snapshot, then delete it for real
    for _ in range(200):
        r = c.DescribeSnapshots(req(models.DescribeSnapshotsRequest, snapshotIds=[new]))
        if r.dataSet and r.dataSet[0].status == "AVAILABLE":
            break
        time.sleep(0.05)
    call(c, "DeleteSnapshots", req(models.DeleteSnapshotsRequest, snapshotIds=[new]))

    bad = ZecClient(Credential(a.key_id, "wrong-password"), cfg)
    call(bad, "DescribeDisks", req(models.DescribeDisksRequest),
         expect="AUTHFAILURE_SIGNATURE_FAILURE")

    print("python sdk: %s" % ("all calls as expected" if not failures
                              else "%d unexpected" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
