"""Conformance suite for zec-emulator's auto-snapshot policies and CreateDisks
: the six policy actions, the schedule on the business clock,
restore into a new disk, and state persistence.  Signed with the Python
client of emulator.py."""
import datetime
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402

D1, D2, D3, DSYS, DNOSNAP = ("100000000000000001", "100000000000000002",
                             "100000000000000003", "100000000000000004",
                             "100000000000000005")
S1, S2 = "200000000000000001", "200000000000000002"
ZA, ZB = "asia-east-1a", "asia-east-1b"
FMT = "%Y-%m-%dT%H:%M:%SZ"
QUOTA = 8

SEED = {
    "disks": [
        {"diskId": D1, "diskName": "alpha", "zoneId": ZA, "regionId": "asia-east-1",
         "diskSize": 100, "diskCategory": "Basic NVMe SSD", "resourceGroupId": "rg-a",
         "resourceGroupName": "A"},
        {"diskId": D2, "diskName": "beta", "zoneId": ZA, "regionId": "asia-east-1",
         "diskStatus": "AVAILABLE"},
        {"diskId": D3, "diskName": "gamma", "zoneId": ZB, "regionId": "asia-east-1"},
        {"diskId": DSYS, "diskName": "sys", "zoneId": ZA, "diskType": "SYSTEM"},
        {"diskId": DNOSNAP, "diskName": "nosnap", "zoneId": ZA, "snapshotAbility": False},
    ],
    "snapshots": [
        {"snapshotId": S1, "snapshotName": "base", "diskId": D1,
         "createTime": "2026-01-01T00:00:00Z"},
        {"snapshotId": S2, "snapshotName": "making", "diskId": D1, "status": "CREATING",
         "createTime": "2026-01-02T00:00:00Z"},
    ],
}


@pytest.fixture(scope="module")
def emu():
    e = Emulator(seed=SEED, args=["--create-delay-ms", "200", "--snapshot-quota", str(QUOTA)])
    e.start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def fresh(emu):
    emu.reset(SEED)
    yield


def ok(emu, action, body=None):
    status, doc = emu.api(action, body)
    assert status == 200, doc
    return doc["response"]


def err(emu, action, body):
    status, doc = emu.api(action, body)
    assert set(doc) == {"requestId", "code", "message"}, doc
    return status, doc["code"]


def now(emu):
    return datetime.datetime.strptime(emu.state()["now"], FMT)


