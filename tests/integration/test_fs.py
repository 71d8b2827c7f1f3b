"""The filesystem as an operator sees it: namespace, every operation, the
xattrs, retention, caching and the errno contract, checked with the tools a
user would use (ls, stat, find, mv, rm -rf, getfattr, setfattr)."""

import calendar
import errno
import json
import os
import subprocess
import time

import pytest

from conftest import (BOOT, DB, NIGHTLY_ID, RESIZING, SCRATCH, WEB,
                      default_seed, _strip_none)
from emulator import Emulator, wait_until


def run(*argv, check=True):
    return subprocess.run(argv, capture_output=True, text=True, check=check)


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def live(emu, disk_id=None):
    return [s for s in emu.snapshots(disk_id) if s["status"] != "DELETING"]


def by_name(emu, disk_id, name):
    found = [s for s in live(emu, disk_id) if s["snapshotName"] == name]
    assert len(found) == 1, found
    return found[0]


def calls(emu, action):
    return emu.calls().get("actions", {}).get(action, {})


def getfattr(path, name):
    return os.getxattr(path, name).decode()


# ---- namespace -----------------------------------------------------------

def test_by_name_links_for_unique_disk_names(emu, mnt):
    links = sorted(os.listdir(mnt.p(".by-name")))
    assert links == sorted(["web-data", "db-data", "web-boot", "scratch", "resizing"])
    assert os.readlink(mnt.p(".by-name", "web-data")) == "../" + WEB
    assert os.listdir(mnt.p(".by-name", "web-data", "snapshots")) == ["nightly-1"]


def test_by_name_leaves_out_shared_names(mount):
    seed = _strip_none(default_seed())
    for d in seed["disks"]:
        if d["diskId"] in (DB, BOOT):
            d["diskName"] = "twin"
    with Emulator(seed=seed) as e:
        m = mount(e)
        assert "twin" not in os.listdir(m.p(".by-name"))
        assert "web-data" in os.listdir(m.p(".by-name"))
        m.unmount()


def test_disk_directory_mtime_is_create_time(emu, mnt):
    assert os.stat(mnt.p(WEB)).st_mtime == epoch("2026-01-15T08:30:00Z")
    assert os.stat(mnt.p(DB)).st_mtime == epoch("2026-02-01T00:00:00Z")


def test_disk_json_is_the_record_with_correct_size(emu, mnt):
    path = mnt.p(WEB, "disk.json")
    data = open(path).read()
    assert os.stat(path).st_size == len(data.encode())
    rec = json.loads(data)
    held = [d for d in emu.state()["disks"] if d["diskId"] == WEB][0]
    assert rec["diskId"] == WEB
    assert rec["diskName"] == held["diskName"]
    assert rec["diskSize"] == held["diskSize"]
    assert oct(os.stat(path).st_mode & 0o777) == "0o444"
    assert run("cat", path).stdout == data


def test_writing_disk_json_is_eperm(emu, mnt):
    with pytest.raises(OSError) as e:
        open(mnt.p(WEB, "disk.json"), "w")
    assert e.value.errno == errno.EPERM


def test_deleting_snapshots_hidden_failed_listed(emu, mount):
    seed = _strip_none(default_seed())
    seed["snapshots"] += [
        {"snapshotId": "700000000000000002", "snapshotName": "going",
         "diskId": WEB, "status": "DELETING", "createTime": "2026-11-02T00:00:00Z"},
        {"snapshotId": "700000000000000003", "snapshotName": "broken",
         "diskId": WEB, "status": "FAILED", "createTime": "2026-11-03T00:00:00Z"},
    ]
    emu.reset(seed)
    m = mount(emu)
    assert sorted(os.listdir(m.p(WEB, "snapshots"))) == ["broken", "nightly-1"]
    assert getfattr(m.p(WEB, "snapshots", "broken"), "user.zec.status") == "FAILED"


def test_shared_names_oldest_keeps_plain_name(emu, mount):
    seed = _strip_none(default_seed())
    seed["snapshots"] += [
        {"snapshotId": "700000000000000009", "snapshotName": "nightly-1",
         "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-05T00:00:00Z"},
        {"snapshotId": "700000000000000008", "snapshotName": "nightly-1",
         "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-04T00:00:00Z"},
    ]
    emu.reset(seed)
    m = mount(emu)
    names = sorted(os.listdir(m.p(WEB, "snapshots")))
    assert names == ["nightly-1", "nightly-1@700000000000000008",
                     "nightly-1@700000000000000009"]
    assert getfattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.snapshotId") == NIGHTLY_ID
    assert getfattr(m.p(WEB, "snapshots", "nightly-1@700000000000000009"),
                    "user.zec.snapshotId") == "700000000000000009"


