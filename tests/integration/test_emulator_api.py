"""Conformance suite for zec-emulator's API (zec-api.md, issues 2 and 3):
signing, envelopes, every action and every error code.  The signing client
is the Python one in emulator.py, independent of the C code."""
import datetime
import json
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator, sign, authorization  # noqa: E402

D1, D2, DSYS, DNOSNAP, DBUSY = ("100000000000000001", "100000000000000002",
                                "100000000000000003", "100000000000000004",
                                "100000000000000005")
S1, S2, S3 = "200000000000000001", "200000000000000002", "200000000000000003"

SEED = {
    "disks": [
        {"diskId": D1, "diskName": "alpha-data", "zoneId": "asia-east-1a",
         "regionId": "asia-east-1", "diskStatus": "IN_USE",
         "instanceId": "900000000000000001", "resourceGroupId": "rg-a",
         "resourceGroupName": "A", "tags": [{"key": "env", "value": "prod"}]},
        {"diskId": D2, "diskName": "beta-data", "zoneId": "asia-east-1b",
         "regionId": "asia-east-1", "diskStatus": "AVAILABLE", "resourceGroupId": "rg-b",
         "resourceGroupName": "B",
         "tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "x"}]},
        {"diskId": DSYS, "diskName": "alpha-system", "diskType": "SYSTEM",
         "instanceId": "900000000000000001", "regionId": "eu-west-1", "zoneId": "eu-west-1a"},
        {"diskId": DNOSNAP, "diskName": "no-snap", "snapshotAbility": False},
        {"diskId": DBUSY, "diskName": "busy", "diskStatus": "ATTACHING"},
    ],
    "snapshots": [
        {"snapshotId": S2, "snapshotName": "daily-2", "diskId": D1,
         "createTime": "2026-01-02T00:00:00Z", "snapshotType": "Auto"},
        {"snapshotId": S1, "snapshotName": "daily-1", "diskId": D1,
         "createTime": "2026-01-01T00:00:00Z"},
        {"snapshotId": S3, "snapshotName": "weekly-1", "diskId": D2,
         "createTime": "2026-01-01T00:00:00Z"},
    ],
}

RID = re.compile(r"^T[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
DELAY_MS = 300


@pytest.fixture(scope="module")
def emu():
    e = Emulator(seed=SEED, args=["--create-delay-ms", str(DELAY_MS), "--delete-delay-ms",
                                  str(DELAY_MS), "--rollback-delay-ms", str(DELAY_MS),
                                  "--snapshot-quota", "4", "--bearer-token", "tok-123",
                                  # snapshots back to back (test_emulator_official.py
                                  # covers the SNAPSHOT_CREATING default)
                                  "--no-disk-snapshot-creating"])
    e.start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def fresh(emu):
    emu.reset(SEED)
    emu.clear_faults()
    yield


def err(emu, action, body=None, **kw):
    status, doc = emu.api(action, body, **kw)
    assert set(doc) == {"requestId", "code", "message"}, doc
    assert RID.match(doc["requestId"])
    return status, doc["code"]


def ok(emu, action, body=None, **kw):
    status, doc = emu.api(action, body, **kw)
    assert status == 200, doc
    assert RID.match(doc["requestId"])
    assert doc["response"]["requestId"] == doc["requestId"]
    return doc["response"]


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def business_now(emu):
    return datetime.datetime.strptime(emu.state()["now"], "%Y-%m-%dT%H:%M:%SZ")


def wait_for(pred, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


# ---- transport and signing -------------------------------------------------

@pytest.mark.parametrize("secret,ts,ct,host,body,expected", [
    ("TestSecretPassword0123456789", "1700000000", "application/json", "console.zenlayer.com",
     b'{"diskId":"1234567890123456789","snapshotName":"fs-snap-001"}',
     "8a1681a8a5f09bbc7751f74d4e083b297f1e93b9a1d82ed6a5580a4f5f7d2649"),
    ("TestSecretPassword0123456789", "1700000000", "application/json", "127.0.0.1:8080", b"{}",
     "94986b7daee139f3669585309304e2bc1e110c786e37432b0618b1fb71937ea6"),
    ("Gu5t9xGARNpq86cd98joQYCN3", "1673361177", "application/json; charset=utf-8",
     "console.zenlayer.com", b'{"pageSize":10,"pageNum":1,"zoneId":"HKG-A"}',
     "efb356c32e55c781e10dc676da59462c22596d82e91c57803666243379555b2f"),
])
def test_python_signer_matches_api_vectors(secret, ts, ct, host, body, expected):
    """The suite's own signer reproduces zec-api.md's vectors A, B and C."""
    assert sign(secret, ts, ct, host, body) == expected


def test_compact_and_spaced_json_bodies_are_signed_over_raw_bytes(emu):
    body = {"diskIds": [D1], "pageSize": 10}
    compact = json.dumps(body, separators=(",", ":")).encode()
    spaced = json.dumps(body).encode()          # ", " and ": " separators
    assert compact != spaced
    for raw in (compact, spaced, b'  {"diskIds" : ["%s"] }\n' % D1.encode()):
        status, doc = emu.api("DescribeDisks", raw_body=raw)
        assert status == 200, doc
        assert doc["response"]["totalCount"] == 1


def test_charset_content_type(emu):
    r = ok(emu, "DescribeDisks", {}, content_type="application/json; charset=utf-8")
    assert r["totalCount"] == 5


def test_tampered_body_rejected(emu):
    signed = b'{"diskIds":["%s"]}' % D1.encode()
    hdrs = emu.request_headers("DescribeDisks", signed)
    tampered = b'{"diskIds":["%s"]}' % D2.encode()
    assert err(emu, "DescribeDisks", raw_body=tampered,
               headers={"Authorization": hdrs["Authorization"],
                        "X-ZC-Timestamp": hdrs["X-ZC-Timestamp"]}) == \
        (401, "AUTHFAILURE_SIGNATURE_FAILURE")


def test_signature_covers_host_and_content_type(emu):
    raw = b"{}"
    ts = str(int(time.time()))
    other_host = sign(emu.key_password, ts, "application/json", "console.zenlayer.com", raw)
    assert err(emu, "DescribeDisks", raw_body=raw, timestamp=ts,
               headers={"Authorization": authorization(emu.key_id, other_host)}) == \
        (401, "AUTHFAILURE_SIGNATURE_FAILURE")
    other_ct = sign(emu.key_password, ts, "application/json; charset=utf-8", emu.host, raw)
    assert err(emu, "DescribeDisks", raw_body=raw, timestamp=ts,
               headers={"Authorization": authorization(emu.key_id, other_ct)}) == \
        (401, "AUTHFAILURE_SIGNATURE_FAILURE")


def test_stale_and_future_timestamps_rejected(emu):
    now = int(time.time())
    assert err(emu, "DescribeDisks", {}, timestamp=now - 301) == \
        (401, "AUTHFAILURE_SIGNATURE_EXPIRED")
    assert err(emu, "DescribeDisks", {}, timestamp=now + 600) == \
        (401, "AUTHFAILURE_SIGNATURE_EXPIRED")
    ok(emu, "DescribeDisks", {}, timestamp=now - 200)


def test_wrong_credentials(emu):
    assert err(emu, "DescribeDisks", {}, key_password="wrong") == \
        (401, "AUTHFAILURE_SIGNATURE_FAILURE")
    assert err(emu, "DescribeDisks", {}, key_id="NOSUCHKEY") == \
        (401, "AUTHFAILURE_SIGNATURE_FAILURE")


@pytest.mark.parametrize("value", [None, "", "Basic abc", "ZC2-HMAC-SHA256 Credential=x",
                                   "ZC2-HMAC-SHA256 Credential=x, SignedHeaders=host, "
                                   "Signature=" + "0" * 64])
def test_missing_or_malformed_authorization(emu, value):
    assert err(emu, "DescribeDisks", {}, headers={"Authorization": value}) == \
        (401, "AUTHFAILURE_INVALID_AUTHORIZATION")


def test_missing_timestamp_or_method(emu):
    assert err(emu, "DescribeDisks", {}, headers={"X-ZC-Timestamp": None})[1] == \
        "AUTHFAILURE_INVALID_AUTHORIZATION"
    assert err(emu, "DescribeDisks", {}, headers={"X-ZC-Signature-Method": "HMAC-MD5"})[1] == \
        "AUTHFAILURE_INVALID_AUTHORIZATION"


def test_bearer_token(emu):
    bearer = {"Authorization": "Bearer tok-123", "X-ZC-Timestamp": None,
              "X-ZC-Signature-Method": None}
    r = ok(emu, "DescribeDisks", {}, headers=bearer)
    assert r["totalCount"] == 5
    bearer["Authorization"] = "Bearer tok-999"
    assert err(emu, "DescribeDisks", {}, headers=bearer) == (401, "AUTHFAILURE_SIGNATURE_FAILURE")


def test_bearer_refused_without_flag():
    with Emulator(seed=SEED) as e:
        assert err(e, "DescribeDisks", {}, headers={
            "Authorization": "Bearer tok-123", "X-ZC-Timestamp": None,
            "X-ZC-Signature-Method": None}) == (401, "AUTHFAILURE_SIGNATURE_FAILURE")


def test_unknown_action(emu):
    assert err(emu, "RebootInstances", {}) == (403, "AUTHFAILURE_UNAUTHORIZED_OPERATION")


def test_wrong_service_and_version(emu):
    status, code = err(emu, "DescribeDisks", {}, headers={"X-ZC-Service": "vm"})
    assert status == 400 and code == "INVALID_PARAMETER_VALUE"
    status, code = err(emu, "DescribeDisks", {}, headers={"X-ZC-Version": "2022-11-20"})
    assert status == 400 and code == "INVALID_PARAMETER_VALUE"
    status, code = err(emu, "DescribeDisks", {}, headers={"X-ZC-Version": None})
    assert status == 400 and code == "MISSING_PARAMETER"


@pytest.mark.parametrize("raw", [b"[]", b"nonsense", b'"text"', b"{", b"42"])
def test_body_must_be_a_json_object(emu, raw):
    assert err(emu, "DescribeDisks", raw_body=raw) == (400, "INVALID_PARAMETER_TYPE")


def test_envelopes(emu):
    status, doc = emu.api("DescribeDisks", {})
    assert status == 200 and set(doc) == {"requestId", "response"}
    assert list(doc["response"])[0] == "requestId"
    status, doc = emu.api("DeleteSnapshots", {"snapshotIds": ["1"]})
    assert status == 404 and set(doc) == {"requestId", "code", "message"}
    ids = {emu.api("DescribeDisks", {})[1]["requestId"] for _ in range(5)}
    assert len(ids) == 5


# ---- DescribeDisks -----------------------------------------------------------

def test_describe_disks_all_and_order(emu):
    r = ok(emu, "DescribeDisks", {})
    assert r["totalCount"] == 5
    assert [d["diskId"] for d in r["dataSet"]] == [D1, D2, DSYS, DNOSNAP, DBUSY]
    d = r["dataSet"][0]
    for field in ("diskId", "diskName", "regionId", "zoneId", "diskType", "portable",
                  "diskCategory", "diskSize", "diskStatus", "instanceId", "createTime",
                  "resourceGroupId", "resourceGroupName", "serial", "snapshotAbility",
                  "tags", "burstingEnabled"):
        assert field in d, field
    assert d["diskType"] == "DATA" and d["snapshotAbility"] is True


def test_describe_disks_paging(emu):
    r = ok(emu, "DescribeDisks", {"pageSize": 2, "pageNum": 2})
    assert r["totalCount"] == 5 and [d["diskId"] for d in r["dataSet"]] == [DSYS, DNOSNAP]
    r = ok(emu, "DescribeDisks", {"pageSize": 2, "pageNum": 4})
    assert r["totalCount"] == 5 and r["dataSet"] == []
    assert ok(emu, "DescribeDisks", {"pageSize": 1000})["totalCount"] == 5
    assert err(emu, "DescribeDisks", {"pageSize": 1001}) == \
        (400, "INVALID_PARAMETER_EXCEED_MAXIMUM")
    assert err(emu, "DescribeDisks", {"pageNum": 0}) == (400, "INVALID_PARAMETER_LESS_MINIMUM")
    assert err(emu, "DescribeDisks", {"pageSize": 0}) == (400, "INVALID_PARAMETER_LESS_MINIMUM")
    assert err(emu, "DescribeDisks", {"pageSize": "10"}) == (400, "INVALID_PARAMETER_TYPE")


@pytest.mark.parametrize("filt,expected", [
    ({"diskIds": [D2, DSYS, "999"]}, [D2, DSYS]),
    ({"diskIds": ["999"]}, []),
    ({"diskName": "alpha"}, [D1, DSYS]),
    ({"diskName": "^alpha-d"}, [D1]),
    ({"diskName": "data$"}, [D1, D2]),
    ({"diskName": "^busy$"}, [DBUSY]),
    ({"diskStatus": "AVAILABLE"}, [D2]),
    ({"diskType": "SYSTEM"}, [DSYS]),
    ({"diskCategory": "Standard NVMe SSD"}, [D1, D2, DSYS, DNOSNAP, DBUSY]),
    ({"instanceId": "900000000000000001"}, [D1, DSYS]),
    ({"zoneId": "asia-east-1b"}, [D2]),
    ({"regionId": "eu-west-1"}, [DSYS]),
    ({"snapshotAbility": False}, [DNOSNAP]),
    ({"resourceGroupId": "rg-a"}, [D1]),
    ({"tagKeys": ["env"]}, [D1, D2]),
    ({"tagKeys": ["env", "team"]}, [D2]),
    ({"tags": [{"key": "env", "value": "prod"}]}, [D1]),
    ({"zoneId": "asia-east-1a", "diskName": "alpha"}, [D1]),
])
def test_describe_disks_filters(emu, filt, expected):
    r = ok(emu, "DescribeDisks", filt)
    assert [d["diskId"] for d in r["dataSet"]] == expected
    assert r["totalCount"] == len(expected)


@pytest.mark.parametrize("filt", [{"diskIds": D1}, {"diskIds": [1]}, {"diskName": 5},
                                  {"snapshotAbility": "yes"}, {"tags": ["env"]}])
def test_describe_disks_filter_types(emu, filt):
    assert err(emu, "DescribeDisks", filt) == (400, "INVALID_PARAMETER_TYPE")


# ---- DescribeSnapshots -------------------------------------------------------

def test_describe_snapshots_order_and_fields(emu):
    r = ok(emu, "DescribeSnapshots", {})
    assert r["totalCount"] == 3
    # createTime, then snapshotId: S1 and S3 share a createTime
    assert [s["snapshotId"] for s in r["dataSet"]] == [S1, S3, S2]
    s = r["dataSet"][0]
    assert s["status"] == "AVAILABLE" and s["snapshotType"] == "Manual"
    assert s["zoneId"] == "asia-east-1a" and s["diskAbility"] is True
    assert s["resourceGroup"] == {"resourceGroupId": "rg-a", "resourceGroupName": "A"}
    assert "retentionTime" not in s
    assert all("resourceGroup" in x for x in r["dataSet"])


@pytest.mark.parametrize("filt,expected", [
    ({"snapshotIds": [S2, "1"]}, [S2]),
    ({"diskIds": [D1]}, [S1, S2]),
    ({"diskIds": ["404"]}, []),
    ({"zoneId": "asia-east-1b"}, [S3]),
    ({"status": "AVAILABLE"}, [S1, S3, S2]),
    ({"status": "CREATING"}, []),
    ({"snapshotType": "Auto"}, [S2]),
    ({"snapshotName": "daily"}, [S1, S2]),
    ({"snapshotName": "ly-1"}, [S1, S3]),
    ({"snapshotName": "^daily-1$"}, [S1]),
    ({"snapshotName": "^daily"}, [S1, S2]),
    ({"snapshotName": "-1$"}, [S1, S3]),
    ({"snapshotName": "^aily"}, []),
    ({"diskType": "DATA"}, [S1, S3, S2]),
    ({"diskType": "SYSTEM"}, []),
    ({"resourceGroupId": "rg-b"}, [S3]),
    ({"diskIds": [D1], "snapshotName": "^daily-2$"}, [S2]),
])
def test_describe_snapshots_filters(emu, filt, expected):
    r = ok(emu, "DescribeSnapshots", filt)
    assert [s["snapshotId"] for s in r["dataSet"]] == expected
    assert r["totalCount"] == len(expected)


def test_describe_snapshots_paging(emu):
    r = ok(emu, "DescribeSnapshots", {"pageSize": 2, "pageNum": 2})
    assert r["totalCount"] == 3 and [s["snapshotId"] for s in r["dataSet"]] == [S2]
    assert ok(emu, "DescribeSnapshots", {"pageSize": 100})["totalCount"] == 3
    assert err(emu, "DescribeSnapshots", {"pageSize": 101}) == \
        (400, "INVALID_PARAMETER_EXCEED_MAXIMUM")
    assert err(emu, "DescribeSnapshots", {"pageNum": -1}) == \
        (400, "INVALID_PARAMETER_LESS_MINIMUM")


def test_max_snapshot_page_size_flag():
    with Emulator(seed=SEED, args=["--max-snapshot-page-size", "2"]) as e:
        assert ok(e, "DescribeSnapshots", {"pageSize": 2})["totalCount"] == 3
        assert err(e, "DescribeSnapshots", {"pageSize": 3}) == \
            (400, "INVALID_PARAMETER_EXCEED_MAXIMUM")


# ---- CreateSnapshot ------------------------------------------------------------

def test_create_snapshot_lifecycle(emu):
    before = business_now(emu)
    r = ok(emu, "CreateSnapshot", {"diskId": D2, "snapshotName": "fs-snap-001"})
    sid = r["snapshotId"]
    assert re.fullmatch(r"[0-9]{18,19}", sid)
    [snap] = [s for s in emu.snapshots(D2) if s["snapshotId"] == sid]
    assert snap["status"] == "CREATING" and snap["snapshotName"] == "fs-snap-001"
    assert snap["zoneId"] == "asia-east-1b" and snap["snapshotType"] == "Manual"
    assert snap["resourceGroup"]["resourceGroupId"] == "rg-b"
    created = datetime.datetime.strptime(snap["createTime"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((created - before).total_seconds()) <= 2
    assert wait_for(lambda: [s["status"] for s in emu.snapshots(D2)
                             if s["snapshotId"] == sid] == ["AVAILABLE"], 3)
    r2 = ok(emu, "CreateSnapshot", {"diskId": D2, "snapshotName": "fs-snap-001"})
    assert r2["snapshotId"] != sid                  # names need not be unique
    got = ok(emu, "DescribeSnapshots", {"diskIds": [D2]})["dataSet"]
    assert [s["snapshotId"] for s in got] == [S3, sid, r2["snapshotId"]]


def test_create_snapshot_with_retention(emu):
    until = iso(business_now(emu) + datetime.timedelta(hours=25))
    sid = ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "kept",
                                     "retentionTime": until})["snapshotId"]
    [s] = ok(emu, "DescribeSnapshots", {"snapshotIds": [sid]})["dataSet"]
    assert s["retentionTime"] == until


@pytest.mark.parametrize("body,status,code", [
    ({"diskId": "404", "snapshotName": "ok-name"}, 404, "INVALID_DISK_NOT_FOUND"),
    ({"diskId": DSYS, "snapshotName": "ok-name"}, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE"),
    ({"diskId": DBUSY, "snapshotName": "ok-name"}, 400, "UNSUPPORTED_OPERATION_DISK_STATUS"),
    ({"diskId": DNOSNAP, "snapshotName": "ok-name"}, 400, "UNSUPPORTED_OPERATION_DISK_STATUS"),
    ({"snapshotName": "ok-name"}, 400, "MISSING_PARAMETER"),
    ({"diskId": D1}, 400, "MISSING_PARAMETER"),
    ({"diskId": 100000000000000001, "snapshotName": "ok-name"}, 400, "INVALID_PARAMETER_TYPE"),
    ({"diskId": D1, "snapshotName": ["x"]}, 400, "INVALID_PARAMETER_TYPE"),
    ({"diskId": D1, "snapshotName": "a" * 64}, 400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"diskId": D1, "snapshotName": "a"}, 400, "INVALID_PARAMETER_LESS_LENGTH"),
    ({"diskId": D1, "snapshotName": "bad_name"}, 400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"diskId": D1, "snapshotName": "-edge"}, 400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"diskId": D1, "snapshotName": "edge."}, 400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"diskId": D1, "snapshotName": "ok-name", "retentionTime": "2030-01-01 00:00:00"},
     400, "INVALID_PARAMETER_DATE_FORMAT_ERROR"),
    ({"diskId": D1, "snapshotName": "ok-name", "retentionTime": "2030-02-30T00:00:00Z"},
     400, "INVALID_PARAMETER_DATE_FORMAT_ERROR"),
    ({"diskId": D1, "snapshotName": "ok-name", "retentionTime": "2020-01-01T00:00:00Z"},
     400, "INVALID_SNAPSHOT_RETENTION_TIME"),
])
def test_create_snapshot_errors(emu, body, status, code):
    assert err(emu, "CreateSnapshot", body) == (status, code)
    assert len(emu.snapshots()) == 3