def wait_for(pred, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def policy(emu, **kw):
    body = {"zoneId": ZA, "autoSnapshotPolicyName": "nightly", "repeatWeekDays": [1],
            "hours": [2]}
    body.update(kw)
    return ok(emu, "CreateAutoSnapshotPolicy", body)["autoSnapshotPolicyId"]


def describe(emu, **kw):
    return ok(emu, "DescribeAutoSnapshotPolicies", kw)


def disk(emu, disk_id):
    return ok(emu, "DescribeDisks", {"diskIds": [disk_id]})["dataSet"][0]


# ---- the six actions --------------------------------------------------------

def test_create_and_describe_record_shape(emu):
    pid = policy(emu, repeatWeekDays=[5, 1, 3, 3], hours=[14, 2], retentionDays=14,
                 resourceGroupId="rg-a",
                 tags={"tags": [{"key": "env", "value": "prod"}]})
    resp = describe(emu, autoSnapshotPolicyIds=[pid])
    assert resp["totalCount"] == 1
    rec = resp["dataSet"][0]
    assert set(rec) == {"autoSnapshotPolicyId", "zoneId", "autoSnapshotPolicyName",
                        "repeatWeekDays", "hours", "retentionDays", "diskNum", "createTime",
                        "resourceGroup", "diskIdSet", "tags"}
    assert rec["autoSnapshotPolicyId"] == pid
    assert rec["repeatWeekDays"] == [1, 3, 5] and rec["hours"] == [2, 14]
    assert rec["retentionDays"] == 14 and rec["diskNum"] == 0 and rec["diskIdSet"] == []
    assert rec["resourceGroup"] == {"resourceGroupId": "rg-a", "resourceGroupName": "A"}
    assert rec["tags"] == {"tags": [{"key": "env", "value": "prod"}]}
    assert rec["createTime"] == emu.state()["now"] or rec["createTime"] <= emu.state()["now"]
    # retentionDays defaults to -1 (forever)
    other = policy(emu)
    assert describe(emu, autoSnapshotPolicyIds=[other])["dataSet"][0]["retentionDays"] == -1


@pytest.mark.parametrize("body,status,code", [
    ({}, 400, "MISSING_PARAMETER"),
    ({"autoSnapshotPolicyName": "x1", "repeatWeekDays": [1], "hours": [1]}, 400,
     "MISSING_PARAMETER"),
    ({"zoneId": ZA, "repeatWeekDays": [1], "hours": [1]}, 400, "MISSING_PARAMETER"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "x1", "hours": [1]}, 400, "MISSING_PARAMETER"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "x1", "repeatWeekDays": [1]}, 400,
     "MISSING_PARAMETER"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "x", "repeatWeekDays": [1], "hours": [1]}, 400,
     "INVALID_PARAMETER_LESS_LENGTH"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "x" * 64, "repeatWeekDays": [1], "hours": [1]},
     400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "-ab", "repeatWeekDays": [1], "hours": [1]},
     400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "a b", "repeatWeekDays": [1], "hours": [1]},
     400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [0], "hours": [1]},
     400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [8], "hours": [1]},
     400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [24]},
     400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1.5]},
     400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [], "hours": [1]},
     400, "INVALID_PARAMETER_LESS_LENGTH"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": "1", "hours": [1]},
     400, "INVALID_PARAMETER_TYPE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1],
      "retentionDays": 0}, 400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1],
      "retentionDays": 65536}, 400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1],
      "retentionDays": "7"}, 400, "INVALID_PARAMETER_TYPE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1],
      "tags": [{"key": "a", "value": "b"}]}, 400, "INVALID_PARAMETER_TYPE"),
    ({"zoneId": ZA, "autoSnapshotPolicyName": "ab", "repeatWeekDays": [1], "hours": [1],
      "tags": {"tags": [{"key": "a", "value": "b"}, {"key": "a", "value": "c"}]}}, 400,
     "INVALID_PARAMETER_VALUE"),
])
def test_create_validation(emu, body, status, code):
    assert err(emu, "CreateAutoSnapshotPolicy", body) == (status, code)
    assert emu.state()["autoSnapshotPolicies"] == []


def test_retention_bounds_accepted(emu):
    for days in (-1, 1, 65535):
        pid = policy(emu, retentionDays=days)
        assert describe(emu, autoSnapshotPolicyIds=[pid])["dataSet"][0]["retentionDays"] == days


def test_describe_filters_and_paging(emu):
    a = policy(emu, autoSnapshotPolicyName="daily-a", tags={"tags": [{"key": "k", "value": "1"}]})
    b = policy(emu, autoSnapshotPolicyName="daily-b", zoneId=ZB, resourceGroupId="rg-a")
    c = policy(emu, autoSnapshotPolicyName="weekly", tags={"tags": [{"key": "k", "value": "2"}]})

    def ids(**kw):
        return [p["autoSnapshotPolicyId"] for p in describe(emu, **kw)["dataSet"]]

    assert ids() == [a, b, c]
    assert ids(autoSnapshotPolicyIds=[c, a]) == [a, c]
    assert ids(zoneIds=[ZB]) == [b]
    assert ids(autoSnapshotPolicyName="daily") == [a, b]
    assert ids(autoSnapshotPolicyName="^weekly$") == [c]
    assert ids(resourceGroupId="rg-a") == [b]
    assert ids(tagKeys=["k"]) == [a, c]
    assert ids(tags=[{"key": "k", "value": "2"}]) == [c]
    page = describe(emu, pageSize=2, pageNum=2)
    assert page["totalCount"] == 3 and [p["autoSnapshotPolicyId"] for p in page["dataSet"]] == [c]
    assert describe(emu, pageNum=9)["dataSet"] == []
    assert err(emu, "DescribeAutoSnapshotPolicies", {"pageSize": 101}) == \
        (400, "INVALID_PARAMETER_EXCEED_MAXIMUM")
    assert err(emu, "DescribeAutoSnapshotPolicies", {"zoneIds": ZA}) == \
        (400, "INVALID_PARAMETER_TYPE")


