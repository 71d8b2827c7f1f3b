"""zec-emulator's hypervisor side (--host-instance, --disk-data, --device-dir):
a disk attached to the instance that is this machine becomes a loop device of
its image, linked as DIR/virtio-<serial>; the whole round trip of a tree
through a snapshot, a new disk, an attach and a read-only mount.  Needs root
and loop devices (CI runs as root); every loop device and mount is removed."""
import hashlib
import os
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator, wait_until  # noqa: E402
from test_emulator_disks import tar_of  # noqa: E402

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/dev/loop-control"),
    reason="loop devices need root and /dev/loop-control (CI runs as root)")

HOST, OTHER = "300000000000000099", "300000000000000001"
D1, D_OTHER = "100000000000000001", "100000000000000002"
ZA = "asia-east-1a"
SEED = {"disks": [
    {"diskId": D1, "diskName": "source", "zoneId": ZA, "diskSize": 20, "diskStatus": "AVAILABLE"},
    {"diskId": D_OTHER, "diskName": "elsewhere", "zoneId": ZA, "diskSize": 20,
     "instanceId": OTHER},
]}
TREE_1 = {"www/index.html": "<h1>one</h1>\n", "etc/app.conf": "answer=42\n",
          "data/blob.bin": "x" * 100000}
TREE_2 = {"www/index.html": "<h1>two</h1>\n"}


def loops_of(data: str) -> list[str]:
    """The loop devices whose backing file is under data (losetup -a)."""
    out = subprocess.run(["losetup", "--list", "--noheadings", "-O", "NAME,BACK-FILE"],
                         capture_output=True, text=True, check=True).stdout
    real = os.path.realpath(data)
    return [line.split()[0] for line in out.splitlines()
            if len(line.split()) > 1 and line.split()[1].startswith(real)]


def checksums(root: str) -> dict:
    sums = {}
    for top, _, files in os.walk(root):
        for name in files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, root)
            if rel.startswith("lost+found"):
                continue
            with open(path, "rb") as f:
                sums[rel] = hashlib.sha256(f.read()).hexdigest()
    return sums


def tree_sums(files: dict) -> dict:
    return {k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}


def ok(emu, action, body):
    status, doc = emu.api(action, body)
    assert status == 200, (action, doc)
    return doc["response"]


def disk(emu, disk_id):
    found = ok(emu, "DescribeDisks", {"diskIds": [disk_id]})["dataSet"]
    return found[0] if found else None


def wait_status(emu, disk_id, status):
    wait_until(lambda: (disk(emu, disk_id) or {}).get("diskStatus") == status,
               what=f"disk {disk_id} {status}")


@pytest.fixture
def dirs(tmp_path):
    data, dev = str(tmp_path / "data"), str(tmp_path / "dev")
    yield data, dev
    # whatever happened, nothing of ours stays attached or mounted
    subprocess.run(["umount", "-q", str(tmp_path / "mnt")], capture_output=True)
    for loop in loops_of(data):
        subprocess.run(["losetup", "-d", loop], capture_output=True)
    assert loops_of(data) == []


def start(data, dev, **kw):
    return Emulator(seed=SEED, args=["--disk-data", data, "--device-dir", dev,
                                     "--host-instance", HOST, "--create-delay-ms", "0",
                                     "--disk-op-delay-ms", "50", "--delete-delay-ms", "0"],
                    **kw)


def test_round_trip_through_a_snapshot_and_a_loop_device(dirs, tmp_path):
    data, dev = dirs
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    with start(data, dev) as emu:
        # 1. a tree into a disk, and a snapshot of it
        assert emu.put_content(D1, tar_of(TREE_1))[0] == 200
        snap = ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "one"})["snapshotId"]
        # 2. the tree changes; a disk from the snapshot
        assert emu.put_content(D1, tar_of(TREE_2))[0] == 200
        wait_until(lambda: any(s["snapshotId"] == snap and s["status"] == "AVAILABLE"
                               for s in emu.state()["snapshots"]), what="snapshot")
        new = ok(emu, "CreateDisks", {"zoneId": ZA, "diskName": "from-one", "diskSize": 20,
                                      "snapshotId": snap})["diskIds"][0]
        wait_status(emu, new, "AVAILABLE")
        # 3. attached here: DIR/virtio-<serial>, mounted read-only
        ok(emu, "AttachDisks", {"diskIds": [new], "instanceId": HOST})
        wait_status(emu, new, "IN_USE")
        link = os.path.join(dev, "virtio-" + disk(emu, new)["serial"])
        assert os.path.islink(link) and os.readlink(link).startswith("/dev/loop")
        assert os.readlink(link) in loops_of(data)
        subprocess.run(["mount", "-o", "ro", link, str(mnt)], check=True)
        try:
            # 4. the first tree, byte for byte
            assert checksums(str(mnt)) == tree_sums(TREE_1)
        finally:
            # 5. unmount, detach, release twice
            subprocess.run(["umount", str(mnt)], check=True)
        resp = ok(emu, "DetachDisks", {"diskIds": [new], "instanceCheckFlag": False})
        assert resp["failedDiskIds"] == []
        wait_status(emu, new, "AVAILABLE")
        assert not os.path.lexists(link)
        assert loops_of(data) == []
        ok(emu, "ReleaseDisk", {"diskId": new})
        wait_status(emu, new, "RECYCLED")
        ok(emu, "ReleaseDisk", {"diskId": new})
        assert disk(emu, new) is None
        assert not os.path.exists(os.path.join(data, "disks", new + ".img"))
    assert loops_of(data) == []