def test_ls_l_stat_and_find_mtime(emu, mnt):
    out = run("ls", "-l", mnt.p(WEB, "snapshots")).stdout
    assert "dr-xr-xr-x" in out and "nightly-1" in out
    assert run("stat", "-c", "%Y %a %F", mnt.p(WEB, "snapshots", "nightly-1")).stdout.split() == \
        [str(epoch("2026-11-01T02:00:00Z")), "555", "directory"]
    os.mkdir(mnt.p(WEB, "snapshots", "fresh"))
    old = run("find", mnt.p(WEB, "snapshots"), "-mindepth", "1", "-maxdepth", "1",
              "-mtime", "+1").stdout.split()
    new = run("find", mnt.p(WEB, "snapshots"), "-mindepth", "1", "-maxdepth", "1",
              "-mtime", "-1").stdout.split()
    assert [os.path.basename(p) for p in old] == ["nightly-1"]
    assert [os.path.basename(p) for p in new] == ["fresh"]


def test_find_walks_the_whole_mount(emu, mnt):
    out = run("find", mnt.path, "-path", "*/snapshots/*").stdout.split()
    assert [p[len(mnt.path):] for p in out] == ["/%s/snapshots/nightly-1" % WEB,
                                                "/%s/snapshots/nightly-1/snapshot.json" % WEB]


# ---- mkdir ---------------------------------------------------------------

def test_mkdir_uses_default_retention_option(emu, mount):
    m = mount(emu, "retention=+2d")
    before = time.time()
    os.mkdir(m.p(WEB, "snapshots", "kept-two-days"))
    r = epoch(by_name(emu, WEB, "kept-two-days")["retentionTime"])
    assert before + 2 * 86400 - 5 <= r <= time.time() + 2 * 86400 + 5


def test_mkdir_without_retention_is_permanent(emu, mnt):
    os.mkdir(mnt.p(WEB, "snapshots", "forever"))
    assert "retentionTime" not in by_name(emu, WEB, "forever")
    with pytest.raises(OSError) as e:
        os.getxattr(mnt.p(WEB, "snapshots", "forever"), "user.zec.retentionTime")
    assert e.value.errno == errno.ENODATA


def test_snapshots_dir_default_retention_per_disk(emu, mnt):
    snaps = mnt.p(DB, "snapshots")
    run("setfattr", "-n", "user.zec.retentionTime", "-v", "+1w", snaps)
    assert getfattr(snaps, "user.zec.retentionTime") == "+1w"
    os.mkdir(os.path.join(snaps, "weekly"))
    r = epoch(by_name(emu, DB, "weekly")["retentionTime"])
    assert abs(r - (time.time() + 7 * 86400)) < 10
    # another disk keeps the mount's default (permanent)
    os.mkdir(mnt.p(WEB, "snapshots", "other"))
    assert "retentionTime" not in by_name(emu, WEB, "other")


def test_wait_available_blocks_until_available(emu, mount):
    m = mount(emu, "wait_available=20")
    os.mkdir(m.p(WEB, "snapshots", "ready"))
    assert by_name(emu, WEB, "ready")["status"] == "AVAILABLE"
    assert getfattr(m.p(WEB, "snapshots", "ready"), "user.zec.status") == "AVAILABLE"


def test_wait_available_times_out(mount):
    with Emulator(seed=_strip_none(default_seed()), args=["--create-delay-ms", "60000"]) as e:
        m = mount(e, "wait_available=1")
        with pytest.raises(OSError) as err:
            os.mkdir(m.p(WEB, "snapshots", "slow"))
        assert err.value.errno == errno.ETIMEDOUT
        assert len([s for s in live(e, WEB) if s["snapshotName"] == "slow"]) == 1
        m.unmount()


def test_mkdir_outside_snapshots_is_eperm(emu, mnt):
    for p in (mnt.p("newdisk"), mnt.p(WEB, "other")):
        with pytest.raises(OSError) as e:
            os.mkdir(p)
        assert e.value.errno == errno.EPERM, p


