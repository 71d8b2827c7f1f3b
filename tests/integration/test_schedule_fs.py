"""Scheduled snapshots and restore to a new disk, as file operations
: user.zec.autoSnapshot,
user.zec.autoSnapshotPolicyId and user.zec.restoreTo, through a real
mount, checked against what the emulator holds."""

import datetime
import errno
import os
import subprocess

import pytest

from conftest import BOOT, DB, SCRATCH, WEB
from emulator import wait_until

SCHEDULE = "days=mon,wed,fri hours=2 keep=14"
FMT = "%Y-%m-%dT%H:%M:%SZ"


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


def create_disks_calls(emu):
    return emu.call_count("CreateDisks", "ok") + emu.call_count("CreateDisks", "failed")


def test_restore_to_a_name_a_disk_has_is_eexist_before_any_call(emu, mount):
    """A second disk of one name costs money and takes the name out of
    .by-name: refused with EEXIST, from the cached listing without a call."""
    m = mount(emu, "allow_restore", "cache_ttl=60")
    snap = m.p(WEB, "snapshots", "nightly-1")
    os.setxattr(snap, "user.zec.restoreTo", b"restored-1")
    new = os.readlink(m.p(".by-name", "restored-1"))
    os.listdir(m.path)                  # the listing holds restored-1 now
    emu.reset_calls()
    for name in (b"restored-1", b"db-data"):
        with pytest.raises(OSError) as e:
            os.setxattr(snap, "user.zec.restoreTo", name)
        assert e.value.errno == errno.EEXIST
    assert emu.calls().get("actions", {}) == {}
    assert [d["diskName"] for d in emu.state()["disks"]].count("restored-1") == 1
    assert os.readlink(m.p(".by-name", "restored-1")) == new
    out = m.output()
    assert out.count("restore refused") == 2
    assert 'disk_name=restored-1 disk_id=%s reason="a disk of that name exists"' % \
        new[len("../"):] in out


def test_restore_to_a_name_given_behind_zecfs_back_is_eexist(emu, mount):
    """The cached listing does not know the name: the server is asked, by
    name, before CreateDisks."""
    m = mount(emu, "allow_restore", "cache_ttl=60")
    os.listdir(m.path)
    emu.set_disk(DB, diskName="drill-x")
    emu.reset_calls()
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo", b"drill-x")
    assert e.value.errno == errno.EEXIST
    assert create_disks_calls(emu) == 0
    assert emu.call_count("DescribeDisks", "ok") == 1
    assert len(emu.state()["disks"]) == 5


def business_now(emu):
    return datetime.datetime.strptime(emu.state()["now"], FMT)


def ls(path):
    return sorted(os.listdir(path))


def test_a_week_of_business_time_seen_through_ls(emu, mount):
    """setfattr puts the disk on a schedule; a week of the emulator's clock
    produces exactly the scheduled Auto snapshots, and retentionDays expires
    them: all of it seen by ls and getfattr on the mount."""
    m = mount(emu, "cache_ttl=1")
    snaps = m.p(WEB, "snapshots")
    assert ls(snaps) == ["nightly-1"]
    # start on a Monday, 00:30 UTC, business time
    t = business_now(emu)
    monday = (t + datetime.timedelta(days=7 - t.weekday())).replace(
        hour=0, minute=30, second=0, microsecond=0)
    emu.advance_clock((monday - t).total_seconds())
    os.setxattr(m.p(WEB), "user.zec.autoSnapshot", b"days=mon,wed,fri hours=2,14 keep=3")

    emu.advance_clock(7 * 86400)          # to the next Monday, 00:30
    base = monday.replace(minute=0)
    made = [base + datetime.timedelta(days=d, hours=h) for d in (0, 2, 4) for h in (2, 14)]
    # keep=3: Monday's and Wednesday's have expired, Friday's two are left
    friday = made[4:]
    want = sorted(["nightly-1"] + [e.strftime("auto-%Y%m%d-%H") for e in friday])
    wait_until(lambda: ls(snaps) == want, what="the week's snapshots in ls")
    for e in friday:
        snap = os.path.join(snaps, e.strftime("auto-%Y%m%d-%H"))
        assert os.getxattr(snap, "user.zec.snapshotType") == b"Auto"
        assert os.getxattr(snap, "user.zec.createTime").decode() == e.strftime(FMT)
        assert os.getxattr(snap, "user.zec.retentionTime").decode() == \
            (e + datetime.timedelta(days=3)).strftime(FMT)
    # what the emulator made that week: exactly the six scheduled times
    assert emu.log().count(f"diskId={WEB} reason=") == 0

    emu.advance_clock(86400)              # Tuesday 00:30: Friday's gone, Monday's made
    nxt = [base + datetime.timedelta(days=7, hours=h) for h in (2, 14)]
    want = sorted(["nightly-1"] + [e.strftime("auto-%Y%m%d-%H") for e in nxt])
    wait_until(lambda: ls(snaps) == want, what="the next day's snapshots in ls")
    # cancelling stops it: another week adds nothing
    os.removexattr(m.p(WEB), "user.zec.autoSnapshot")
    emu.advance_clock(7 * 86400)
    wait_until(lambda: ls(snaps) == ["nightly-1"], what="expiry without a schedule")


