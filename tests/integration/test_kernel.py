"""The daemon on libfuse's low-level API, as a user sees it: stable inode
numbers, complete listings of large directories on every libfuse (real
readdir offsets, never d_ino 0), lookup counts returned to zecfs when the
kernel forgets, snapshots.json, and read-your-writes through the kernel's
caches (directory contents are cached by the kernel for cache_ttl)."""

import errno
import json
import os
import subprocess
import time

import pytest

from conftest import DB, WEB, _disk, _strip_none, default_seed
from emulator import Emulator


def big_seed(n_disks, snaps_on_first):
    seed = {"disks": [_disk(str(862857204414700000 + i), "d-%04d" % i)
                      for i in range(n_disks)], "snapshots": []}
    first = seed["disks"][0]["diskId"]
    for i in range(snaps_on_first):
        seed["snapshots"].append({
            "snapshotId": str(810000000000000000 + i), "snapshotName": "s-%05d" % i,
            "diskId": first, "status": "AVAILABLE",
            "createTime": "2026-10-%02dT00:00:00Z" % (1 + i % 28)})
    return seed


@pytest.fixture
def big():
    e = Emulator(seed=big_seed(1200, 1500), args=["--snapshot-quota", "2000"])
    e.start()
    yield e
    e.stop()


@pytest.fixture
def fast():
    """The default seed; snapshots are AVAILABLE at once, so they can be removed."""
    e = Emulator(seed=_strip_none(default_seed()), args=["--create-delay-ms", "0", "--delete-delay-ms", "0"])
    e.start()
    yield e
    e.stop()


def stats(m):
    with open(m.p(".zecfs", "stats")) as f:
        return json.load(f)


def test_large_directories_list_completely_with_real_inode_numbers(big, mount):
    m = mount(big)
    entries = list(os.scandir(m.path))
    disks = [e for e in entries if not e.name.startswith(".")]
    assert len(disks) == 1200
    assert all(e.inode() != 0 for e in entries)
    assert len({e.inode() for e in disks}) == 1200
    first = str(862857204414700000)
    snaps = list(os.scandir(m.p(first, "snapshots")))
    assert sorted(e.name for e in snaps) == ["s-%05d" % i for i in range(1500)]
    for e in snaps[::97]:
        assert e.inode() == os.stat(e.path).st_ino != 0
    # a second pass, from the kernel's cache, is the same
    assert sorted(e.name for e in os.scandir(m.p(first, "snapshots"))) == \
        sorted(e.name for e in snaps)
    # plain readdir (no attributes), as ls without -l does
    out = subprocess.run(["ls", "-f", m.p(first, "snapshots")], capture_output=True,
                         text=True, check=True).stdout.split()
    assert len(out) == 1502


def test_inode_numbers_are_stable(emu, mount):
    m = mount(emu, "allow_delete")
    os.mkdir(m.p(DB, "snapshots", "snap-a"))
    ino = os.stat(m.p(DB, "snapshots", "snap-a")).st_ino
    disk_ino = os.stat(m.p(DB)).st_ino
    os.rename(m.p(DB, "snapshots", "snap-a"), m.p(DB, "snapshots", "snap-b"))
    assert os.stat(m.p(DB, "snapshots", "snap-b")).st_ino == ino
    m.unmount()
    m2 = mount(emu, name="again")
    assert os.stat(m2.p(DB, "snapshots", "snap-b")).st_ino == ino
    assert os.stat(m2.p(DB)).st_ino == disk_ino
    assert os.stat(m2.path).st_ino == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="drop_caches needs root")
def test_forget_returns_inodes_to_zecfs(big, mount):
    m = mount(big)
    subprocess.run(["find", m.path], check=True, stdout=subprocess.DEVNULL)
    held = stats(m)["inodes"]
    assert held > 1500
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2\n")
    assert stats(m)["inodes"] < held / 10