def test_modify(emu):
    pid = policy(emu)
    ok(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid,
                                         "autoSnapshotPolicyName": "renamed",
                                         "repeatWeekDays": [7], "hours": [23],
                                         "retentionDays": 3})
    rec = describe(emu, autoSnapshotPolicyIds=[pid])["dataSet"][0]
    assert (rec["autoSnapshotPolicyName"], rec["repeatWeekDays"], rec["hours"],
            rec["retentionDays"]) == ("renamed", [7], [23], 3)
    ok(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "retentionDays": -1})
    assert describe(emu, autoSnapshotPolicyIds=[pid])["dataSet"][0]["retentionDays"] == -1
    assert err(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": "999"}) == \
        (400, "MISSING_PARAMETER")
    assert err(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": "999", "hours": [1]}) \
        == (404, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND")
    assert err(emu, "ModifyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "hours": [-1]}) \
        == (400, "INVALID_PARAMETER_VALUE")
    assert err(emu, "ModifyAutoSnapshotPolicy",
               {"autoSnapshotPolicyId": pid, "autoSnapshotPolicyName": "a"}) == \
        (400, "INVALID_PARAMETER_LESS_LENGTH")


def test_apply_cancel_and_describe_disks(emu):
    pid = policy(emu)
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1, D2]})
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1]})  # again
    rec = describe(emu)["dataSet"][0]
    assert rec["diskIdSet"] == [D1, D2] and rec["diskNum"] == 2
    assert disk(emu, D1)["autoSnapshotPolicyId"] == pid
    assert "autoSnapshotPolicyId" not in disk(emu, D3)
    ok(emu, "CancelAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1, D3]})
    rec = describe(emu)["dataSet"][0]
    assert rec["diskIdSet"] == [D2] and rec["diskNum"] == 1
    assert "autoSnapshotPolicyId" not in disk(emu, D1)


def test_apply_errors_change_nothing(emu):
    pid = policy(emu)
    other = policy(emu, autoSnapshotPolicyName="other")
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": other, "diskIds": [D2]})
    cases = [
        ({"autoSnapshotPolicyId": "999", "diskIds": [D1]}, 404,
         "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND"),
        ({"autoSnapshotPolicyId": pid, "diskIds": [D1, D2]}, 400,
         "INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST"),
        # the code the issue names; the official tools are silent on it
        ({"autoSnapshotPolicyId": pid, "diskIds": [D1, D3]}, 400,
         "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH"),
        ({"autoSnapshotPolicyId": pid, "diskIds": [D1, "404"]}, 404, "INVALID_DISK_NOT_FOUND"),
        ({"autoSnapshotPolicyId": pid, "diskIds": [DSYS]}, 400,
         "OPERATION_DENIED_DISK_SYSTEM_TYPE"),
        ({"autoSnapshotPolicyId": pid, "diskIds": []}, 400, "INVALID_PARAMETER_LESS_LENGTH"),
        ({"autoSnapshotPolicyId": pid}, 400, "MISSING_PARAMETER"),
        ({"diskIds": [D1]}, 400, "MISSING_PARAMETER"),
    ]
    for body, status, code in cases:
        assert err(emu, "ApplyAutoSnapshotPolicy", body) == (status, code), body
    assert describe(emu, autoSnapshotPolicyIds=[pid])["dataSet"][0]["diskIdSet"] == []
    assert "autoSnapshotPolicyId" not in disk(emu, D1)
    assert err(emu, "CancelAutoSnapshotPolicy", {"autoSnapshotPolicyId": "999",
                                                 "diskIds": [D1]}) == \
        (404, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND")


def test_delete_detaches_disks(emu):
    pid = policy(emu)
    keep = policy(emu, autoSnapshotPolicyName="keep")
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1]})
    assert err(emu, "DeleteAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid, "999"]}) == \
        (404, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND")
    assert describe(emu)["totalCount"] == 2
    assert err(emu, "DeleteAutoSnapshotPolicies", {"autoSnapshotPolicyIds": []}) == \
        (400, "INVALID_PARAMETER_LESS_LENGTH")
    ok(emu, "DeleteAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid]})
    assert [p["autoSnapshotPolicyId"] for p in describe(emu)["dataSet"]] == [keep]
    assert "autoSnapshotPolicyId" not in disk(emu, D1)


# ---- the schedule ------------------------------------------------------------

def advance_to_next_monday(emu, minute=30):
    """Moves the business clock to the next Monday 00:MM:00 UTC; returns it."""
    t = now(emu)
    target = (t + datetime.timedelta(days=7 - t.weekday())).replace(
        hour=0, minute=minute, second=0, microsecond=0)
    emu.advance_clock((target - t).total_seconds())
    return target


def autos(emu, disk_id):
    return sorted((s for s in emu.snapshots(disk_id) if s["snapshotType"] == "Auto"),
                  key=lambda s: s["createTime"])


def test_a_week_makes_exactly_the_scheduled_snapshots(emu):
    monday = advance_to_next_monday(emu)
    forever = policy(emu, repeatWeekDays=[1, 3, 5], hours=[2, 14])
    short = policy(emu, autoSnapshotPolicyName="short", repeatWeekDays=[1, 3, 5],
                   hours=[2, 14], retentionDays=3)
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": forever, "diskIds": [D1]})
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": short, "diskIds": [D2]})
    emu.advance_clock(7 * 86400)

    expected = [monday.replace(minute=0) + datetime.timedelta(days=d, hours=h)
                for d in (0, 2, 4) for h in (2, 14)]
    got = autos(emu, D1)
    assert [s["createTime"] for s in got] == [e.strftime(FMT) for e in expected]
    assert [s["snapshotName"] for s in got] == [e.strftime("auto-%Y%m%d-%H") for e in expected]
    assert all(s["status"] == "AVAILABLE" and "retentionTime" not in s for s in got)
    assert all(s["zoneId"] == ZA and s["diskId"] == D1 for s in got)
    # the manual snapshots are untouched
    assert {s["snapshotId"] for s in emu.snapshots(D1)} >= {S1, S2}

    # retentionDays=3: only Friday's two are left at Monday 00:30, expiring 3 days on
    left = autos(emu, D2)
    fri = expected[4:]
    assert [s["createTime"] for s in left] == [e.strftime(FMT) for e in fri]
    assert [s["retentionTime"] for s in left] == \
        [(e + datetime.timedelta(days=3)).strftime(FMT) for e in fri]
    emu.advance_clock(86400)    # to Tuesday 00:30: Friday's expired, Monday's made
    nxt = [monday.replace(minute=0) + datetime.timedelta(days=7, hours=h) for h in (2, 14)]
    assert [s["createTime"] for s in autos(emu, D2)] == [e.strftime(FMT) for e in nxt]
    assert len(autos(emu, D1)) == 6     # D1 is at its quota (2 manual + 6 Auto)


def test_scheduled_snapshot_is_creating_then_available(emu):
    t = now(emu)
    pid = policy(emu, repeatWeekDays=list(range(1, 8)), hours=list(range(24)))
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D2]})
    to_hour = 3600 - (t.minute * 60 + t.second)
    emu.advance_clock(to_hour)   # exactly on the hour: made now, still CREATING
    snaps = autos(emu, D2)
    assert len(snaps) == 1
    assert snaps[0]["status"] in ("CREATING", "AVAILABLE")
    assert wait_for(lambda: autos(emu, D2)[0]["status"] == "AVAILABLE")


