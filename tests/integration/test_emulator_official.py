"""Conformance of zec-emulator with Zenlayer's own published sources.

Every check here is written from an official source, named in its comment
by repository and path:
  zenlayercloud-sdk-go            zenlayercloud/zec20250901/models.go,
                                  zenlayercloud/zec20240401/models.go
  zenlayercloud-sdk-python        zenlayercloud/zec/v20250901/models.py
  zenlayercloud-cli               apis/en-US/zec/*.yaml
  terraform-provider-zenlayercloud zenlayercloud/services/zec/*.go
  zenlayer-cloud-csi-driver       pkg/cloud/*.go, pkg/disk/rpcserver/controllerserver.go
"""
import calendar
import datetime
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402

D1, D2, D3 = "300000000000000001", "300000000000000002", "300000000000000003"
S1 = "400000000000000001"
CREATED = "2026-11-01T02:00:00Z"          # 1793498400

SEED = {
    "disks": [
        # the emulator's old bare-array shape: accepted, stored officially
        {"diskId": D1, "diskName": "tagged-old", "diskStatus": "IN_USE",
         "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "a"}]},
        # the official shape
        {"diskId": D2, "diskName": "tagged-new", "diskStatus": "AVAILABLE",
         "tags": {"tags": [{"key": "env", "value": "dev"}]},
         "autoSnapshotPolicyId": "asp-123", "period": 3,
         "expiredTime": "2027-02-01T00:00:00Z"},
        {"diskId": D3, "diskName": "plain", "diskStatus": "IN_USE"},
    ],
    "snapshots": [
        {"snapshotId": S1, "snapshotName": "daily-1", "diskId": D1,
         "createTime": CREATED},
    ],
    # a disk is on a policy when the policy's diskIdSet says so
    "autoSnapshotPolicies": [
        {"autoSnapshotPolicyId": "asp-123", "autoSnapshotPolicyName": "nightly",
         "zoneId": "asia-east-1a", "repeatWeekDays": [1], "hours": [2],
         "retentionDays": 7, "diskIdSet": [D2]},
    ],
}


def emulator(*args, seed=SEED, **kw):
    """An emulator (not started: use it in a with statement) with extra flags."""
    return Emulator(seed=seed, args=["--create-delay-ms", "300", "--delete-delay-ms",
                                     "300", "--rollback-delay-ms", "300"] + list(args),
                    **kw)


@pytest.fixture
def emu():
    e = emulator().start()
    yield e
    e.stop()


def ok(emu, action, body=None, **kw):
    status, doc = emu.api(action, body, **kw)
    assert status == 200, doc
    return doc["response"]


def err(emu, action, body=None, **kw):
    status, doc = emu.api(action, body, **kw)
    assert set(doc) == {"requestId", "code", "message"}, doc
    return status, doc["code"]


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def disk(emu, disk_id):
    return ok(emu, "DescribeDisks", {"diskIds": [disk_id]})["dataSet"][0]


def snap(emu, snap_id):
    return ok(emu, "DescribeSnapshots", {"snapshotIds": [snap_id]})["dataSet"][0]


# ---- tags ------------------------------------------------------------------

def test_disk_tags_have_the_official_shape(emu):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go: DiskInfo.Tags *Tags,
    # type Tags struct { Tags []*Tag `json:"tags"` }; zenlayercloud-cli
    # apis/en-US/zec/describe-disks.yaml: tags is an object holding tags[].
    disks = {d["diskId"]: d for d in ok(emu, "DescribeDisks", {})["dataSet"]}
    assert disks[D1]["tags"] == {"tags": [{"key": "env", "value": "prod"},
                                          {"key": "team", "value": "a"}]}
    assert disks[D2]["tags"] == {"tags": [{"key": "env", "value": "dev"}]}
    assert disks[D3]["tags"] == {"tags": []}
    # the state dump (and so the state file) holds the same shape
    state = {d["diskId"]: d for d in emu.state()["disks"]}
    assert state[D1]["tags"] == disks[D1]["tags"]


def test_control_plane_takes_either_tag_shape(emu):
    # same source as above: whatever was sent, the official shape is kept
    emu.set_disk(D3, tags=[{"key": "a", "value": "1"}])
    assert disk(emu, D3)["tags"] == {"tags": [{"key": "a", "value": "1"}]}
    emu.set_disk(D3, tags={"tags": [{"key": "b", "value": "2"}]})
    assert disk(emu, D3)["tags"] == {"tags": [{"key": "b", "value": "2"}]}
    status, _ = emu.control("POST", "disks/" + D3, {"tags": "x"})
    assert status == 400


@pytest.mark.parametrize("filt,expected", [
    ({"tagKeys": ["env"]}, [D1, D2]),
    ({"tagKeys": ["env", "team"]}, [D1]),
    ({"tags": [{"key": "env", "value": "dev"}]}, [D2]),
    ({"tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "a"}]}, [D1]),
    ({"tags": [{"key": "env", "value": "test"}]}, []),
])
def test_tag_filters_on_the_official_shape(emu, filt, expected):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go DescribeDisksRequest:
    # TagKeys []string, Tags []*Tag
    assert [d["diskId"] for d in ok(emu, "DescribeDisks", filt)["dataSet"]] == expected


@pytest.mark.parametrize("key", ["tagKeys", "tags"])
def test_tag_filters_take_at_most_20(emu, key):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go DescribeDisksRequest:
    # "最长不得超过20个标签键" / "最长不得超过20个标签"; zenlayercloud-cli
    # apis/en-US/zec/describe-disks.yaml: "A maximum of 20 tags can be used."
    def items(n):
        if key == "tagKeys":
            return ["k%d" % i for i in range(n)]
        return [{"key": "k%d" % i, "value": "v"} for i in range(n)]
    assert ok(emu, "DescribeDisks", {key: items(20)})["totalCount"] == 0
    assert err(emu, "DescribeDisks", {key: items(21)}) == \
        (400, "INVALID_PARAMETER_EXCEED_LENGTH")


# ---- fields ------------------------------------------------------------------

def test_policy_expiry_and_period_fields(emu):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go DiskInfo:
    # AutoSnapshotPolicyId, ExpiredTime, Period; zenlayercloud-cli
    # apis/en-US/zec/describe-disks.yaml: period "is empty for POSTPAID".
    d2 = disk(emu, D2)
    assert d2["autoSnapshotPolicyId"] == "asp-123"
    assert d2["expiredTime"] == "2027-02-01T00:00:00Z"
    assert d2["period"] == 3
    d3 = disk(emu, D3)
    assert "period" not in d3 and "autoSnapshotPolicyId" not in d3


def test_demo_seed_uses_real_disk_categories():
    # zenlayercloud-cli apis/en-US/zec/describe-disks.yaml, disk-category:
    # "Basic NVMe SSD ... Standard NVMe SSD"
    with Emulator(args=["--demo"]) as e:
        cats = {d["diskCategory"] for d in ok(e, "DescribeDisks", {})["dataSet"]}
        assert cats <= {"Basic NVMe SSD", "Standard NVMe SSD"} and cats
        for d in e.state()["disks"]:
            assert isinstance(d["tags"], dict) and isinstance(d["tags"]["tags"], list)


# ---- diskAbility ---------------------------------------------------------------

def test_disk_ability_false_while_creating(emu):
    # zenlayer-cloud-csi-driver pkg/disk/rpcserver/controllerserver.go: a snapshot
    # whose DiskAbility is false is "not ready" (inferred: false while CREATING)
    new = ok(emu, "CreateSnapshot", {"diskId": D3, "snapshotName": "young"})["snapshotId"]
    s = snap(emu, new)
    assert s["status"] == "CREATING" and s["diskAbility"] is False
    assert wait_for(lambda: snap(emu, new)["status"] == "AVAILABLE")
    assert snap(emu, new)["diskAbility"] is True


def test_seeded_creating_snapshot_has_no_disk_ability():
    # same source; a seed without diskAbility gets false while CREATING
    seed = {"disks": [{"diskId": D1}],
            "snapshots": [{"snapshotId": S1, "diskId": D1, "status": "CREATING"}]}
    with Emulator(seed=seed, args=["--create-delay-ms", "60000"]) as e:
        assert snap(e, S1)["diskAbility"] is False


# ---- SNAPSHOT_CREATING ----------------------------------------------------------

def test_disk_snapshot_creating_is_the_default():
    # zenlayercloud-cli apis/en-US/zec/describe-disks.yaml (diskStatus
    # SNAPSHOT_CREATING "Snapshot is in creation"); zenlayer-cloud-csi-driver
    # pkg/cloud/types.go (Volume Status SNAPSHOT_CREATING): the service shows it
    with emulator() as e:
        first = ok(e, "CreateSnapshot", {"diskId": D3, "snapshotName": "one"})["snapshotId"]
        assert disk(e, D3)["diskStatus"] == "SNAPSHOT_CREATING"
        assert err(e, "CreateSnapshot", {"diskId": D3, "snapshotName": "two"}) == \
            (400, "UNSUPPORTED_OPERATION_DISK_STATUS")
        assert wait_for(lambda: disk(e, D3)["diskStatus"] == "IN_USE")
        assert snap(e, first)["status"] == "AVAILABLE"
        ok(e, "CreateSnapshot", {"diskId": D3, "snapshotName": "two"})
        # ApplySnapshot is refused on the disk meanwhile, with the disk-status code
        ok(e, "CreateSnapshot", {"diskId": D1, "snapshotName": "busy"})
        assert err(e, "ApplySnapshot", {"diskId": D1, "snapshotId": S1}) == \
            (400, "OPERATION_DENIED_DISK_STATUS")
        assert wait_for(lambda: disk(e, D1)["diskStatus"] == "IN_USE")


def test_no_disk_snapshot_creating_keeps_the_disk_in_use():
    # --no-disk-snapshot-creating: a second snapshot may be taken while the
    # first is CREATING (--disk-snapshot-creating, the default, is accepted)
    with emulator("--disk-snapshot-creating", "--no-disk-snapshot-creating") as e:
        ok(e, "CreateSnapshot", {"diskId": D3, "snapshotName": "one"})
        assert disk(e, D3)["diskStatus"] == "IN_USE"
        ok(e, "CreateSnapshot", {"diskId": D3, "snapshotName": "two"})


# ---- ModifyDisksAttributes name rule -------------------------------------------------

@pytest.mark.parametrize("name,code", [
    ("a", None), ("web_01-data.v2", None), ("d" * 64, None), ("9", None),
    ("d" * 65, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ("-web", "INVALID_PARAMETER_PATTERN_ERROR"), ("web_", "INVALID_PARAMETER_PATTERN_ERROR"),
    ("web data", "INVALID_PARAMETER_PATTERN_ERROR"), ("web/1", "INVALID_PARAMETER_PATTERN_ERROR"),
    ("caf\u00e9", "INVALID_PARAMETER_PATTERN_ERROR"), ("", "MISSING_PARAMETER"),
])
def test_disk_name_rule(emu, name, code):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go
    # ModifyDisksAttributesRequest.DiskName: "范围1到64个字符。仅支持输入字母、数字、
    # -/_和英文句点(.)。且必须以数字或字母开头和结尾。"
    body = {"diskIds": [D3], "diskName": name}
    if code is None:
        ok(emu, "ModifyDisksAttributes", body)
        assert disk(emu, D3)["diskName"] == name
    else:
        assert err(emu, "ModifyDisksAttributes", body) == (400, code)
        assert disk(emu, D3)["diskName"] == "plain"


# ---- DeleteSnapshots ---------------------------------------------------------------

def test_delete_with_every_id_refused_is_a_success(emu):
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go
    # DeleteSnapshotsResponseParams.SnapshotIds "操作失败的快照ID";
    # zenlayer-cloud-csi-driver pkg/cloud/cloud_manager.go DeleteSnapshot checks
    # len(response.Response.SnapshotIds) != 0 on a successful answer
    new = ok(emu, "CreateSnapshot", {"diskId": D3, "snapshotName": "young"})["snapshotId"]
    r = ok(emu, "DeleteSnapshots", {"snapshotIds": [new]})
    assert r["snapshotIds"] == [new]
    assert snap(emu, new)["status"] == "CREATING"


# ---- codes --------------------------------------------------------------------------

@pytest.mark.parametrize("code,status", [
    ("INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND", 404),
    ("INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST", 400),
    ("INVALID_DISK_SNAPSHOT_SIZE_MISMATCH", 400),
    ("OPERATION_FAILED_RESOURCE_GROUP_NOT_FOUND", 404),
    ("UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE", 400),
    ("INVALID_OPERATION_TIMEOUT", 400),
])
def test_codes_the_official_tools_name(emu, code, status):
    # terraform-provider-zenlayercloud zenlayercloud/services/zec/
    # resource_zc_zec_disk_snapshot_policy.go, service_zenlayer_zec.go,
    # zenlayercloud/common/errors.go; zenlayercloud-cli
    # apis/en-US/zec/apply-auto-snapshot-policy.yaml; zenlayer-cloud-csi-driver
    # pkg/cloud/error.go.  An injected code alone takes its HTTP status.
    emu.add_fault(action="DescribeDisks", code=code, count=1)
    assert err(emu, "DescribeDisks", {}) == (status, code)


def test_create_on_a_recycled_disk(emu):
    # terraform-provider-zenlayercloud zenlayercloud/services/zec/service_zenlayer_zec.go
    # treats UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE as the disk being recycled
    emu.set_disk(D3, diskStatus="RECYCLED")
    assert err(emu, "CreateSnapshot", {"diskId": D3, "snapshotName": "late"}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")


# ---- createTime layouts ----------------------------------------------------------------

# zenlayer-cloud-csi-driver pkg/disk/rpcserver/controllerserver.go,
# snapCreateTimeLayouts (RFC3339Nano, RFC3339, "2006-01-02T15:04:05",
# "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00") and the epoch seconds /
# milliseconds of parseSnapCreationTime
LAYOUTS = {
    "rfc3339": "2026-11-01T02:00:00Z",
    "rfc3339-frac": "2026-11-01T02:00:00.5Z",
    "offset": "2026-11-01T10:00:00+08:00",
    "no-zone": "2026-11-01T02:00:00",
    "space": "2026-11-01 02:00:00",
    "space-offset": "2026-11-01 10:00:00+08:00",
    "epoch": "1793498400",
    "epoch-ms": "1793498400000",
}


def go_parse(s):
    """The CSI driver's parse, in Python: the instant, in whole seconds."""
    if re.fullmatch(r"\d+", s):
        v = int(s)
        return v // 1000 if len(s) >= 13 else v
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?", s)
    assert m, s
    t = calendar.timegm(time.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S"))
    z = m.group(3)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        t -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
    return t


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_time_layout_flag(layout):
    with emulator("--time-layout", layout) as e:
        s = snap(e, S1)
        assert s["createTime"] == LAYOUTS[layout]
        assert go_parse(s["createTime"]) == 1793498400
        # the store and the state dump keep RFC 3339
        assert e.snapshots(D1)[0]["createTime"] == CREATED


# ---- snapshotName filter ----------------------------------------------------------------

def test_snapshot_name_filter_modes():
    # zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go
    # DescribeSnapshotsRequest.SnapshotName "该字段支持模糊搜索" (fuzzy, not
    # specified further); zenlayer-cloud-csi-driver pkg/cloud/cloud_manager.go
    # FindSnapshotByName sends "^" + name + "$"
    def names(e, pattern):
        return [s["snapshotName"] for s in
                ok(e, "DescribeSnapshots", {"snapshotName": pattern})["dataSet"]]
    with emulator("--snapshot-name-filter", "anchored") as e:
        assert names(e, "^daily-1$") == ["daily-1"]
        assert names(e, "aily") == ["daily-1"]
    with emulator("--snapshot-name-filter", "substring") as e:
        assert names(e, "^daily-1$") == []
        assert names(e, "daily-1") == ["daily-1"]
        assert names(e, "aily") == ["daily-1"]


# ---- X-ZC-Version 2024-04-01 ---------------------------------------------------------------

OLD = {"X-ZC-Version": "2024-04-01"}


def test_version_2024_04_01_for_the_same_actions(emu):
    # zenlayercloud-sdk-go zenlayercloud/zec20240401/models.go: CreateSnapshot,
    # DescribeSnapshots, ModifySnapshotsAttribute, DeleteSnapshots, ApplySnapshot
    # and ModifyDisksAttributes have the 2025-09-01 request and response;
    # terraform-provider-zenlayercloud zenlayercloud/services/zec/
    # resource_zc_zec_disk_snapshot.go and data_source_zc_zec_disk_snapshots.go
    # use that version
    new = ok(emu, "CreateSnapshot", {"diskId": D3, "snapshotName": "tf"},
             headers=OLD)["snapshotId"]
    assert [s["snapshotId"] for s in
            ok(emu, "DescribeSnapshots", {"diskIds": [D3]}, headers=OLD)["dataSet"]] == [new]
    ok(emu, "ModifySnapshotsAttribute", {"snapshotIds": [new], "snapshotName": "tf2"},
       headers=OLD)
    ok(emu, "ModifyDisksAttributes", {"diskIds": [D3], "diskName": "renamed"}, headers=OLD)
    assert wait_for(lambda: snap(emu, new)["status"] == "AVAILABLE")
    ok(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": S1}, headers=OLD)
    assert ok(emu, "DeleteSnapshots", {"snapshotIds": [new]}, headers=OLD)["snapshotIds"] == []


def test_version_2024_04_01_describe_disks_in_its_shape(emu):
    # zenlayercloud-sdk-go zenlayercloud/zec20240401/models.go: DiskInfo has
    # chargeType and no regionId, tags or burstingEnabled; the request has no
    # regionId, tagKeys or tags (dropped: a filter that version lacks filters nothing)
    disks = ok(emu, "DescribeDisks", {"tagKeys": ["nope"], "regionId": "mars"},
               headers=OLD)["dataSet"]
    assert [d["diskId"] for d in disks] == [D1, D2, D3]
    for d in disks:
        assert not {"regionId", "tags", "burstingEnabled"} & set(d), d
    assert [d["chargeType"] for d in disks] == ["POSTPAID", "PREPAID", "POSTPAID"]
    assert disks[1]["autoSnapshotPolicyId"] == "asp-123"
    # 2025-09-01 is untouched
    new = ok(emu, "DescribeDisks", {})["dataSet"]
    assert "chargeType" not in new[0] and new[0]["tags"]["tags"]
    assert err(emu, "DescribeDisks", {}, headers={"X-ZC-Version": "2023-01-01"}) == \
        (400, "INVALID_PARAMETER_VALUE")


def test_version_2024_04_01_policies(emu):
    # the six policy actions; AutoSnapshotPolicy has no tags at 2024-04-01
    # (terraform-provider-zenlayercloud deletes policies with this version)
    pid = ok(emu, "CreateAutoSnapshotPolicy", {
        "zoneId": "asia-east-1a", "autoSnapshotPolicyName": "old-api", "repeatWeekDays": [1],
        "hours": [3], "tags": {"tags": [{"key": "k", "value": "v"}]}},
        headers=OLD)["autoSnapshotPolicyId"]
    pols = ok(emu, "DescribeAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid]},
              headers=OLD)["dataSet"]
    assert len(pols) == 1 and "tags" not in pols[0]
    # the tags a 2024-04-01 request cannot carry were not stored either
    assert ok(emu, "DescribeAutoSnapshotPolicies",
              {"autoSnapshotPolicyIds": [pid]})["dataSet"][0]["tags"] == {"tags": []}
    ok(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "hours": [4]},
       headers=OLD)
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D3]},
       headers=OLD)
    ok(emu, "CancelAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D3]},
       headers=OLD)
    ok(emu, "DeleteAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid]}, headers=OLD)
    assert err(emu, "DeleteAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid]},
               headers=OLD) == (404, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND")


def test_version_2024_04_01_disk_lifecycle(emu):
    vm = "900000000000000001"
    emu.reset(dict(SEED, instances=[{"instanceId": vm, "instanceName": "vm",
                                     "zoneId": "asia-east-1a", "status": "STOPPED"}]))
    resp = ok(emu, "CreateDisks", {"zoneId": "asia-east-1a", "diskName": "old", "diskSize": 20,
                                   "burstingEnabled": True}, headers=OLD)
    assert set(resp) == {"requestId", "diskIds", "orderNumber"}
    new = resp["diskIds"][0]
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]
                    ["diskStatus"] == "AVAILABLE")
    assert ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]["burstingEnabled"] is False
    ok(emu, "AttachDisks", {"diskIds": [new], "instanceId": vm}, headers=OLD)
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]
                    ["diskStatus"] == "IN_USE")
    inst = ok(emu, "DescribeInstances", {"instanceIds": [vm]}, headers=OLD)["dataSet"][0]
    assert "tags" not in inst and inst["dataDisks"][0]["diskId"] == new
    assert "burstingEnabled" not in inst["dataDisks"][0]
    assert ok(emu, "DescribeInstancesStatus", {"instanceIds": [vm]}, headers=OLD)["dataSet"] == \
        [{"instanceId": vm, "instanceStatus": "STOPPED"}]
    assert ok(emu, "DescribeDiskRegions", {"chargeType": "POSTPAID"}, headers=OLD)["regionIds"]
    assert ok(emu, "DescribeDiskCategory", {"zoneId": "asia-east-1a"},
              headers=OLD)["categoryZoneSet"][0]["zoneId"] == "asia-east-1a"
    ok(emu, "ResizeDisk", {"diskId": new, "diskSize": 30}, headers=OLD)
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]
                    ["diskStatus"] == "IN_USE")
    # 2024-04-01's DetachDisks answer has no failedDiskIds
    assert set(ok(emu, "DetachDisks", {"diskIds": [new]}, headers=OLD)) == {"requestId"}
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]
                    ["diskStatus"] == "AVAILABLE")
    ok(emu, "ReleaseDisk", {"diskId": new}, headers=OLD)
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"][0]
                    ["diskStatus"] == "RECYCLED")
    ok(emu, "ReleaseDisk", {"diskId": new}, headers=OLD)
    assert ok(emu, "DescribeDisks", {"diskIds": [new]})["dataSet"] == []