def test_anything_inside_a_snapshot_is_erofs(emu, mnt):
    snap = mnt.p(WEB, "snapshots", "nightly-1")
    with pytest.raises(OSError) as e:
        os.mkdir(os.path.join(snap, "sub"))
    assert e.value.errno == errno.EROFS
    with pytest.raises(OSError) as e:
        open(os.path.join(snap, "file"), "w")
    assert e.value.errno == errno.EROFS
    with pytest.raises(OSError) as e:
        os.symlink("x", os.path.join(snap, "link"))
    assert e.value.errno == errno.EROFS
    # the one file a snapshot directory holds is read-only
    assert os.listdir(snap) == ["snapshot.json"]
    meta = os.path.join(snap, "snapshot.json")
    for attempt in (lambda: os.unlink(meta), lambda: os.truncate(meta, 0),
                    lambda: open(meta, "w"), lambda: open(meta, "a")):
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS


@pytest.mark.parametrize("op", ["create", "symlink", "mknod", "chmod", "chown", "utime"])
def test_other_operations_are_eperm(emu, mnt, op):
    target = mnt.p(WEB, "snapshots", "nightly-1")
    with pytest.raises(OSError) as e:
        if op == "create":
            open(mnt.p(WEB, "file"), "w")
        elif op == "symlink":
            os.symlink("x", mnt.p(WEB, "link"))
        elif op == "mknod":
            os.mkfifo(mnt.p(WEB, "fifo"))
        elif op == "chmod":
            os.chmod(target, 0o777)
        elif op == "chown":
            os.chown(target, 1, 1)
        elif op == "utime":
            os.utime(target, (0, 0))
    assert e.value.errno == errno.EPERM


# ---- rmdir ---------------------------------------------------------------

def test_rmdir_deletes_with_allow_delete(emu, mnt):
    path = mnt.p(WEB, "snapshots", "nightly-1")
    os.rmdir(path)
    assert not os.path.exists(path)
    assert "nightly-1" not in os.listdir(mnt.p(WEB, "snapshots"))
    assert live(emu, WEB) == []


def test_rmdir_without_allow_delete_is_eperm_and_logged(emu, mount):
    m = mount(emu)
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(WEB, "snapshots", "nightly-1"))
    assert e.value.errno == errno.EPERM
    assert "allow_delete" in m.output()
    assert calls(emu, "DeleteSnapshots") == {}


def test_rm_rf_without_allow_delete_deletes_nothing(emu, mount):
    m = mount(emu)
    r = run("rm", "-rf", m.path + "/", check=False)
    assert r.returncode != 0
    assert calls(emu, "DeleteSnapshots") == {}
    assert [s["snapshotName"] for s in live(emu, WEB)] == ["nightly-1"]
    assert len(emu.state()["disks"]) == 5


def test_rmdir_of_creating_snapshot_is_ebusy(mount):
    with Emulator(seed=_strip_none(default_seed()), args=["--create-delay-ms", "60000"]) as e:
        m = mount(e, "allow_delete")
        os.mkdir(m.p(WEB, "snapshots", "new"))
        with pytest.raises(OSError) as err:
            os.rmdir(m.p(WEB, "snapshots", "new"))
        assert err.value.errno == errno.EBUSY
        assert by_name(e, WEB, "new")["status"] == "CREATING"
        m.unmount()


def test_rmdir_of_disk_or_snapshots_dir_is_eperm(emu, mnt):
    # WEB holds a snapshot, DB none: empty or not, these are never removable
    for p in (mnt.p(WEB, "snapshots"), mnt.p(WEB), mnt.p(DB, "snapshots"), mnt.p(DB)):
        with pytest.raises(OSError) as e:
            os.rmdir(p)
        # docs/errors.md ZECFS_NOT_PERMITTED: mkdir/rmdir outside snapshots/
        assert e.value.errno == errno.EPERM, p
    assert calls(emu, "DeleteSnapshots") == {}


def test_find_prune_by_age_with_rmdir(emu, mnt):
    os.mkdir(mnt.p(WEB, "snapshots", "today"))
    run("find", mnt.p(WEB, "snapshots"), "-mindepth", "1", "-maxdepth", "1",
        "-mtime", "+2", "-exec", "rmdir", "{}", "+")
    assert sorted(os.listdir(mnt.p(WEB, "snapshots"))) == ["today"]
    assert [s["snapshotName"] for s in live(emu, WEB)] == ["today"]


# ---- rename --------------------------------------------------------------

