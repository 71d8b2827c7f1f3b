"""Two hosts, one account: a name seen through one mount is a hint, never
the authority for a change.

Host 2 renames snapA to snapB and makes a new snapA while host 1 still has
the old listing cached (cache_ttl 60 s).  Whatever host 1 then does to
"snapA" (rmdir, mv, rollback, setfattr) must act on the snapshot that has
the name now, never on the one that was renamed away."""

import errno
import os
import subprocess

import pytest

from conftest import DB, _strip_none, default_seed
from emulator import Emulator


@pytest.fixture
def emu():
    s = _strip_none(default_seed())
    s["snapshots"].append({
        "snapshotId": "870000000000000001", "snapshotName": "snapA", "diskId": DB,
        "zoneId": "asia-east-1a", "status": "AVAILABLE", "snapshotType": "Manual",
        "createTime": "2026-10-01T00:00:00Z", "diskAbility": True})
    e = Emulator(seed=s, args=["--create-delay-ms", "0", "--delete-delay-ms", "0",
                               "--rollback-delay-ms", "600000"])
    e.start()
    yield e
    e.stop()


OLD_ID = "870000000000000001"


def by_name(emu):
    """snapshotName -> snapshotId of DB's live snapshots, as the server holds them."""
    return {s["snapshotName"]: s["snapshotId"] for s in emu.snapshots(DB)
            if s["status"] != "DELETING"}


def two_hosts(emu, mount, *opts):
    h1 = mount(emu, "cache_ttl=60", *opts, name="host1")
    h2 = mount(emu, "cache_ttl=60", *opts, name="host2")
    # host 1 has listed the directory and looked the name up: both cached
    assert "snapA" in os.listdir(h1.p(DB, "snapshots"))
    os.stat(h1.p(DB, "snapshots", "snapA"))
    # host 2 renames snapA away and makes a new snapA
    os.rename(h2.p(DB, "snapshots", "snapA"), h2.p(DB, "snapshots", "snapB"))
    os.mkdir(h2.p(DB, "snapshots", "snapA"))
    now = by_name(emu)
    assert now["snapB"] == OLD_ID and now["snapA"] != OLD_ID
    return h1, h2, now["snapA"]


def test_rmdir_of_a_moved_name_deletes_the_snapshot_that_has_it_now(emu, mount):
    h1, _, new_id = two_hosts(emu, mount, "allow_delete")
    os.rmdir(h1.p(DB, "snapshots", "snapA"))
    now = by_name(emu)
    assert now.get("snapB") == OLD_ID, "the renamed snapshot must survive"
    assert "snapA" not in now
    assert new_id not in now.values()
    assert "name moved on the server" in h1.output()
    assert sorted(os.listdir(h1.p(DB, "snapshots"))) == ["snapB"]


def test_rmdir_of_a_name_that_left_gives_enoent(emu, mount):
    h1 = mount(emu, "cache_ttl=60", "allow_delete", name="host1")
    os.stat(h1.p(DB, "snapshots", "snapA"))
    emu.api("ModifySnapshotsAttribute", {"snapshotIds": [OLD_ID], "snapshotName": "snapB"})
    with pytest.raises(OSError) as e:
        os.rmdir(h1.p(DB, "snapshots", "snapA"))
    assert e.value.errno == errno.ENOENT
    assert by_name(emu) == {"snapB": OLD_ID}


def test_mv_of_a_moved_name_renames_the_snapshot_that_has_it_now(emu, mount):
    h1, _, new_id = two_hosts(emu, mount)
    os.rename(h1.p(DB, "snapshots", "snapA"), h1.p(DB, "snapshots", "snapC"))
    assert by_name(emu) == {"snapB": OLD_ID, "snapC": new_id}


def test_rollback_to_a_moved_name_applies_the_snapshot_that_has_it_now(emu, mount):
    h1, _, new_id = two_hosts(emu, mount, "allow_rollback")
    subprocess.run(["setfattr", "-n", "user.zec.rollback", "-v", "snapA", h1.p(DB)], check=True)
    status = {s["snapshotId"]: s["status"] for s in emu.snapshots(DB)}
    assert status[new_id] == "ROLLING_BACK"
    assert status[OLD_ID] == "AVAILABLE"


def test_retention_on_a_moved_name_goes_to_the_snapshot_that_has_it_now(emu, mount):
    h1, _, new_id = two_hosts(emu, mount)
    when = "2030-01-01T00:00:00Z"
    subprocess.run(["setfattr", "-n", "user.zec.retentionTime", "-v", when,
                    h1.p(DB, "snapshots", "snapA")], check=True)
    retention = {s["snapshotId"]: s.get("retentionTime") for s in emu.snapshots(DB)}
    assert retention[new_id] == when
    assert retention[OLD_ID] is None, "the renamed snapshot must keep its retention"
    out = subprocess.run(["getfattr", "--only-values", "-n", "user.zec.snapshotId",
                          h1.p(DB, "snapshots", "snapA")], capture_output=True, text=True)
    assert out.stdout == new_id


def test_restore_from_a_moved_name_uses_the_snapshot_that_has_it_now(emu, mount):
    h1, _, new_id = two_hosts(emu, mount, "allow_restore")
    subprocess.run(["setfattr", "-n", "user.zec.restoreTo", "-v", "restored-a",
                    h1.p(DB, "snapshots", "snapA")], check=True)
    made = [d["diskId"] for d in emu.state()["disks"] if d.get("diskName") == "restored-a"]
    assert len(made) == 1
    assert "disk created diskId=%s snapshotId=%s" % (made[0], new_id) in emu.log()


def test_policy_rmdir_of_a_moved_name_deletes_the_policy_that_has_it_now(emu, mount):
    def create(name):
        status, doc = emu.api("CreateAutoSnapshotPolicy", {
            "zoneId": "asia-east-1a", "autoSnapshotPolicyName": name,
            "repeatWeekDays": [1], "hours": [2], "retentionDays": 7})
        assert status == 200, doc
        return doc["response"]["autoSnapshotPolicyId"]

    old = create("pol-a")
    h1 = mount(emu, "cache_ttl=60", "allow_delete", name="host1")
    assert "pol-a" in os.listdir(h1.p(".policies"))
    # the console renames pol-a and makes a new pol-a
    status, doc = emu.api("ModifyAutoSnapshotPolicy",
                          {"autoSnapshotPolicyId": old, "autoSnapshotPolicyName": "pol-b"})
    assert status == 200, doc
    new = create("pol-a")
    os.rmdir(h1.p(".policies", "pol-a"))
    left = {p["autoSnapshotPolicyName"]: p["autoSnapshotPolicyId"]
            for p in emu.state()["autoSnapshotPolicies"]}
    assert left == {"pol-b": old}
    assert new not in left.values()
