"""Scheduled snapshots and restore to a new disk, as file operations
(issue 12, the filesystem part that has landed): user.zec.autoSnapshot,
user.zec.autoSnapshotPolicyId and user.zec.restoreTo, through a real
mount, checked against what the emulator holds."""

import errno
import os
import subprocess

import pytest

from conftest import DB, SCRATCH, WEB

SCHEDULE = "days=mon,wed,fri hours=2 keep=14"


def policies(emu):
    return emu.state().get("autoSnapshotPolicies", [])


def disk(emu, disk_id):
    return [d for d in emu.state()["disks"] if d["diskId"] == disk_id][0]


def total_calls(emu):
    return sum(v.get("ok", 0) + v.get("failed", 0)
               for v in emu.calls().get("actions", {}).values())


def test_schedule_a_disk_read_it_back_and_cancel(emu, mount):
    m = mount(emu)
    r = subprocess.run(["setfattr", "-n", "user.zec.autoSnapshot", "-v",
                        "keep=14 hours=2 days=fri,mon,wed", m.p(WEB)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    [p] = policies(emu)
    assert p["diskIdSet"] == [WEB] and p["repeatWeekDays"] == [1, 3, 5]
    assert p["hours"] == [2] and p["retentionDays"] == 14
    assert disk(emu, WEB)["autoSnapshotPolicyId"] == p["autoSnapshotPolicyId"]
    out = subprocess.run(["getfattr", "--only-values", "-n", "user.zec.autoSnapshot", m.p(WEB)],
                         capture_output=True, text=True, check=True).stdout
    assert out == SCHEDULE                                    # the canonical form
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshotPolicyId").decode() == \
        p["autoSnapshotPolicyId"]
    # a second disk with the same schedule shares the policy
    os.setxattr(m.p(DB), "user.zec.autoSnapshot", SCHEDULE.encode())
    [p] = policies(emu)
    assert sorted(p["diskIdSet"]) == sorted([WEB, DB])
    # another schedule moves the disk
    os.setxattr(m.p(WEB), "user.zec.autoSnapshot", b"days=daily hours=3 keep=forever")
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == \
        b"days=daily hours=3 keep=forever"
    on = {q["autoSnapshotPolicyName"]: q["diskIdSet"] for q in policies(emu)}
    assert sorted(on.values()) == sorted([[DB], [WEB]])
    # removing it cancels
    os.removexattr(m.p(WEB), "user.zec.autoSnapshot")
    assert "autoSnapshotPolicyId" not in disk(emu, WEB)
    for name in ("user.zec.autoSnapshot", "user.zec.autoSnapshotPolicyId"):
        with pytest.raises(OSError) as e:
            os.getxattr(m.p(WEB), name)
        assert e.value.errno == errno.ENODATA


@pytest.mark.parametrize("value", ["", "days=mon hours=2", "days=funday hours=2 keep=1",
                                   "days=mon hours=24 keep=1", "days=mon hours=2 keep=0"])
def test_malformed_schedule_is_einval_without_a_call(emu, mount, value):
    m = mount(emu)
    os.listxattr(m.p(WEB))
    before = total_calls(emu)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB), "user.zec.autoSnapshot", value.encode())
    assert e.value.errno == errno.EINVAL
    assert total_calls(emu) == before


def test_disk_that_cannot_be_snapshotted_is_eopnotsupp(emu, mount):
    m = mount(emu)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(SCRATCH), "user.zec.autoSnapshot", SCHEDULE.encode())
    assert e.value.errno == errno.EOPNOTSUPP
    assert policies(emu) == []


def test_restore_needs_allow_restore(emu, mount):
    m = mount(emu)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo", b"restored-1")
    assert e.value.errno == errno.EPERM
    assert len(emu.state()["disks"]) == 5


def test_restore_makes_a_disk_that_shows_at_once(emu, mount):
    m = mount(emu, "allow_restore")
    before = set(os.listdir(m.path))
    os.setxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo", b"restored-1")
    [new] = [d for d in emu.state()["disks"] if d.get("diskName") == "restored-1"]
    src = disk(emu, WEB)
    assert new["diskSize"] == src["diskSize"] and new["zoneId"] == src["zoneId"]
    assert set(os.listdir(m.path)) - before == {new["diskId"]}
    assert os.readlink(m.p(".by-name", "restored-1")) == "../" + new["diskId"]
    with pytest.raises(OSError) as e:
        os.getxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo")
    assert e.value.errno == errno.ENODATA
    assert "disk restored" in m.output()