def test_mv_renames_the_snapshot(emu, mnt):
    snaps = mnt.p(WEB, "snapshots")
    run("mv", os.path.join(snaps, "nightly-1"), os.path.join(snaps, "weekly-1"))
    assert os.listdir(snaps) == ["weekly-1"]
    s = by_name(emu, WEB, "weekly-1")
    assert s["snapshotId"] == NIGHTLY_ID
    assert calls(emu, "ModifySnapshotsAttribute").get("ok") == 1


def test_rename_onto_existing_is_eexist(emu, mnt):
    snaps = mnt.p(WEB, "snapshots")
    os.mkdir(os.path.join(snaps, "other"))
    with pytest.raises(OSError) as e:
        os.rename(os.path.join(snaps, "nightly-1"), os.path.join(snaps, "other"))
    assert e.value.errno == errno.EEXIST
    r = run("mv", os.path.join(snaps, "nightly-1"), os.path.join(snaps, "other"), check=False)
    assert r.returncode != 0
    assert sorted(s["snapshotName"] for s in live(emu, WEB)) == ["nightly-1", "other"]


def test_rename_to_another_disk_is_eperm_never_exdev(emu, mnt):
    src = mnt.p(WEB, "snapshots", "nightly-1")
    with pytest.raises(OSError) as e:
        os.rename(src, mnt.p(DB, "snapshots", "moved"))
    assert e.value.errno == errno.EPERM
    with pytest.raises(OSError) as e:
        os.rename(src, mnt.p(WEB, "moved"))
    assert e.value.errno == errno.EPERM
    r = run("mv", src, mnt.p(DB, "snapshots", "moved"), check=False)
    assert r.returncode != 0
    assert "Operation not permitted" in r.stderr
    assert "subdirectory of itself" not in r.stderr
    assert calls(emu, "CreateSnapshot") == {}
    assert calls(emu, "DeleteSnapshots") == {}
    assert [s["snapshotName"] for s in live(emu, WEB)] == ["nightly-1"]


@pytest.mark.parametrize("new,err,said,rule", [
    ("bad_name", errno.EPERM, "Operation not permitted",
     "the name holds a character other than a letter, a digit, '-' or '.'"),
    ("x", errno.EPERM, "Operation not permitted", "the name is shorter than 2 characters"),
    ("-lead", errno.EPERM, "Operation not permitted",
     "the name does not start and end with a letter or digit"),
    ("n" * 64, errno.ENAMETOOLONG, "File name too long", "the name is longer than 63 characters"),
])
def test_mv_to_a_bad_name_says_something_true_and_logs_the_rule(emu, mnt, new, err, said, rule):
    """GNU mv prints rename's EINVAL as "cannot move ... to a subdirectory
    of itself": a bad name is EPERM (ENAMETOOLONG for length), before any
    API call, and the log names the rule the name broke."""
    snaps = mnt.p(WEB, "snapshots")
    emu.reset_calls()
    with pytest.raises(OSError) as e:
        os.rename(os.path.join(snaps, "nightly-1"), os.path.join(snaps, new))
    assert e.value.errno == err
    r = run("mv", os.path.join(snaps, "nightly-1"), os.path.join(snaps, new), check=False)
    assert r.returncode == 1
    assert r.stderr.strip().endswith(": " + said), r.stderr
    assert "subdirectory of itself" not in r.stderr
    assert calls(emu, "ModifySnapshotsAttribute") == {}
    assert [s["snapshotName"] for s in live(emu, WEB)] == ["nightly-1"]
    refused = [l for l in mnt.output().splitlines() if "rename refused" in l]
    assert len(refused) == 2, refused               # one line per refusal
    assert "warn: rename refused path=/%s/snapshots/%s code=" % (WEB, new) in refused[0]
    assert 'reason="%s"' % rule in refused[0]


# ---- xattrs --------------------------------------------------------------

def test_getfattr_dump_of_a_snapshot(emu, mnt):
    out = run("getfattr", "-d", "--absolute-names", mnt.p(WEB, "snapshots", "nightly-1")).stdout
    for line in ['user.zec.snapshotId="%s"' % NIGHTLY_ID, 'user.zec.status="AVAILABLE"',
                 'user.zec.snapshotType="Manual"', 'user.zec.createTime="2026-11-01T02:00:00Z"',
                 'user.zec.zoneId="asia-east-1a"', 'user.zec.diskAbility="true"']:
        assert line in out.splitlines(), out