def test_snapshots_json_is_the_listing(fast, mount):
    emu = fast
    m = mount(emu, "allow_delete")
    os.mkdir(m.p(WEB, "snapshots", "second"))
    path = m.p(WEB, "snapshots.json")
    with open(path) as f:
        text = f.read()
    assert text.endswith("\n")
    assert os.stat(path).st_size == len(text.encode())
    records = json.loads(text)
    assert [r["snapshotName"] for r in records] == sorted(os.listdir(m.p(WEB, "snapshots")))
    server = {s["snapshotId"]: s for s in emu.state()["snapshots"] if s["diskId"] == WEB}
    assert {r["snapshotId"] for r in records} == set(server)
    for r in records:
        assert r["diskId"] == WEB
        assert r["createTime"] and r["status"] in ("CREATING", "AVAILABLE")
    # read-only
    with pytest.raises(OSError) as e:
        open(path, "w")
    assert e.value.errno == errno.EPERM
    # read-your-writes: a removed snapshot leaves it at once
    old = [r["snapshotName"] for r in records if r["status"] == "AVAILABLE"][0]
    os.rmdir(m.p(WEB, "snapshots", old))
    with open(path) as f:
        assert old not in [r["snapshotName"] for r in json.load(f)]


def test_snapshots_json_of_a_disk_without_snapshots(emu, mount):
    m = mount(emu)
    with open(m.p(DB, "snapshots.json")) as f:
        assert f.read() == "[]\n"


def test_non_user_xattrs_cost_no_api_call(emu, mount):
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    before = emu.calls()["total"] if "total" in emu.calls() else json.dumps(emu.calls()["actions"])
    # no labels, no ACLs: ENOTSUP, which ls remembers for the whole mount
    for name in ("security.selinux", "system.posix_acl_access", "system.posix_acl_default"):
        with pytest.raises(OSError) as e:
            os.getxattr(m.p(WEB, "snapshots"), name)
        assert e.value.errno == errno.ENOTSUP
    # the user namespace is supported: an unknown name there has no data
    with pytest.raises(OSError) as e:
        os.getxattr(m.p(WEB, "snapshots"), "user.other")
    assert e.value.errno == errno.ENODATA
    after = emu.calls()["total"] if "total" in emu.calls() else json.dumps(emu.calls()["actions"])
    assert before == after


def test_kernel_cached_listing_shows_own_changes_at_once(fast, mount):
    emu = fast
    m = mount(emu, "allow_delete", "cache_ttl=3600")
    snaps = m.p(DB, "snapshots")
    assert os.listdir(snaps) == []
    os.mkdir(os.path.join(snaps, "snap-x"))
    assert os.listdir(snaps) == ["snap-x"]
    os.rename(os.path.join(snaps, "snap-x"), os.path.join(snaps, "snap-y"))
    assert os.listdir(snaps) == ["snap-y"]
    os.rmdir(os.path.join(snaps, "snap-y"))
    assert os.listdir(snaps) == []
    # a disk rename reaches .by-name at once, although the kernel caches it
    assert "db-data" in os.listdir(m.p(".by-name"))
    os.setxattr(m.p(DB), "user.zec.diskName", b"db-renamed")
    names = os.listdir(m.p(".by-name"))
    assert "db-renamed" in names and "db-data" not in names
    assert os.readlink(m.p(".by-name", "db-renamed")) == "../" + DB
    assert not os.path.lexists(m.p(".by-name", "db-data"))


def test_a_snapshot_removed_elsewhere_leaves_the_kernel_with_the_listing(fast, mount):
    """The kernel caches entries for cache_ttl; once zecfs's listing shows
    a snapshot gone, the kernel's entry for it is dropped at once, not when
    its own timeout ends."""
    emu = fast
    m = mount(emu, "cache_ttl=5")
    snaps = m.p(DB, "snapshots")
    assert os.listdir(snaps) == []                  # the listing: t0
    deadline = time.time() + 2.5
    while time.time() < deadline:                   # the entry made at t0 + 2.5
        pass
    os.mkdir(os.path.join(snaps, "short-lived"))
    entry_expires = time.time() + 5                 # the kernel's own timeout
    assert os.path.isdir(os.path.join(snaps, "short-lived"))
    sid = [s["snapshotId"] for s in emu.state()["snapshots"]
           if s["snapshotName"] == "short-lived"][0]
    status, _ = emu.api("DeleteSnapshots", {"snapshotIds": [sid]})
    assert status == 200
    # zecfs refetches once the listing is older than the TTL (t0 + 5)
    limit = time.time() + 20
    while "short-lived" in os.listdir(snaps):
        assert time.time() < limit
    # the kernel's entry, good until t0 + 7.5, goes with the listing (the
    # notification is sent once the directory read that found it is over)
    while os.path.exists(os.path.join(snaps, "short-lived")):
        assert time.time() < limit
    assert time.time() < entry_expires - 1