def test_version_2024_04_01_detach_refused_by_a_running_instance(emu):
    vm = "900000000000000002"
    emu.reset(dict(SEED, instances=[{"instanceId": vm, "zoneId": "asia-east-1a"}]))
    ok(emu, "AttachDisks", {"diskIds": [D2], "instanceId": vm})
    assert wait_for(lambda: ok(emu, "DescribeDisks", {"diskIds": [D2]})["dataSet"][0]
                    ["diskStatus"] == "IN_USE")
    # no failedDiskIds to say it at this version: an error, nothing changed
    assert err(emu, "DetachDisks", {"diskIds": [D2]}, headers=OLD) == \
        (400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING")
    assert ok(emu, "DescribeDisks", {"diskIds": [D2]})["dataSet"][0]["diskStatus"] == "IN_USE"


# ---- HTTPS ---------------------------------------------------------------------------------

@pytest.fixture
def tls_pair(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_https_with_tls_cert_and_key(tls_pair):
    cert, key = tls_pair
    e = emulator("--tls-cert", cert, "--tls-key", key, cafile=cert).start()
    try:
        assert e.url.startswith("https://127.0.0.1:")
        assert [d["diskId"] for d in ok(e, "DescribeDisks", {})["dataSet"]] == [D1, D2, D3]
        assert e.calls()["connections"] == 1
        # plain HTTP on the HTTPS port gets no API answer
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", e.port, timeout=5)
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            c.request("GET", "/_emulator/calls")
            c.getresponse().read()
        c.close()
    finally:
        e.stop()


def test_tls_cert_without_key_is_refused(tls_pair):
    cert, _ = tls_pair
    from emulator import emulator_binary
    r = subprocess.run([emulator_binary(), "--listen", "127.0.0.1:0", "--tls-cert", cert],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--tls-key" in r.stderr