def test_getfattr_dump_of_a_disk(emu, mnt):
    out = run("getfattr", "-d", "--absolute-names", mnt.p(WEB)).stdout.splitlines()
    for line in ['user.zec.diskName="web-data"', 'user.zec.diskStatus="IN_USE"',
                 'user.zec.diskSize="100"', 'user.zec.zoneId="asia-east-1a"',
                 'user.zec.instanceId="910000000000000001"',
                 'user.zec.snapshotAbility="true"', 'user.zec.diskType="DATA"',
                 'user.zec.diskCategory="Standard NVMe SSD"']:
        assert line in out, out


def test_set_retention_absolute_relative_and_permanent(emu, mnt):
    snap = mnt.p(WEB, "snapshots", "nightly-1")
    when = rfc3339(time.time() + 3 * 86400)
    run("setfattr", "-n", "user.zec.retentionTime", "-v", when, snap)
    assert by_name(emu, WEB, "nightly-1")["retentionTime"] == when
    assert getfattr(snap, "user.zec.retentionTime") == when

    run("setfattr", "-n", "user.zec.retentionTime", "-v", "+2w", snap)
    r = epoch(by_name(emu, WEB, "nightly-1")["retentionTime"])
    assert abs(r - (time.time() + 14 * 86400)) < 10

    run("setfattr", "-n", "user.zec.retentionTime", "-v", "permanent", snap)
    assert "retentionTime" not in by_name(emu, WEB, "nightly-1")

    run("setfattr", "-n", "user.zec.retentionTime", "-v", "+30d", snap)
    run("setfattr", "-x", "user.zec.retentionTime", snap)
    assert "retentionTime" not in by_name(emu, WEB, "nightly-1")
    with pytest.raises(OSError) as e:
        os.getxattr(snap, "user.zec.retentionTime")
    assert e.value.errno == errno.ENODATA


@pytest.mark.parametrize("value", ["+1h", "+23h", "yesterday", "2020-01-01T00:00:00Z",
                                   "2027-02-30T00:00:00Z", "+0d", ""])
def test_bad_retention_is_einval(emu, mnt, value):
    with pytest.raises(OSError) as e:
        os.setxattr(mnt.p(WEB, "snapshots", "nightly-1"), "user.zec.retentionTime",
                    value.encode())
    assert e.value.errno == errno.EINVAL
    assert calls(emu, "ModifySnapshotsAttribute") == {}


def test_read_only_xattrs_are_eperm_unknown_enotsup_enodata(emu, mnt):
    snap = mnt.p(WEB, "snapshots", "nightly-1")
    with pytest.raises(OSError) as e:
        os.setxattr(snap, "user.zec.status", b"AVAILABLE")
    assert e.value.errno == errno.EPERM
    with pytest.raises(OSError) as e:
        os.setxattr(mnt.p(WEB), "user.zec.diskSize", b"1")
    assert e.value.errno == errno.EPERM
    with pytest.raises(OSError) as e:
        os.setxattr(snap, "user.other", b"x")
    assert e.value.errno == errno.ENOTSUP
    with pytest.raises(OSError) as e:
        os.getxattr(snap, "user.zec.nothing")
    assert e.value.errno == errno.ENODATA


def test_xattr_erange_protocol(emu, mnt):
    import ctypes
    import ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    path = mnt.p(WEB, "snapshots", "nightly-1").encode()
    name = b"user.zec.snapshotId"
    size = libc.getxattr(path, name, None, 0)
    assert size == len(NIGHTLY_ID)
    buf = ctypes.create_string_buffer(4)
    assert libc.getxattr(path, name, buf, 4) == -1
    assert ctypes.get_errno() == errno.ERANGE
    lsize = libc.listxattr(path, None, 0)
    assert lsize > 0
    small = ctypes.create_string_buffer(3)
    assert libc.listxattr(path, small, 3) == -1
    assert ctypes.get_errno() == errno.ERANGE


def test_set_disk_name(emu, mnt):
    run("setfattr", "-n", "user.zec.diskName", "-v", "web-data-renamed", mnt.p(WEB))
    held = [d for d in emu.state()["disks"] if d["diskId"] == WEB][0]
    assert held["diskName"] == "web-data-renamed"
    assert getfattr(mnt.p(WEB), "user.zec.diskName") == "web-data-renamed"
    assert "web-data-renamed" in os.listdir(mnt.p(".by-name"))