def test_create_snapshot_name_limits(emu):
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "a" * 63})
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "a.b-9"})


def test_create_snapshot_retention_24h_rule(emu):
    now = business_now(emu)
    assert err(emu, "CreateSnapshot", {
        "diskId": D1, "snapshotName": "short",
        "retentionTime": iso(now + datetime.timedelta(hours=23, minutes=59))}) == \
        (400, "INVALID_SNAPSHOT_RETENTION_TIME")
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "long",
                               "retentionTime": iso(now + datetime.timedelta(hours=24,
                                                                             minutes=1))})


def test_create_snapshot_quota(emu):
    # quota 4; D1 holds 2
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "q3"})
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "q4"})
    assert err(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "q5"}) == \
        (400, "INVALID_SNAPSHOT_QUOTA_EXCEED")
    ok(emu, "CreateSnapshot", {"diskId": D2, "snapshotName": "other-disk"})
    # a DELETING snapshot no longer counts
    ok(emu, "DeleteSnapshots", {"snapshotIds": [S1]})
    ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "q5"})


def test_create_on_available_disk(emu):
    ok(emu, "CreateSnapshot", {"diskId": D2, "snapshotName": "from-available"})


# ---- ModifySnapshotsAttribute --------------------------------------------------

def test_modify_snapshots(emu):
    r = ok(emu, "ModifySnapshotsAttribute", {"snapshotIds": [S1, S2], "snapshotName": "renamed"})
    assert set(r) == {"requestId"}
    names = {s["snapshotId"]: s["snapshotName"] for s in emu.snapshots()}
    assert names[S1] == names[S2] == "renamed" and names[S3] == "weekly-1"
    until = iso(business_now(emu) + datetime.timedelta(days=3))
    ok(emu, "ModifySnapshotsAttribute", {"snapshotIds": [S1], "retentionTime": until})
    [s] = ok(emu, "DescribeSnapshots", {"snapshotIds": [S1]})["dataSet"]
    assert s["retentionTime"] == until
    ok(emu, "ModifySnapshotsAttribute", {"snapshotIds": [S1], "isPermanent": True})
    [s] = ok(emu, "DescribeSnapshots", {"snapshotIds": [S1]})["dataSet"]
    assert "retentionTime" not in s


