"""setxattr's flags and values through a real mount: XATTR_CREATE on an
attribute with a value is EEXIST, XATTR_REPLACE on one without is ENODATA,
and a value with a NUL inside is EINVAL for every writable attribute, all
before any API call (the emulator holds what it held)."""

import errno
import os

import pytest

from conftest import DB, WEB


def calls(emu, action):
    a = emu.calls().get("actions", {}).get(action, {})
    return a.get("ok", 0) + a.get("failed", 0)


def disk(emu, disk_id):
    return [d for d in emu.state()["disks"] if d["diskId"] == disk_id][0]


def snapshot(emu, name):
    return [s for s in emu.state()["snapshots"] if s["snapshotName"] == name][0]


def refused(path, name, value, flags, err):
    with pytest.raises(OSError) as e:
        os.setxattr(path, name, value, flags)
    assert e.value.errno == err, (name, value, os.strerror(e.value.errno))


def test_create_on_an_existing_attribute_is_eexist(emu, mount):
    m = mount(emu)
    refused(m.p(WEB), "user.zec.diskName", b"renamed", os.XATTR_CREATE, errno.EEXIST)
    assert disk(emu, WEB)["diskName"] == "web-data"
    assert calls(emu, "ModifyDisksAttributes") == 0
    # REPLACE of an attribute with a value is a normal write
    os.setxattr(m.p(WEB), "user.zec.diskName", b"renamed", os.XATTR_REPLACE)
    assert disk(emu, WEB)["diskName"] == "renamed"

    snap = m.p(WEB, "snapshots", "nightly-1")
    os.setxattr(snap, "user.zec.retentionTime", b"+30d", os.XATTR_CREATE)
    assert "retentionTime" in snapshot(emu, "nightly-1")
    before = calls(emu, "ModifySnapshotsAttribute")
    refused(snap, "user.zec.retentionTime", b"+40d", os.XATTR_CREATE, errno.EEXIST)
    assert calls(emu, "ModifySnapshotsAttribute") == before


def test_replace_on_a_missing_attribute_is_enodata(emu, mount):
    m = mount(emu, "allow_restore", "allow_rollback")
    snap = m.p(WEB, "snapshots", "nightly-1")
    # kept forever: no retentionTime to replace
    refused(snap, "user.zec.retentionTime", b"+30d", os.XATTR_REPLACE, errno.ENODATA)
    assert "retentionTime" not in snapshot(emu, "nightly-1")
    assert calls(emu, "ModifySnapshotsAttribute") == 0
    # no schedule on the disk yet
    refused(m.p(DB), "user.zec.autoSnapshot", b"days=mon hours=2 keep=14",
            os.XATTR_REPLACE, errno.ENODATA)
    assert calls(emu, "CreateAutoSnapshotPolicy") == 0
    # the write-only triggers never have a value
    refused(snap, "user.zec.restoreTo", b"restored-1", os.XATTR_REPLACE, errno.ENODATA)
    refused(m.p(WEB), "user.zec.rollback", b"nightly-1", os.XATTR_REPLACE, errno.ENODATA)
    assert len(emu.state()["disks"]) == 5
    assert calls(emu, "CreateDisks") == 0 and calls(emu, "ApplySnapshot") == 0
    # the snapshots/ directory has no default retention on this mount
    refused(m.p(WEB, "snapshots"), "user.zec.retentionTime", b"+30d",
            os.XATTR_REPLACE, errno.ENODATA)
    assert os.listxattr(m.p(WEB, "snapshots")) == []


@pytest.mark.parametrize("where,name,value", [
    ("snap", "user.zec.restoreTo", b"cd\0zz"),
    ("disk", "user.zec.diskName", b"cd\0zz"),
    ("snap", "user.zec.retentionTime", b"+30d\0zz"),
    ("snapdir", "user.zec.retentionTime", b"+30d\0zz"),
    ("disk", "user.zec.autoSnapshot", b"days=mon hours=2 keep=14\0zz"),
    ("disk", "user.zec.rollback", b"nightly-1\0zz"),
])
def test_a_nul_inside_a_value_is_einval(emu, mount, where, name, value):
    m = mount(emu, "allow_restore", "allow_rollback")
    path = {"snap": m.p(WEB, "snapshots", "nightly-1"), "disk": m.p(WEB),
            "snapdir": m.p(WEB, "snapshots")}[where]
    before = emu.state()
    emu.reset_calls()
    refused(path, name, value, 0, errno.EINVAL)
    after = emu.state()
    assert after["disks"] == before["disks"]
    assert after["snapshots"] == before["snapshots"]
    assert not [d for d in after["disks"] if d.get("diskName") == "cd"]
    assert sum(v.get("ok", 0) + v.get("failed", 0)
               for k, v in emu.calls().get("actions", {}).items()
               if not k.startswith("Describe")) == 0
    assert os.listxattr(m.p(WEB, "snapshots")) == []


def test_a_trailing_nul_is_the_terminator_not_part_of_the_value(emu, mount):
    m = mount(emu, "allow_restore")
    os.setxattr(m.p(WEB, "snapshots", "nightly-1"), "user.zec.restoreTo", b"restored-2\0")
    assert [d for d in emu.state()["disks"] if d.get("diskName") == "restored-2"]
    os.setxattr(m.p(WEB), "user.zec.diskName", b"web-2\0\0")
    assert disk(emu, WEB)["diskName"] == "web-2"