def test_rollback_needs_allow_rollback(emu, mnt):
    with pytest.raises(OSError) as e:
        os.setxattr(mnt.p(WEB), "user.zec.rollback", b"nightly-1")
    assert e.value.errno == errno.EPERM
    assert calls(emu, "ApplySnapshot") == {}


def test_rollback_applies_the_snapshot(emu, mount):
    m = mount(emu, "allow_rollback")
    run("setfattr", "-n", "user.zec.rollback", "-v", "nightly-1", m.p(WEB))
    assert calls(emu, "ApplySnapshot").get("ok") == 1
    held = [d for d in emu.state()["disks"] if d["diskId"] == WEB][0]
    assert held["diskStatus"] == "ROLLING_BACK"
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB), "user.zec.rollback", b"no-such-snapshot")
    assert e.value.errno == errno.ENOENT


# ---- caching and consistency ---------------------------------------------

def test_changes_by_others_appear_within_ttl(emu, mount):
    m = mount(emu, "cache_ttl=1")
    assert os.listdir(m.p(DB, "snapshots")) == []
    status, _ = emu.api("CreateSnapshot", {"diskId": DB, "snapshotName": "from-elsewhere"})
    assert status == 200
    wait_until(lambda: os.listdir(m.p(DB, "snapshots")) == ["from-elsewhere"],
               what="the listing to show a snapshot made by someone else")


def test_status_change_visible_within_ttl(emu, mount):
    m = mount(emu, "cache_ttl=1")
    path = m.p(WEB, "snapshots", "soon")
    os.mkdir(path)
    assert getfattr(path, "user.zec.status") == "CREATING"
    wait_until(lambda: getfattr(path, "user.zec.status") == "AVAILABLE",
               what="user.zec.status to become AVAILABLE")


def test_listing_is_cached_within_ttl(emu, mount):
    m = mount(emu, "cache_ttl=60")
    os.listdir(m.p(WEB, "snapshots"))
    emu.reset_calls()
    for _ in range(3):
        run("ls", "-l", m.p(WEB, "snapshots"))
        run("getfattr", "-d", m.p(WEB, "snapshots", "nightly-1"))
    assert emu.calls()["actions"] == {}


def test_cache_ttl_zero_always_asks(emu, mount):
    m = mount(emu, "cache_ttl=0")
    os.listdir(m.p(WEB, "snapshots"))
    emu.reset_calls()
    os.listdir(m.p(WEB, "snapshots"))
    assert calls(emu, "DescribeSnapshots").get("ok", 0) >= 1


def test_read_your_writes_with_a_long_ttl(emu, mount):
    m = mount(emu, "cache_ttl=3600", "allow_delete")
    snaps = m.p(WEB, "snapshots")
    assert os.listdir(snaps) == ["nightly-1"]
    os.mkdir(os.path.join(snaps, "a1"))
    assert sorted(os.listdir(snaps)) == ["a1", "nightly-1"]
    os.rename(os.path.join(snaps, "a1"), os.path.join(snaps, "b1"))
    assert sorted(os.listdir(snaps)) == ["b1", "nightly-1"]
    run("setfattr", "-n", "user.zec.retentionTime", "-v", "+3d", os.path.join(snaps, "b1"))
    assert getfattr(os.path.join(snaps, "b1"), "user.zec.retentionTime") == \
        by_name(emu, WEB, "b1")["retentionTime"]
    os.rmdir(os.path.join(snaps, "nightly-1"))
    assert os.listdir(snaps) == ["b1"]


def test_wait_available_eio_when_the_snapshot_fails(mount):
    import threading
    seed = _strip_none(default_seed())
    with Emulator(seed=seed, args=["--create-delay-ms", "60000"]) as e:
        m = mount(e, "wait_available=30")
        result = {}

        def mk():
            try:
                os.mkdir(m.p(WEB, "snapshots", "doomed"))
                result["err"] = 0
            except OSError as err:
                result["err"] = err.errno
        t = threading.Thread(target=mk)
        t.start()
        deadline = time.time() + 10
        while time.time() < deadline and not [s for s in e.snapshots(WEB)
                                              if s["snapshotName"] == "doomed"]:
            time.sleep(0.05)
        held = [s for s in e.snapshots(WEB) if s["snapshotName"] == "doomed"][0]
        failed = dict(held, status="FAILED")
        seed["snapshots"].append(failed)
        e.reset(seed)                 # the service marks it FAILED meanwhile
        t.join(30)
        assert result.get("err") == errno.EIO
        m.unmount()