@pytest.mark.parametrize("body,status,code", [
    ({"snapshotIds": [S1, "404"], "snapshotName": "new-name"}, 404,
     "INVALID_DISK_SNAPSHOT_NOT_FOUND"),
    ({"snapshotName": "new-name"}, 400, "MISSING_PARAMETER"),
    ({"snapshotIds": [], "snapshotName": "new-name"}, 400, "INVALID_PARAMETER_LESS_LENGTH"),
    ({"snapshotIds": [str(i) for i in range(101)], "snapshotName": "new-name"}, 400,
     "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"snapshotIds": S1, "snapshotName": "new-name"}, 400, "INVALID_PARAMETER_TYPE"),
    ({"snapshotIds": [S1], "snapshotName": "x" * 64}, 400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"snapshotIds": [S1], "snapshotName": "bad name"}, 400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"snapshotIds": [S1], "retentionTime": "tomorrow"}, 400,
     "INVALID_PARAMETER_DATE_FORMAT_ERROR"),
    ({"snapshotIds": [S1], "retentionTime": "2020-01-01T00:00:00Z"}, 400,
     "INVALID_SNAPSHOT_RETENTION_TIME"),
    ({"snapshotIds": [S1], "isPermanent": "true"}, 400, "INVALID_PARAMETER_TYPE"),
])
def test_modify_snapshots_errors(emu, body, status, code):
    assert err(emu, "ModifySnapshotsAttribute", body) == (status, code)
    names = {s["snapshotId"]: s["snapshotName"] for s in emu.snapshots()}
    assert names == {S1: "daily-1", S2: "daily-2", S3: "weekly-1"}