def test_quota_and_unsnapshottable_disks_are_skipped(emu):
    pid = policy(emu, repeatWeekDays=list(range(1, 8)), hours=list(range(24)))
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1, DNOSNAP]})
    emu.advance_clock(86400)
    # D1 had 2 snapshots: QUOTA - 2 Auto ones fit, the rest of the day's hours are skipped
    assert len(autos(emu, D1)) == QUOTA - 2
    assert autos(emu, DNOSNAP) == []
    assert "reason=quota" in emu.log()


def test_long_advance_expires_hour_by_hour(emu):
    """Within one long advance, earlier hours' snapshots expire before a later
    hour counts the quota: a rolling window, as if time had passed normally."""
    t = advance_to_next_monday(emu)
    pid = policy(emu, repeatWeekDays=list(range(1, 8)), hours=[0, 6, 12, 18], retentionDays=1)
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D2]})
    emu.advance_clock(3 * 86400)         # 12 scheduled hours, quota 8, 4 alive at a time
    last = [t.replace(minute=0) + datetime.timedelta(days=2, hours=h) for h in (6, 12, 18)]
    last.append(t.replace(minute=0) + datetime.timedelta(days=3))
    assert [s["createTime"] for s in autos(emu, D2)] == [e.strftime(FMT) for e in last]
    assert f"diskId={D2} reason=quota" not in emu.log()