def test_restore_drill_new_disk_becomes_available(emu, mount):
    """docs/backup.md's restore drill: restore the newest snapshot to a new
    disk, watch it become AVAILABLE through the mount, delete nothing."""
    m = mount(emu, "allow_restore", "cache_ttl=1")
    snaps = m.p(WEB, "snapshots")
    newest = max(ls(snaps), key=lambda n: os.getxattr(os.path.join(snaps, n),
                                                        "user.zec.createTime"))
    os.setxattr(os.path.join(snaps, newest), "user.zec.restoreTo", b"drill-1")
    new = os.readlink(m.p(".by-name", "drill-1"))[len("../"):]
    assert new in os.listdir(m.path)
    # CREATING for --create-delay-ms (300 ms here), which a slow run can miss
    assert os.getxattr(m.p(new), "user.zec.diskStatus") in (b"CREATING", b"AVAILABLE")
    wait_until(lambda: os.getxattr(m.p(new), "user.zec.diskStatus") == b"AVAILABLE",
               what="the restored disk AVAILABLE")
    src = disk(emu, WEB)
    status, body = emu.api("DescribeDisks", {"diskIds": [new]})
    assert status == 200
    [got] = body["response"]["dataSet"]
    assert (got["diskSize"], got["zoneId"], got["diskCategory"], got["diskStatus"]) == \
        (src["diskSize"], src["zoneId"], src["diskCategory"], "AVAILABLE")
    assert ls(snaps) == [newest]          # nothing deleted
    assert len(emu.state()["disks"]) == 6


def test_refused_apply_leaves_no_empty_policy(emu, mount):
    """A system disk cannot go on a policy: setfattr fails with the API's
    errno, and the policy zecfs created for it is deleted again."""
    m = mount(emu)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(BOOT), "user.zec.autoSnapshot", SCHEDULE.encode())
    assert e.value.errno == errno.EPERM          # OPERATION_DENIED_DISK_SYSTEM_TYPE
    assert policies(emu) == []
    assert "policy deleted, its apply was refused" in m.output()
    assert os.listdir(m.p(".policies")) == []


def test_refused_move_puts_the_disk_back_on_its_old_policy(emu, mount):
    m = mount(emu)
    os.setxattr(m.p(WEB), "user.zec.autoSnapshot", SCHEDULE.encode())
    [old] = policies(emu)
    emu.add_fault(action="ApplyAutoSnapshotPolicy", code="OPERATION_DENIED_DISK_STATUS",
                  status=400, count=1)
    with pytest.raises(OSError):
        os.setxattr(m.p(WEB), "user.zec.autoSnapshot", b"days=daily hours=5 keep=3")
    # the disk is on its old schedule again, and no new policy is left over
    assert [p["autoSnapshotPolicyId"] for p in policies(emu)] == [old["autoSnapshotPolicyId"]]
    assert disk(emu, WEB)["autoSnapshotPolicyId"] == old["autoSnapshotPolicyId"]
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == SCHEDULE.encode()


def test_a_new_policy_has_a_name_a_person_can_read(emu, mount):
    m = mount(emu)
    for disk, value, want in [
            (WEB, SCHEDULE, "zecfs-mon.wed.fri-at-02h-utc-keep-14d"),
            (DB, "days=mon,tue,wed,thu,fri hours=0,1,2,12 keep=forever",
             "zecfs-mon-fri-at-00h-02h.12h-utc-keep-forever")]:
        r = subprocess.run(["setfattr", "-n", "user.zec.autoSnapshot", "-v", value, m.p(disk)],
                           capture_output=True, text=True)
        assert (r.returncode, r.stderr) == (0, "")
        assert os.readlink(m.p(".policies", want, disk)) == "../../" + disk
    assert sorted(p["autoSnapshotPolicyName"] for p in policies(emu)) == \
        ["zecfs-mon-fri-at-00h-02h.12h-utc-keep-forever", "zecfs-mon.wed.fri-at-02h-utc-keep-14d"]
    assert sorted(os.listdir(m.p(".policies"))) == sorted(p["autoSnapshotPolicyName"]
                                                          for p in policies(emu))