# ---- DeleteSnapshots -------------------------------------------------------------

def test_delete_snapshots(emu):
    r = ok(emu, "DeleteSnapshots", {"snapshotIds": [S1, S3]})
    assert r["snapshotIds"] == []
    states = {s["snapshotId"]: s["status"] for s in emu.snapshots()}
    assert states == {S1: "DELETING", S3: "DELETING", S2: "AVAILABLE"}
    assert wait_for(lambda: [s["snapshotId"] for s in emu.snapshots()] == [S2], 3)
    assert ok(emu, "DescribeSnapshots", {"snapshotIds": [S1]})["totalCount"] == 0
    assert err(emu, "DeleteSnapshots", {"snapshotIds": [S1]}) == \
        (404, "INVALID_DISK_SNAPSHOT_NOT_FOUND")


def test_delete_partially_refused(emu):
    new = ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "young"})["snapshotId"]
    r = ok(emu, "DeleteSnapshots", {"snapshotIds": [new, S2]})
    assert r["snapshotIds"] == [new]
    states = {s["snapshotId"]: s["status"] for s in emu.snapshots()}
    assert states[new] == "CREATING" and states[S2] == "DELETING"
    # nothing deletable left in the list: still a success, every id refused
    # (zenlayercloud-sdk-go zenlayercloud/zec20250901/models.go
    # DeleteSnapshotsResponseParams.SnapshotIds "操作失败的快照ID";
    # zenlayer-cloud-csi-driver pkg/cloud/cloud_manager.go checks
    # len(SnapshotIds) != 0 on a successful answer)
    r = ok(emu, "DeleteSnapshots", {"snapshotIds": [new, S2]})
    assert sorted(r["snapshotIds"]) == sorted([new, S2])


