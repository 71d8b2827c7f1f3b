"""zec-emulator: instances and the disk lifecycle after CreateDisks
(DescribeInstances, DescribeInstancesStatus, AttachDisks, DetachDisks,
ReleaseDisk, ResizeDisk, DescribeDiskRegions, DescribeDiskCategory), the
official shapes and refusal codes, CreateDisks onto instances.  Transitions
run on the business clock, moved by POST /_emulator/clock: no waiting."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator  # noqa: E402

ZA, ZB = "asia-east-1a", "asia-east-1b"
VM1, VM2, VM3, HOST = ("300000000000000001", "300000000000000002", "300000000000000003",
                       "300000000000000099")
D_SYS, D_DATA, D_FREE, D_FREE2, D_B, D_FIXED = (
    "100000000000000001", "100000000000000002", "100000000000000003",
    "100000000000000004", "100000000000000005", "100000000000000006")
SEED = {
    "disks": [
        {"diskId": D_SYS, "diskName": "vm1-sys", "zoneId": ZA, "regionId": "asia-east-1",
         "diskType": "SYSTEM", "diskSize": 40, "instanceId": VM1, "instanceName": "web-1"},
        {"diskId": D_DATA, "diskName": "vm1-data", "zoneId": ZA, "regionId": "asia-east-1",
         "diskSize": 100, "instanceId": VM1, "instanceName": "web-1"},
        {"diskId": D_FREE, "diskName": "free", "zoneId": ZA, "diskSize": 50,
         "diskStatus": "AVAILABLE"},
        {"diskId": D_FREE2, "diskName": "free-2", "zoneId": ZA, "diskSize": 20,
         "diskStatus": "AVAILABLE"},
        {"diskId": D_B, "diskName": "in-b", "zoneId": ZB, "diskSize": 20,
         "diskStatus": "AVAILABLE", "diskCategory": "Basic NVMe SSD"},
        {"diskId": D_FIXED, "diskName": "fixed", "zoneId": ZA, "diskSize": 20,
         "portable": False, "instanceId": VM2},
    ],
    "instances": [
        {"instanceId": VM2, "instanceName": "db-1", "zoneId": ZA, "status": "STOPPED"},
        {"instanceId": VM3, "instanceName": "new-1", "zoneId": ZA, "status": "DEPLOYING"},
    ],
    "zones": [
        {"zoneId": "eu-central-1a", "regionId": "eu-central-1",
         "categorySet": ["Standard NVMe SSD"]},
    ],
}
DELAY_S = 60


@pytest.fixture(scope="module")
def emu():
    with Emulator(seed=SEED, args=["--create-delay-ms", "0", "--host-instance", HOST,
                                   "--disk-op-delay-ms", str(DELAY_S * 1000)]) as e:
        yield e


@pytest.fixture(autouse=True)
def fresh(emu):
    emu.reset(SEED)
    yield


def ok(emu, action, body=None):
    status, doc = emu.api(action, body or {})
    assert status == 200, (action, body, doc)
    return doc["response"]


def err(emu, action, body):
    status, doc = emu.api(action, body)
    assert set(doc) == {"requestId", "code", "message"}, doc
    return status, doc["code"]


def disk(emu, disk_id):
    found = ok(emu, "DescribeDisks", {"diskIds": [disk_id]})["dataSet"]
    return found[0] if found else None


def settle(emu):
    emu.advance_clock(DELAY_S + 1)


def instance(emu, instance_id):
    return ok(emu, "DescribeInstances", {"instanceIds": [instance_id]})["dataSet"][0]


def test_instances_from_the_seed_and_host(emu):
    resp = ok(emu, "DescribeInstances")
    by_id = {i["instanceId"]: i for i in resp["dataSet"]}
    assert resp["totalCount"] == 4 and set(by_id) == {VM1, VM2, VM3, HOST}
    vm1 = by_id[VM1]
    # the official InstanceInfo shape
    for key in ("instanceId", "instanceName", "zoneId", "instanceType", "cpu", "memory",
                "imageId", "imageName", "status", "systemDisk", "dataDisks",
                "publicIpAddresses", "privateIpAddresses", "createTime",
                "resourceGroupId", "resourceGroupName", "tags"):
        assert key in vm1, key
    assert (vm1["instanceName"], vm1["zoneId"], vm1["status"]) == ("web-1", ZA, "RUNNING")
    assert vm1["systemDisk"] == {"diskId": D_SYS, "diskSize": 40,
                                 "diskCategory": "Standard NVMe SSD",
                                 "burstingEnabled": False}
    assert vm1["dataDisks"] == [{"diskId": D_DATA, "diskName": "vm1-data", "diskSize": 100,
                                 "portable": True, "burstingEnabled": False,
                                 "diskCategory": "Standard NVMe SSD"}]
    # --host-instance: in the zone of the first seeded disk
    assert by_id[HOST]["zoneId"] == ZA and by_id[HOST]["dataDisks"] == []
    assert by_id[VM2]["status"] == "STOPPED"
    # filters and paging
    assert [i["instanceId"] for i in ok(emu, "DescribeInstances",
                                        {"status": "STOPPED"})["dataSet"]] == [VM2]
    assert ok(emu, "DescribeInstances", {"name": "db"})["totalCount"] == 1
    assert ok(emu, "DescribeInstances", {"zoneId": ZB})["totalCount"] == 0
    page = ok(emu, "DescribeInstances", {"pageSize": 1, "pageNum": 2})
    assert page["totalCount"] == 4 and len(page["dataSet"]) == 1
    st = ok(emu, "DescribeInstancesStatus", {"instanceIds": [VM1, VM2]})
    assert st["totalCount"] == 2
    assert {(i["instanceId"], i["instanceStatus"]) for i in st["dataSet"]} == \
        {(VM1, "RUNNING"), (VM2, "STOPPED")}
    assert err(emu, "DescribeInstances", {"instanceIds": ["x"] * 101}) == \
        (400, "INVALID_PARAMETER_EXCEED_LENGTH")


def test_attach_then_detach(emu):
    ok(emu, "AttachDisks", {"diskIds": [D_FREE, D_FREE2], "instanceId": VM1})
    d = disk(emu, D_FREE)
    assert (d["diskStatus"], d["instanceId"], d["instanceName"]) == ("ATTACHING", VM1, "web-1")
    settle(emu)
    assert disk(emu, D_FREE)["diskStatus"] == "IN_USE"
    assert [x["diskId"] for x in instance(emu, VM1)["dataDisks"]] == [D_DATA, D_FREE, D_FREE2]

    # instanceCheckFlag defaults to true: a running instance keeps its disks
    resp = ok(emu, "DetachDisks", {"diskIds": [D_FREE, D_FREE2]})
    assert resp["failedDiskIds"] == [D_FREE, D_FREE2]
    assert disk(emu, D_FREE)["diskStatus"] == "IN_USE"

    resp = ok(emu, "DetachDisks", {"diskIds": [D_FREE], "instanceCheckFlag": False})
    assert resp["failedDiskIds"] == []
    assert disk(emu, D_FREE)["diskStatus"] == "DETACHING"
    settle(emu)
    d = disk(emu, D_FREE)
    assert d["diskStatus"] == "AVAILABLE" and "instanceId" not in d and "instanceName" not in d
    assert [x["diskId"] for x in instance(emu, VM1)["dataDisks"]] == [D_DATA, D_FREE2]


def test_detach_from_a_stopped_instance_needs_no_flag(emu):
    ok(emu, "AttachDisks", {"diskIds": [D_FREE], "instanceId": VM2})
    settle(emu)
    assert ok(emu, "DetachDisks", {"diskIds": [D_FREE]})["failedDiskIds"] == []
    settle(emu)
    assert disk(emu, D_FREE)["diskStatus"] == "AVAILABLE"


@pytest.mark.parametrize("body,status,code", [
    ({"diskIds": [D_FREE], "instanceId": "404"}, 404, "INVALID_INSTANCE_NOT_FOUND"),
    ({"diskIds": ["404"], "instanceId": VM1}, 404, "INVALID_DISK_NOT_FOUND"),
    ({"diskIds": [D_DATA], "instanceId": VM1}, 400, "UNSUPPORTED_OPERATION_DISK_STATUS"),
    ({"diskIds": [D_FREE, D_DATA], "instanceId": VM1}, 400, "UNSUPPORTED_OPERATION_DISK_STATUS"),
    ({"diskIds": [D_SYS], "instanceId": VM1}, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE"),
    ({"diskIds": [D_B], "instanceId": VM1}, 400, "OPERATION_DENIED_DIFFERENT_ZONE"),
    ({"diskIds": [D_FREE], "instanceId": VM3}, 400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING"),
    ({"diskIds": [D_FREE] * 11, "instanceId": VM1}, 400, "INVALID_PARAMETER_EXCEED_LENGTH"),
    ({"diskIds": [], "instanceId": VM1}, 400, "INVALID_PARAMETER_LESS_LENGTH"),
    ({"diskIds": [D_FREE]}, 400, "MISSING_PARAMETER"),
])
def test_attach_refusals(emu, body, status, code):
    assert err(emu, "AttachDisks", body) == (status, code)
    # all or nothing
    assert disk(emu, D_FREE)["diskStatus"] == "AVAILABLE"


def test_attach_recycled_disk(emu):
    ok(emu, "ReleaseDisk", {"diskId": D_FREE})
    assert err(emu, "AttachDisks", {"diskIds": [D_FREE], "instanceId": VM1}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")


@pytest.mark.parametrize("body,status,code", [
    ({"diskIds": [D_FREE]}, 400, "UNSUPPORTED_OPERATION_DISK_NO_ATTACH"),
    ({"diskIds": ["404"]}, 404, "INVALID_DISK_NOT_FOUND"),
    ({"diskIds": [D_SYS]}, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE"),
    ({"diskIds": [D_FIXED], "instanceCheckFlag": False}, 400, "INVALID_PARAMETER_VALUE"),
    ({"diskIds": [D_DATA, D_FIXED], "instanceCheckFlag": False}, 400,
     "INVALID_PARAMETER_VALUE"),
    ({"diskIds": [D_DATA], "instanceCheckFlag": "no"}, 400, "INVALID_PARAMETER_TYPE"),
])
def test_detach_refusals(emu, body, status, code):
    assert err(emu, "DetachDisks", body) == (status, code)
    assert disk(emu, D_DATA)["diskStatus"] == "IN_USE"


def test_release_twice_destroys(emu):
    pid = ok(emu, "CreateAutoSnapshotPolicy", {
        "zoneId": ZA, "autoSnapshotPolicyName": "nightly", "repeatWeekDays": [1],
        "hours": [2]})["autoSnapshotPolicyId"]
    ok(emu, "ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": pid, "diskIds": [D_FREE]})
    ok(emu, "ReleaseDisk", {"diskId": D_FREE})
    assert disk(emu, D_FREE)["diskStatus"] == "RECYCLING"
    assert err(emu, "ReleaseDisk", {"diskId": D_FREE}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")
    settle(emu)
    assert disk(emu, D_FREE)["diskStatus"] == "RECYCLED"
    # recycled disks are still listed, and refuse work
    assert err(emu, "CreateSnapshot", {"diskId": D_FREE, "snapshotName": "s1"}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")
    assert err(emu, "ResizeDisk", {"diskId": D_FREE, "diskSize": 100}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")
    ok(emu, "ReleaseDisk", {"diskId": D_FREE})
    assert disk(emu, D_FREE) is None
    assert err(emu, "ReleaseDisk", {"diskId": D_FREE}) == \
        (404, "OPERATION_FAILED_RESOURCE_NOT_FOUND")
    pol = ok(emu, "DescribeAutoSnapshotPolicies", {"autoSnapshotPolicyIds": [pid]})["dataSet"][0]
    assert pol["diskIdSet"] == [] and pol["diskNum"] == 0
    # the other disks kept their places and ids
    assert [d["diskId"] for d in ok(emu, "DescribeDisks")["dataSet"]] == \
        [D_SYS, D_DATA, D_FREE2, D_B, D_FIXED]


@pytest.mark.parametrize("disk_id,status,code", [
    (D_DATA, 400, "UNSUPPORTED_OPERATION_DISK_STATUS"),
    (D_SYS, 400, "OPERATION_DENIED_DISK_SYSTEM_TYPE"),
    ("404", 404, "OPERATION_FAILED_RESOURCE_NOT_FOUND"),
])
def test_release_refusals(emu, disk_id, status, code):
    assert err(emu, "ReleaseDisk", {"diskId": disk_id}) == (status, code)


def test_resize_only_grows(emu):
    ok(emu, "ResizeDisk", {"diskId": D_DATA, "diskSize": 150})
    d = disk(emu, D_DATA)
    assert (d["diskStatus"], d["diskSize"]) == ("CHANGING", 150)
    assert err(emu, "ResizeDisk", {"diskId": D_DATA, "diskSize": 200}) == \
        (400, "UNSUPPORTED_OPERATION_DISK_STATUS")
    settle(emu)
    assert disk(emu, D_DATA)["diskStatus"] == "IN_USE"
    for size, code in ((150, "INVALID_PARAMETER_VALUE"), (100, "INVALID_PARAMETER_VALUE"),
                       (32769, "INVALID_PARAMETER_EXCEED_MAXIMUM"),
                       (0, "INVALID_PARAMETER_LESS_MINIMUM")):
        assert err(emu, "ResizeDisk", {"diskId": D_DATA, "diskSize": size}) == (400, code)
    assert err(emu, "ResizeDisk", {"diskId": "404", "diskSize": 500}) == \
        (404, "INVALID_DISK_NOT_FOUND")


def test_regions_and_categories(emu):
    # the seed's zones first, then those its records name
    assert ok(emu, "DescribeDiskRegions")["regionIds"] == ["eu-central-1", "asia-east-1"]
    cats = {z["zoneId"]: z["categorySet"]
            for z in ok(emu, "DescribeDiskCategory")["categoryZoneSet"]}
    assert cats == {ZA: ["Standard NVMe SSD", "Basic NVMe SSD"],
                    ZB: ["Standard NVMe SSD", "Basic NVMe SSD"],
                    "eu-central-1a": ["Standard NVMe SSD"]}
    assert ok(emu, "DescribeDiskCategory", {"zoneId": ZB})["categoryZoneSet"] == \
        [{"zoneId": ZB, "categorySet": ["Standard NVMe SSD", "Basic NVMe SSD"]}]
    basic = ok(emu, "DescribeDiskCategory", {"diskCategory": "Basic NVMe SSD"})
    assert [z["zoneId"] for z in basic["categoryZoneSet"]] == [ZA, ZB]
    assert basic["categoryZoneSet"][0]["categorySet"] == ["Basic NVMe SSD"]
    # what CreateDisks accepts
    assert err(emu, "CreateDisks", {"zoneId": "eu-central-1a", "diskName": "x", "diskSize": 20,
                                    "diskCategory": "Basic NVMe SSD"}) == \
        (400, "INVALID_PARAMETER_VALUE")
    new = ok(emu, "CreateDisks", {"zoneId": "eu-central-1a", "diskName": "x",
                                  "diskSize": 20})["diskIds"][0]
    assert disk(emu, new)["regionId"] == "eu-central-1"
    assert err(emu, "CreateAutoSnapshotPolicy", {
        "zoneId": "mars-1a", "autoSnapshotPolicyName": "p1", "repeatWeekDays": [1],
        "hours": [1]}) == (404, "INVALID_ZONE_NOT_FOUND")


def test_create_disks_onto_instances_with_tags(emu):
    tags = {"tags": [{"key": "env", "value": "prod"}]}
    ids = ok(emu, "CreateDisks", {"zoneId": ZA, "diskName": "more", "diskSize": 20,
                                  "diskAmount": 2, "instanceIds": [VM1, VM2], "tags": tags,
                                  "burstingEnabled": True})["diskIds"]
    for disk_id, vm in zip(ids, (VM1, VM2)):
        d = disk(emu, disk_id)
        assert (d["instanceId"], d["tags"], d["burstingEnabled"]) == (vm, tags, True)
    emu.advance_clock(1)
    assert [disk(emu, i)["diskStatus"] for i in ids] == ["IN_USE", "IN_USE"]
    assert ids[1] in [x["diskId"] for x in instance(emu, VM2)["dataDisks"]]
    one = ok(emu, "CreateDisks", {"zoneId": ZA, "diskName": "one", "diskSize": 20,
                                  "instanceId": VM1})["diskIds"][0]
    assert disk(emu, one)["instanceId"] == VM1
    assert err(emu, "CreateDisks", {"zoneId": ZB, "diskName": "x", "diskSize": 20,
                                    "instanceId": VM1}) == (400, "OPERATION_DENIED_DIFFERENT_ZONE")
    assert err(emu, "CreateDisks", {"zoneId": ZA, "diskName": "x", "diskSize": 20,
                                    "instanceId": VM3}) == \
        (400, "OPERATION_DENIED_INSTANCE_NOT_RUNNING")
    assert err(emu, "CreateDisks", {"zoneId": ZA, "diskName": "x", "diskSize": 20,
                                    "diskAmount": 2, "instanceId": VM1}) == \
        (400, "INVALID_PARAMETER_VALUE")


def test_instances_and_zones_survive_a_restart(tmp_path):
    state = str(tmp_path / "state.json")
    args = ["--state", state, "--host-instance", HOST, "--disk-op-delay-ms", "0"]
    with Emulator(seed=SEED, args=args) as e:
        ok(e, "AttachDisks", {"diskIds": [D_FREE], "instanceId": HOST})
    with Emulator(seed={"disks": []}, args=args) as e:
        assert {i["instanceId"] for i in ok(e, "DescribeInstances")["dataSet"]} == \
            {VM1, VM2, VM3, HOST}
        assert [x["diskId"] for x in instance(e, HOST)["dataDisks"]] == [D_FREE]
        assert "eu-central-1" in ok(e, "DescribeDiskRegions")["regionIds"]
