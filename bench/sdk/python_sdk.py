#!/usr/bin/python3
"""Zenlayer's unmodified Python SDK (zenlayercloud-sdk-python) against
zec-emulator: every disk, snapshot, instance and lifecycle action, error
paths included, at 2025-09-01 and (zec.v20240401) at 2024-04-01.

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
from zenlayercloud.zec.v20240401 import models as models24
from zenlayercloud.zec.v20240401.zec_client import ZecClient as ZecClient24
from zenlayercloud.zec.v20250901 import models
from zenlayercloud.zec.v20250901.zec_client import ZecClient

WEB = "862857204414550690"          # demo: DATA, IN_USE, tags env=prod
SYSTEM = "862857204414550666"       # demo: SYSTEM disk
BEFORE_UPGRADE = "880115042371526613"  # demo snapshot of WEB
SPARE = "862857204414550748"        # demo: DATA, AVAILABLE, asia-east-1a
WEB01 = "862857186441561134"        # demo: the instance web-01 (asia-east-1a)
ZA, ZSE = "asia-east-1a", "asia-southeast-1a"

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


def wait_disk(c, disk_id, status):
    """Polls DescribeDisks until the disk has status ("GONE": is gone)."""
    for _ in range(400):
        r = c.DescribeDisks(req(models.DescribeDisksRequest, diskIds=[disk_id]))
        now = r.dataSet[0].diskStatus if r.dataSet else "GONE"
        if now == status:
            return
        time.sleep(0.05)
    global failures
    failures += 1
    print("%-26s FAIL disk %s never became %s" % ("(wait)", disk_id, status))


def lifecycle(c):
    """Instances, regions, categories, attach, detach, resize, release, at
    2025-09-01, with their error paths."""
    r = call(c, "DescribeDiskRegions", req(models.DescribeDiskRegionsRequest))
    call(c, "DescribeDiskCategory", req(models.DescribeDiskCategoryRequest, zoneId=ZA))
    r = call(c, "DescribeInstances", req(models.DescribeInstancesRequest))
    for i in r.dataSet if r else []:
        print("    instance %s name=%s zone=%s status=%s systemDisk=%s dataDisks=%s"
              % (i.instanceId, i.instanceName, i.zoneId, i.status,
                 # the SDK's model leaves the attribute out when the answer does
                 getattr(getattr(i, "systemDisk", None), "diskId", None),
                 [d.diskId for d in i.dataDisks or []]))
    call(c, "DescribeInstancesStatus", req(models.DescribeInstancesStatusRequest,
                                           instanceIds=[WEB01]))

    call(c, "AttachDisks", req(models.AttachDisksRequest, diskIds=[SPARE], instanceId="404"),
         expect="INVALID_INSTANCE_NOT_FOUND")
    call(c, "AttachDisks", req(models.AttachDisksRequest, diskIds=[SYSTEM], instanceId=WEB01),
         expect="OPERATION_DENIED_DISK_SYSTEM_TYPE")
    call(c, "AttachDisks", req(models.AttachDisksRequest, diskIds=[WEB], instanceId=WEB01),
         expect="UNSUPPORTED_OPERATION_DISK_STATUS")
    call(c, "AttachDisks", req(models.AttachDisksRequest, diskIds=[SPARE], instanceId=WEB01))
    wait_disk(c, SPARE, "IN_USE")
    r = call(c, "DetachDisks", req(models.DetachDisksRequest, diskIds=[SPARE]))
    print("    failedDiskIds (instanceCheckFlag default, web-01 RUNNING): %s"
          % (r.failedDiskIds if r else None))
    call(c, "DetachDisks", req(models.DetachDisksRequest, diskIds=[SPARE],
                               instanceCheckFlag=False))
    wait_disk(c, SPARE, "AVAILABLE")
    call(c, "DetachDisks", req(models.DetachDisksRequest, diskIds=[SPARE]),
         expect="UNSUPPORTED_OPERATION_DISK_NO_ATTACH")

    call(c, "ResizeDisk", req(models.ResizeDiskRequest, diskId=SPARE, diskSize=60))
    wait_disk(c, SPARE, "AVAILABLE")
    call(c, "ResizeDisk", req(models.ResizeDiskRequest, diskId=SPARE, diskSize=40),
         expect="INVALID_PARAMETER_VALUE")
    call(c, "ResizeDisk", req(models.ResizeDiskRequest, diskId=SPARE, diskSize=40000),
         expect="INVALID_PARAMETER_EXCEED_MAXIMUM")

    tags = req(models.TagAssociation, tags=[req(models.Tag, key="env", value="sdk")])
    r = call(c, "CreateDisks", req(models.CreateDisksRequest, zoneId=ZSE, diskName="sdk-py",
                                   diskSize=20, tags=tags, burstingEnabled=True))
    new = r.diskIds[0] if r else "none"
    wait_disk(c, new, "AVAILABLE")
    r = call(c, "DescribeDisks", req(models.DescribeDisksRequest, diskIds=[new]))
    if r and r.dataSet:
        print("    new disk tags=%s burstingEnabled=%s"
              % ([(t.key, t.value) for t in r.dataSet[0].tags.tags], r.dataSet[0].burstingEnabled))
    call(c, "AttachDisks", req(models.AttachDisksRequest, diskIds=[new], instanceId=WEB01),
         expect="OPERATION_DENIED_DIFFERENT_ZONE")
    call(c, "CreateDisks", req(models.CreateDisksRequest, zoneId="mars-1a", diskName="x",
                               diskSize=20), expect="INVALID_ZONE_NOT_FOUND")
    call(c, "CreateDisks", req(models.CreateDisksRequest, zoneId=ZA, diskName="x",
                               diskSize=10), expect="INVALID_PARAMETER_LESS_MINIMUM")
    call(c, "CreateDisks", req(models.CreateDisksRequest, zoneId=ZA, diskName="x",
                               diskSize=20, diskAmount=51),
         expect="INVALID_PARAMETER_EXCEED_MAXIMUM")

    pol = call(c, "CreateAutoSnapshotPolicy", req(
        models.CreateAutoSnapshotPolicyRequest, zoneId=ZA, autoSnapshotPolicyName="sdk-py",
        repeatWeekDays=[1], hours=[3]))
    pid = pol.autoSnapshotPolicyId if pol else "none"
    call(c, "ApplyAutoSnapshotPolicy", req(models.ApplyAutoSnapshotPolicyRequest,
                                           autoSnapshotPolicyId=pid, diskIds=[new]),
         expect="INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH")
    call(c, "DeleteAutoSnapshotPolicies", req(models.DeleteAutoSnapshotPoliciesRequest,
                                              autoSnapshotPolicyIds=[pid]))

    call(c, "ReleaseDisk", req(models.ReleaseDiskRequest, diskId=SYSTEM),
         expect="OPERATION_DENIED_DISK_SYSTEM_TYPE")
    call(c, "ReleaseDisk", req(models.ReleaseDiskRequest, diskId=new))
    call(c, "ReleaseDisk", req(models.ReleaseDiskRequest, diskId=new),
         expect="UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")
    wait_disk(c, new, "RECYCLED")
    call(c, "ReleaseDisk", req(models.ReleaseDiskRequest, diskId=new))
    wait_disk(c, new, "GONE")
    call(c, "ReleaseDisk", req(models.ReleaseDiskRequest, diskId=new),
         expect="OPERATION_FAILED_RESOURCE_NOT_FOUND")


def old_version(c):
    """The same lifecycle with the SDK's 2024-04-01 client (zec.v20240401)."""
    r = call(c, "DescribeDisks", req(models24.DescribeDisksRequest, diskIds=[SPARE]))
    if r and r.dataSet:
        print("    2024-04-01 disk %s chargeType=%s" % (r.dataSet[0].diskId,
                                                     r.dataSet[0].chargeType))
    call(c, "DescribeDiskRegions", req(models24.DescribeDiskRegionsRequest,
                                       chargeType="POSTPAID"))
    call(c, "DescribeDiskCategory", req(models24.DescribeDiskCategoryRequest, zoneId=ZA))
    call(c, "DescribeInstances", req(models24.DescribeInstancesRequest, instanceIds=[WEB01]))
    call(c, "DescribeInstancesStatus", req(models24.DescribeInstancesStatusRequest))
    r = call(c, "CreateDisks", req(models24.CreateDisksRequest, zoneId=ZA, diskName="sdk-py-24",
                                   diskSize=20))
    new = r.diskIds[0] if r else "none"
    wait_disk24(c, new, "AVAILABLE")
    call(c, "AttachDisks", req(models24.AttachDisksRequest, diskIds=[new], instanceId=WEB01))
    wait_disk24(c, new, "IN_USE")
    call(c, "DetachDisks", req(models24.DetachDisksRequest, diskIds=[new]),
         expect="OPERATION_DENIED_INSTANCE_NOT_RUNNING")
    call(c, "ResizeDisk", req(models24.ResizeDiskRequest, diskId=new, diskSize=25))
    wait_disk24(c, new, "IN_USE")
    call(c, "DetachDisks", req(models24.DetachDisksRequest, diskIds=[new],
                               instanceCheckFlag=False))
    wait_disk24(c, new, "AVAILABLE")
    call(c, "ReleaseDisk", req(models24.ReleaseDiskRequest, diskId=new))
    wait_disk24(c, new, "RECYCLED")
    call(c, "ReleaseDisk", req(models24.ReleaseDiskRequest, diskId=new))
    call(c, "ReleaseDisk", req(models24.ReleaseDiskRequest, diskId=new),
         expect="OPERATION_FAILED_RESOURCE_NOT_FOUND")


def wait_disk24(c, disk_id, status):
    for _ in range(400):
        r = c.DescribeDisks(req(models24.DescribeDisksRequest, diskIds=[disk_id]))
        if r.dataSet and r.dataSet[0].diskStatus == status:
            return
        time.sleep(0.05)
    global failures
    failures += 1
    print("%-26s FAIL disk %s never became %s" % ("(wait)", disk_id, status))


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

    # the disk is SNAPSHOT_CREATING while its snapshot is CREATING
    call(c, "ApplySnapshot", req(models.ApplySnapshotRequest, diskId=WEB,
                                 snapshotId=BEFORE_UPGRADE),
         expect="OPERATION_DENIED_DISK_STATUS")
    wait_disk(c, WEB, "IN_USE")
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

    lifecycle(c)
    old_version(ZecClient24(Credential(a.key_id, a.key_password), cfg))

    bad = ZecClient(Credential(a.key_id, "wrong-password"), cfg)
    call(bad, "DescribeDisks", req(models.DescribeDisksRequest),
         expect="AUTHFAILURE_SIGNATURE_FAILURE")

    print("python sdk: %s" % ("all calls as expected" if not failures
                              else "%d unexpected" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