def test_partitions_get_part_links_and_others_disks_stay_away(dirs, tmp_path):
    data, dev = dirs
    with start(data, dev) as emu:
        assert emu.put_content(D1, tar_of(TREE_1), partitioned=1)[0] == 200
        ok(emu, "AttachDisks", {"diskIds": [D1], "instanceId": HOST})
        wait_status(emu, D1, "IN_USE")
        link = os.path.join(dev, "virtio-" + disk(emu, D1)["serial"])
        part = link + "-part1"
        assert os.readlink(part) == os.readlink(link) + "p1"
        # a disk of another instance never appears here
        assert not os.path.lexists(os.path.join(dev, "virtio-" + disk(emu, D_OTHER)["serial"]))
        # a resize grows the device too
        ok(emu, "ResizeDisk", {"diskId": D1, "diskSize": 30})
        size = subprocess.run(["blockdev", "--getsize64", link], capture_output=True,
                              text=True, check=True).stdout
        assert int(size) == 30 << 30
    # the emulator's exit detached it
    assert loops_of(data) == []
    assert not os.path.lexists(link)


def test_an_xfs_partition_mounts(dirs, tmp_path):
    data, dev = dirs
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    with start(data, dev) as emu:
        assert emu.put_content(D1, tar_of(TREE_1), fs="xfs", partitioned=1)[0] == 200
        ok(emu, "AttachDisks", {"diskIds": [D1], "instanceId": HOST})
        wait_status(emu, D1, "IN_USE")
        part = os.path.join(dev, "virtio-" + disk(emu, D1)["serial"] + "-part1")
        wait_until(lambda: os.path.exists(part), what="the partition's device node")
        subprocess.run(["mount", "-t", "xfs", "-o", "ro", part, str(mnt)], check=True)
        try:
            assert checksums(str(mnt)) == tree_sums(TREE_1)
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
    assert loops_of(data) == []


def test_a_snapshot_captures_what_was_written_to_the_device(dirs):
    data, dev = dirs
    with start(data, dev) as emu:
        ok(emu, "AttachDisks", {"diskIds": [D1], "instanceId": HOST})
        wait_status(emu, D1, "IN_USE")
        link = os.path.join(dev, "virtio-" + disk(emu, D1)["serial"])
        # the guest writes; nothing syncs: the bytes sit in the page cache
        fd = os.open(link, os.O_WRONLY)
        try:
            os.pwrite(fd, b"written by the guest", 5 << 20)
        finally:
            os.close(fd)
        snap = ok(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "now"})["snapshotId"]
        with open(os.path.join(data, "snapshots", snap + ".img"), "rb") as f:
            f.seek(5 << 20)
            assert f.read(20) == b"written by the guest"


def test_a_killed_emulator_leaves_no_loop_device_and_the_next_clears_links(dirs):
    data, dev = dirs
    emu = start(data, dev).start()
    try:
        ok(emu, "AttachDisks", {"diskIds": [D1], "instanceId": HOST})
        wait_status(emu, D1, "IN_USE")
        assert len(loops_of(data)) == 1
        link = os.path.join(dev, "virtio-" + disk(emu, D1)["serial"])
    finally:
        proc, emu.proc = emu.proc, None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        emu.stop()
    # autoclear: the kernel detached it when the emulator's fd closed
    wait_until(lambda: loops_of(data) == [], what="loop device detached")
    assert os.path.islink(link)
    # a stale loop device of our images, as a crash of another kind leaves
    img = os.path.join(data, "disks", D1 + ".img")
    stale = subprocess.run(["losetup", "-f", "--show", img], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert loops_of(data) == [stale]
    with start(data, dev):
        assert not os.path.lexists(link)
        assert loops_of(data) == []


def test_disks_on_the_host_in_the_seed_appear_at_start(dirs):
    data, dev = dirs
    seed = {"disks": [{"diskId": D1, "zoneId": ZA, "diskSize": 20, "instanceId": HOST}]}
    with Emulator(seed=seed, args=["--disk-data", data, "--device-dir", dev,
                                   "--host-instance", HOST]) as emu:
        link = os.path.join(dev, "virtio-" + disk(emu, D1)["serial"])
        assert os.path.islink(link) and len(loops_of(data)) == 1
        # a reset detaches and attaches again what the seed says
        emu.reset({"disks": [{"diskId": D1, "zoneId": ZA, "diskSize": 20,
                              "diskStatus": "AVAILABLE"}]})
        assert not os.path.lexists(link) and loops_of(data) == []
    assert loops_of(data) == []