@pytest.mark.parametrize("body,status,code", [
    ({"snapshotIds": [S1, "404"]}, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND"),
    ({}, 400, "MISSING_PARAMETER"),
    ({"snapshotIds": []}, 400, "INVALID_PARAMETER_LESS_LENGTH"),
    ({"snapshotIds": [1]}, 400, "INVALID_PARAMETER_TYPE"),
])
def test_delete_errors(emu, body, status, code):
    assert err(emu, "DeleteSnapshots", body) == (status, code)
    assert all(s["status"] == "AVAILABLE" for s in emu.snapshots())


# ---- ApplySnapshot --------------------------------------------------------------

def disk_status(emu, disk_id):
    return [d for d in emu.state()["disks"] if d["diskId"] == disk_id][0]["diskStatus"]


def snap_status(emu, snap_id):
    return [s for s in emu.snapshots() if s["snapshotId"] == snap_id][0]["status"]


def test_apply_snapshot(emu):
    r = ok(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": S1})
    assert set(r) == {"requestId"}
    assert disk_status(emu, D1) == "ROLLING_BACK" and snap_status(emu, S1) == "ROLLING_BACK"
    # nothing else may touch the disk meanwhile
    assert err(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "during"}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_STATUS")
    assert err(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": S2}) == \
        (400, "OPERATION_DENIED_DISK_STATUS")
    assert ok(emu, "DeleteSnapshots", {"snapshotIds": [S1]})["snapshotIds"] == [S1]
    assert wait_for(lambda: disk_status(emu, D1) == "IN_USE" and
                    snap_status(emu, S1) == "AVAILABLE", 3)
    ok(emu, "ApplySnapshot", {"diskId": D2, "snapshotId": S3})
    assert wait_for(lambda: disk_status(emu, D2) == "AVAILABLE", 3)


@pytest.mark.parametrize("body,status,code", [
    ({"diskId": "404", "snapshotId": S1}, 404, "INVALID_DISK_NOT_FOUND"),
    ({"diskId": D1, "snapshotId": "404"}, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND"),
    ({"diskId": D1, "snapshotId": S3}, 400, "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED"),
    ({"diskId": D1}, 400, "MISSING_PARAMETER"),
    ({"snapshotId": S1}, 400, "MISSING_PARAMETER"),
    ({"diskId": D1, "snapshotId": 5}, 400, "INVALID_PARAMETER_TYPE"),
])
def test_apply_snapshot_errors(emu, body, status, code):
    assert err(emu, "ApplySnapshot", body) == (status, code)
    assert disk_status(emu, D1) == "IN_USE"


def test_apply_snapshot_wrong_states(emu):
    emu.set_disk(D1, diskStatus="DETACHING")
    assert err(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": S1}) == \
        (400, "OPERATION_DENIED_DISK_STATUS")
    emu.set_disk(D1, diskStatus="IN_USE")
    new = ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "young"})["snapshotId"]
    assert err(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": new}) == \
        (400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS")


# ---- ModifyDisksAttributes --------------------------------------------------------

def test_modify_disks(emu):
    r = ok(emu, "ModifyDisksAttributes", {"diskIds": [D1, D2], "diskName": "renamed"})
    assert set(r) == {"requestId"}
    names = [d["diskName"] for d in ok(emu, "DescribeDisks", {"diskIds": [D1, D2]})["dataSet"]]
    assert names == ["renamed", "renamed"]


@pytest.mark.parametrize("body,status,code", [
    ({"diskIds": [D1, "404"], "diskName": "x1"}, 404, "INVALID_DISK_NOT_FOUND"),
    ({"diskIds": [D1]}, 400, "MISSING_PARAMETER"),
    ({"diskName": "x1"}, 400, "MISSING_PARAMETER"),
    ({"diskIds": [D1], "diskName": "x" * 65}, 400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"diskIds": [D1], "diskName": 7}, 400, "INVALID_PARAMETER_TYPE"),
])
def test_modify_disks_errors(emu, body, status, code):
    assert err(emu, "ModifyDisksAttributes", body) == (status, code)
    assert [d["diskName"] for d in emu.state()["disks"]][0] == "alpha-data"