def test_clock_set_back_runs_nothing_twice(emu):
    pid = policy(emu, repeatWeekDays=list(range(1, 8)), hours=list(range(24)))
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D2]})
    emu.advance_clock(3 * 3600)
    assert len(autos(emu, D2)) == 3
    emu.advance_clock(-3 * 3600)
    emu.advance_clock(3 * 3600)
    assert len(autos(emu, D2)) == 3


# ---- CreateDisks -----------------------------------------------------------------

def restore(emu, **kw):
    body = {"zoneId": ZA, "diskName": "restored", "diskSize": 100, "snapshotId": S1}
    body.update(kw)
    return body


def test_create_disks_from_snapshot(emu):
    resp = ok(emu, "CreateDisks", restore(emu, diskSize=120, diskAmount=2))
    assert set(resp) == {"requestId", "diskIds", "orderNumber"}
    assert len(resp["diskIds"]) == 2 and isinstance(resp["orderNumber"], str)
    new = ok(emu, "DescribeDisks", {"diskIds": resp["diskIds"]})["dataSet"]
    assert len(new) == 2
    for d in new:
        assert d["diskStatus"] in ("CREATING", "AVAILABLE")
        assert (d["diskName"], d["zoneId"], d["regionId"], d["diskSize"], d["diskCategory"],
                d["diskType"], d["snapshotAbility"]) == \
            ("restored", ZA, "asia-east-1", 120, "Basic NVMe SSD", "DATA", True)
        assert "instanceId" not in d
    assert wait_for(lambda: all(
        d["diskStatus"] == "AVAILABLE"
        for d in ok(emu, "DescribeDisks", {"diskIds": resp["diskIds"]})["dataSet"]))
    # the category can be chosen; the resource group too
    other = ok(emu, "CreateDisks", restore(emu, diskCategory="Standard NVMe SSD",
                                           resourceGroupId="rg-a"))["diskIds"]
    d = disk(emu, other[0])
    assert (d["diskCategory"], d["resourceGroupId"], d["resourceGroupName"]) == \
        ("Standard NVMe SSD", "rg-a", "A")


@pytest.mark.parametrize("change,status,code", [
    ({"diskSize": 99}, 400, "INVALID_DISK_SNAPSHOT_SIZE_MISMATCH"),
    ({"snapshotId": S2}, 400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS"),
    ({"snapshotId": "999"}, 404, "INVALID_DISK_SNAPSHOT_NOT_FOUND"),
    ({"zoneId": ZB}, 400, "INVALID_PARAMETER_VALUE"),
    ({"zoneId": None}, 400, "MISSING_PARAMETER"),
    ({"diskName": None}, 400, "MISSING_PARAMETER"),
    ({"diskSize": None}, 400, "MISSING_PARAMETER"),
    ({"diskSize": "100"}, 400, "INVALID_PARAMETER_TYPE"),
    ({"diskSize": 0}, 400, "INVALID_PARAMETER_LESS_MINIMUM"),
    ({"diskAmount": 0}, 400, "INVALID_PARAMETER_LESS_MINIMUM"),
    ({"diskAmount": 51}, 400, "INVALID_PARAMETER_EXCEED_MAXIMUM"),
    ({"diskSize": 19, "snapshotId": None}, 400, "INVALID_PARAMETER_LESS_MINIMUM"),
    ({"zoneId": "mars-1a"}, 404, "INVALID_ZONE_NOT_FOUND"),
    ({"tags": {"tags": [{"key": "k", "value": ""}]}}, 400, "INVALID_PARAMETER_VALUE"),
    ({"tags": {"tags": [{"key": "k", "value": "v" * 65}]}}, 400, "INVALID_PARAMETER_VALUE"),
    ({"instanceIds": ["900000000000000001", "900000000000000002"]}, 400,
     "INVALID_PARAMETER_VALUE"),
    ({"diskCategory": "Gold"}, 400, "INVALID_PARAMETER_VALUE"),
    ({"diskName": "x" * 65}, 400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"diskName": "bad name"}, 400, "INVALID_PARAMETER_PATTERN_ERROR"),
    ({"instanceId": "900000000000000001"}, 404, "INVALID_INSTANCE_NOT_FOUND"),
])
def test_create_disks_errors(emu, change, status, code):
    body = {k: v for k, v in restore(emu, **change).items() if v is not None}
    before = len(emu.state()["disks"])
    assert err(emu, "CreateDisks", body) == (status, code)
    assert len(emu.state()["disks"]) == before


