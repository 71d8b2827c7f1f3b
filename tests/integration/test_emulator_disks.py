"""zec-emulator with disk contents (--disk-data): images that CreateSnapshot
captures, CreateDisks and ApplySnapshot restore, that live and die with their
records and survive a restart with --state; the tar content upload; the
demo's files.  Files inside images are read with debugfs (no mount, no root)."""
import io
import os
import subprocess
import sys
import tarfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator, wait_until  # noqa: E402

D1, D2 = "100000000000000001", "100000000000000002"
ZA = "asia-east-1a"
SEED = {"disks": [
    {"diskId": D1, "diskName": "data-1", "zoneId": ZA, "diskSize": 20, "diskStatus": "AVAILABLE"},
    {"diskId": D2, "diskName": "data-2", "zoneId": ZA, "diskSize": 30, "diskStatus": "IN_USE",
     "instanceId": "300000000000000001"},
]}
GIB = 1 << 30
ARGS = ["--create-delay-ms", "0", "--delete-delay-ms", "0", "--rollback-delay-ms", "0"]


def tar_of(files: dict) -> bytes:
    """A tar archive holding files {path: text}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cat(image: str, path: str, offset: int = 0) -> str:
    """The text of path inside the ext4 image (debugfs: no mount needed)."""
    target = f"{image}?offset={offset}" if offset else image
    out = subprocess.run(["debugfs", "-R", f"cat {path}", target], capture_output=True,
                         text=True, check=True)
    return out.stdout


def xfs_ls(image: str, path: str, offset: int = 0, tmp=None) -> set:
    """The names in directory path of the XFS image (xfs_db: no mount); with
    offset, the filesystem starting there is copied out sparsely first."""
    if offset:
        part = os.path.join(str(tmp), "part.img")
        src = os.open(image, os.O_RDONLY)
        size = os.fstat(src).st_size - 2 * offset
        dst = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.ftruncate(dst, size)
        pos = offset
        while True:
            try:
                data = os.lseek(src, pos, os.SEEK_DATA)
            except OSError:
                break
            if data >= offset + size:
                break
            hole = min(os.lseek(src, data, os.SEEK_HOLE), offset + size)
            os.pwrite(dst, os.pread(src, hole - data, data), data - offset)
            pos = hole
        os.close(src)
        os.close(dst)
        image = part
    out = subprocess.run(["xfs_db", "-r", "-c", f"ls {path}", image], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[-2] for line in out.splitlines()[1:]
            if line.strip() and line.split()[-2] not in (".", "..")}


def ok(emu, action, body):
    status, doc = emu.api(action, body)
    assert status == 200, doc
    return doc["response"]


def snapshot(emu, disk_id, name):
    snap = ok(emu, "CreateSnapshot", {"diskId": disk_id, "snapshotName": name})["snapshotId"]
    wait_until(lambda: any(s["snapshotId"] == snap and s["status"] == "AVAILABLE"
                           for s in emu.state()["snapshots"]), what="snapshot AVAILABLE")
    return snap


def disk(emu, disk_id):
    return next((d for d in emu.state()["disks"] if d["diskId"] == disk_id), None)


@pytest.fixture
def data(tmp_path):
    return str(tmp_path / "disks")


@pytest.fixture
def emu(data):
    with Emulator(seed=SEED, args=ARGS + ["--disk-data", data]) as e:
        yield e


def img(data, kind, ident):
    return os.path.join(data, kind, ident + ".img")


def test_snapshot_captures_bytes_and_new_disk_and_rollback_restore_them(emu, data):
    st, doc = emu.put_content(D1, tar_of({"www/index.html": "v1\n", "etc/app.conf": "a=1\n"}))
    assert st == 200, doc
    assert cat(img(data, "disks", D1), "/www/index.html") == "v1\n"
    assert os.path.getsize(img(data, "disks", D1)) == 20 * GIB

    snap = snapshot(emu, D1, "first")
    st, doc = emu.put_content(D1, tar_of({"www/index.html": "v2\n"}))
    assert st == 200, doc
    assert cat(img(data, "disks", D1), "/www/index.html") == "v2\n"
    # the snapshot kept the bytes of the moment of the call
    assert cat(img(data, "snapshots", snap), "/www/index.html") == "v1\n"
    assert cat(img(data, "snapshots", snap), "/etc/app.conf") == "a=1\n"

    new = ok(emu, "CreateDisks", {"zoneId": ZA, "diskName": "restored", "diskSize": 40,
                                  "snapshotId": snap})["diskIds"][0]
    assert cat(img(data, "disks", new), "/www/index.html") == "v1\n"
    assert os.path.getsize(img(data, "disks", new)) == 40 * GIB

    ok(emu, "ApplySnapshot", {"diskId": D1, "snapshotId": snap})
    assert cat(img(data, "disks", D1), "/www/index.html") == "v1\n"
    assert cat(img(data, "disks", D1), "/etc/app.conf") == "a=1\n"


def test_images_are_sparse(emu, data):
    assert emu.put_content(D2, tar_of({"a.txt": "x" * 5000}))[0] == 200
    snap = snapshot(emu, D2, "sparse")
    for path in (img(data, "disks", D2), img(data, "snapshots", snap)):
        st = os.stat(path)
        assert st.st_size == 30 * GIB
        # a 30 GiB disk holding one small file: the holes stayed holes
        assert st.st_blocks * 512 < 128 << 20, (path, st.st_blocks)


def test_blank_disk_gives_blank_snapshot(emu, data):
    snap = snapshot(emu, D1, "blank")
    path = img(data, "snapshots", snap)
    assert os.path.getsize(path) == 20 * GIB
    assert os.stat(path).st_blocks == 0


def test_images_die_with_their_records(emu, data):
    assert emu.put_content(D1, tar_of({"f": "1"}))[0] == 200
    snap = snapshot(emu, D1, "doomed")
    assert os.path.exists(img(data, "snapshots", snap))
    ok(emu, "DeleteSnapshots", {"snapshotIds": [snap]})
    wait_until(lambda: not any(s["snapshotId"] == snap for s in emu.state()["snapshots"]),
               what="snapshot gone")
    wait_until(lambda: not os.path.exists(img(data, "snapshots", snap)), what="image gone")
    # a reset makes every record new: old images go
    emu.reset(SEED)
    assert os.listdir(os.path.join(data, "disks")) == []


def test_state_restart_keeps_images_seed_restart_wipes_them(data, tmp_path):
    state = str(tmp_path / "state.json")
    args = ARGS + ["--disk-data", data, "--state", state]
    with Emulator(seed=SEED, args=args) as e:
        assert e.put_content(D1, tar_of({"kept.txt": "kept\n"}))[0] == 200
        snap = snapshot(e, D1, "kept")
    # a stray image of no record is removed at start
    open(img(data, "snapshots", "999"), "w").close()
    with Emulator(seed=SEED, args=args) as e:
        assert any(s["snapshotId"] == snap for s in e.state()["snapshots"])
        assert cat(img(data, "disks", D1), "/kept.txt") == "kept\n"
        assert cat(img(data, "snapshots", snap), "/kept.txt") == "kept\n"
        assert not os.path.exists(img(data, "snapshots", "999"))
    # without --state the seed's records are new ones: blank
    with Emulator(seed=SEED, args=ARGS + ["--disk-data", data]) as e:
        assert e.state()["snapshots"] == []
        assert not os.path.exists(img(data, "disks", D1))
        assert not os.path.exists(img(data, "snapshots", snap))


def test_demo_data_disks_have_files(tmp_path):
    data = str(tmp_path / "demo")
    with Emulator(args=["--demo", "--disk-data", data]) as e:
        disks = {d["diskName"]: d["diskId"] for d in e.state()["disks"]}
        web = img(data, "disks", disks["web-01-data"])
        assert "It works" in cat(web, "/www/index.html")
        assert "root /data/www" in cat(web, "/nginx/sites-enabled/default.conf")
        dump = cat(img(data, "disks", disks["db-01-data"]), "/backups/db-2026-01-05.sql")
        assert "CREATE TABLE customers" in dump
        # the system disk has no demo files: it stays blank
        assert not os.path.exists(img(data, "disks", disks["web-01-system"]))
        # a demo snapshot of web-01-data holds them too
        snap = ok(e, "CreateSnapshot", {"diskId": disks["web-01-data"],
                                        "snapshotName": "now"})["snapshotId"]
        assert "It works" in cat(img(data, "snapshots", snap), "/www/index.html")


def test_content_partitioned(emu, data):
    st, doc = emu.put_content(D1, tar_of({"p/q.txt": "in a partition\n"}), partitioned=1)
    assert st == 200, doc
    path = img(data, "disks", D1)
    table = subprocess.run(["sfdisk", "--dump", path], capture_output=True, text=True,
                           check=True).stdout
    assert "label: gpt" in table and "start=        2048" in table
    assert cat(path, "/p/q.txt", offset=1 << 20) == "in a partition\n"


def test_content_xfs(emu, data, tmp_path):
    tree = {"www/index.html": "x\n", "etc/app.conf": "a=1\n"}
    st, doc = emu.put_content(D1, tar_of(tree), fs="xfs")
    assert (st, doc.get("fs")) == (200, "xfs"), doc
    path = img(data, "disks", D1)
    assert xfs_ls(path, "/www") == {"index.html"}
    assert xfs_ls(path, "/etc") == {"app.conf"}
    # a snapshot and a disk made from it carry it
    snap = snapshot(emu, D1, "xfs")
    new = ok(emu, "CreateDisks", {"zoneId": ZA, "diskName": "x", "diskSize": 20,
                                  "snapshotId": snap})["diskIds"][0]
    assert xfs_ls(img(data, "disks", new), "/www") == {"index.html"}
    st, doc = emu.put_content(D2, tar_of(tree), fs="xfs", partitioned=1)
    assert st == 200, doc
    assert xfs_ls(img(data, "disks", D2), "/www", offset=1 << 20, tmp=tmp_path) == \
        {"index.html"}
    # mkfs.xfs -p takes names split at white space: such a tree is refused
    st, doc = emu.put_content(D1, tar_of({"a name.txt": "x"}), fs="xfs")
    assert st == 400 and "a name.txt" in doc["error"]


def test_content_refusals(emu, data):
    tar = tar_of({"a": "b"})
    assert emu.put_content("404404", tar)[0] == 404
    st, doc = emu.put_content(D1, tar, content_type="application/json")
    assert st == 415 and "application/x-tar" in doc["error"]
    st, doc = emu.put_content(D1, b"not a tar archive" * 100)
    assert st == 400 and "tar" in doc["error"]
    st, doc = emu.put_content(D1, tar, fs="btrfs")
    assert st == 400
    st, doc = emu.put_content(D1, tar, partitioned=2)
    assert st == 400
    emu.set_disk(D1, diskStatus="RECYCLED")
    st, doc = emu.put_content(D1, tar)
    assert st == 409 and "RECYCLED" in doc["error"]
    # nothing was written
    assert not os.path.exists(img(data, "disks", D1))
    assert os.listdir(os.path.join(data, "tmp")) == []


def test_content_without_disk_data_is_refused():
    with Emulator(seed=SEED) as e:
        st, doc = e.put_content(D1, tar_of({"a": "b"}))
        assert st == 409 and "--disk-data" in doc["error"]