def test_create_disks_deleting_snapshot_refused(emu):
    ok(emu, "DeleteSnapshots", {"snapshotIds": [S1]})
    assert err(emu, "CreateDisks", restore(emu)) == (400, "OPERATION_DENIED_DISK_SNAPSHOT_STATUS")


def test_create_blank_disk(emu):
    ids = ok(emu, "CreateDisks", {"zoneId": ZB, "diskName": "blank", "diskSize": 20})["diskIds"]
    d = disk(emu, ids[0])
    assert (d["zoneId"], d["regionId"], d["diskCategory"], d["diskSize"]) == \
        (ZB, "asia-east-1", "Standard NVMe SSD", 20)


# ---- state ------------------------------------------------------------------------

def test_state_file_keeps_policies(tmp_path):
    path = tmp_path / "state.json"
    with Emulator(seed=SEED, args=["--state", str(path)]) as e:
        pid = ok(e, "CreateAutoSnapshotPolicy",
                 {"zoneId": ZA, "autoSnapshotPolicyName": "kept", "repeatWeekDays": [2],
                  "hours": [3], "retentionDays": 5})["autoSnapshotPolicyId"]
        ok(e, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D1]})
        new = ok(e, "CreateDisks", {"zoneId": ZA, "diskName": "r1", "diskSize": 100,
                                    "snapshotId": S1})["diskIds"][0]
        st = e.state()
        assert [p["autoSnapshotPolicyId"] for p in st["autoSnapshotPolicies"]] == [pid]
        assert wait_for(lambda: json.loads(path.read_text()).get("autoSnapshotPolicies"))
        assert wait_for(lambda: any(d["diskId"] == new
                                    for d in json.loads(path.read_text())["disks"]))
    with Emulator(args=["--state", str(path)]) as e:
        rec = ok(e, "DescribeAutoSnapshotPolicies", {})["dataSet"]
        assert [(p["autoSnapshotPolicyId"], p["diskIdSet"], p["retentionDays"]) for p in rec] \
            == [(pid, [D1], 5)]
        assert ok(e, "DescribeDisks", {"diskIds": [D1]})["dataSet"][0]["autoSnapshotPolicyId"] \
            == pid
        assert ok(e, "DescribeDisks", {"diskIds": [new]})["dataSet"]


def test_seed_with_bad_policies_refused(emu):
    bad = dict(SEED, autoSnapshotPolicies=[{"autoSnapshotPolicyId": "1", "zoneId": ZA,
                                            "autoSnapshotPolicyName": "p",
                                            "repeatWeekDays": [9], "hours": [1]}])
    status, _ = emu.control("POST", "reset", bad)
    assert status == 400
    two = dict(SEED, autoSnapshotPolicies=[
        {"autoSnapshotPolicyId": str(i), "zoneId": ZA, "autoSnapshotPolicyName": "p",
         "repeatWeekDays": [1], "hours": [1], "diskIdSet": [D1]} for i in (1, 2)])
    status, _ = emu.control("POST", "reset", two)
    assert status == 400
    assert emu.state()["autoSnapshotPolicies"] == []
