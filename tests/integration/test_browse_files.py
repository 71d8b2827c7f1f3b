"""What a user reads under snapshots/<name>/files/: each snapshot's tree as it
was (diff -r), stable and unique inode numbers (hard links share one), every
change refused with EROFS, restic backing it up and restoring it, a
partitioned disk's part1/ and an xfs disk.  Real mounts against zec-emulator
--disk-data --host-instance --device-dir, as root (the lab of
test_browse_lifecycle.py, which also checks that every teardown leaves no
disk, loop device or mount)."""
import errno
import io
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_browse_lifecycle import D1, lab, snapshot, all_gone  # noqa: E402,F401

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/dev/loop-control"),
    reason="a browse attaches loop devices and mounts them: needs root (CI runs as root)")

BIG = bytes(range(256)) * 4096 + b"tail"      # 1 MiB and a bit: several reads
TREE_A = {"etc/app.conf": b"answer=42\n", "www/index.html": b"<h1>one</h1>\n",
          "data/big.bin": BIG, "secret/key": b"k1\n"}
TREE_B = {"etc/app.conf": b"answer=43\n", "www/new.html": b"<h1>two</h1>\n",
          "data/big.bin": BIG[::-1], "secret/key": b"k2\n"}


def tar_tree(files: dict) -> bytes:
    """A tar of files {path: bytes}, plus a symlink and a hard link."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o600 if path.startswith("secret/") else 0o644
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("etc/link.conf")
        link.type, link.linkname = tarfile.SYMTYPE, "app.conf"
        t.addfile(link)
        hard = tarfile.TarInfo("etc/hard.conf")
        hard.type, hard.linkname = tarfile.LNKTYPE, "etc/app.conf"
        t.addfile(hard)
    return buf.getvalue()


def write_tree(root, files: dict):
    for path, data in files.items():
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        if path.startswith("secret/"):
            os.chmod(p, 0o600)
    os.symlink("app.conf", os.path.join(root, "etc", "link.conf"))
    os.link(os.path.join(root, "etc", "app.conf"), os.path.join(root, "etc", "hard.conf"))


def diff(a, b):
    r = subprocess.run(["diff", "-r", "--no-dereference", a, b], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def put(lab, files, **kw):
    status, doc = lab.emu.put_content(D1, tar_tree(files), **kw)
    assert status == 200, doc


def test_each_snapshot_shows_the_tree_it_had(lab, tmp_path):
    put(lab, TREE_A)
    snapshot(lab.emu, D1, "aa")
    put(lab, TREE_B)
    snapshot(lab.emu, D1, "bb")
    m = lab.mount("allow_browse")
    for name, files in (("aa", TREE_A), ("bb", TREE_B)):
        want = tmp_path / ("want-" + name)
        write_tree(str(want), files)
        got = m.p(D1, "snapshots", name, "files")
        # the mounted filesystem's own lost+found is not part of the tree
        code, out = diff(str(want), got)
        out = "\n".join(line for line in out.splitlines() if "lost+found" not in line)
        assert out == "", out
    snapdir = m.p(D1, "snapshots", "aa")
    assert "files" not in os.listdir(snapdir)
    files = os.path.join(snapdir, "files")
    st1, st2 = os.stat(os.path.join(files, "etc/app.conf")), \
        os.stat(os.path.join(files, "etc/hard.conf"))
    assert st1.st_ino == st2.st_ino and st1.st_nlink == 2
    assert st1.st_ino >> 63 == 1                      # never one of zecfs's own numbers
    other = os.stat(m.p(D1, "snapshots", "bb", "files", "etc/app.conf"))
    assert other.st_ino != st1.st_ino
    assert os.stat(os.path.join(files, "secret/key")).st_mode & 0o777 == 0o600
    assert os.readlink(os.path.join(files, "etc/link.conf")) == "app.conf"
    # a file restore
    shutil.copy(os.path.join(files, "etc/app.conf"), tmp_path / "app.conf")
    assert (tmp_path / "app.conf").read_bytes() == b"answer=42\n"
    assert os.statvfs(files).f_blocks > 0


def test_every_change_under_files_is_erofs(lab, tmp_path):
    put(lab, TREE_A)
    snapshot(lab.emu, D1, "aa")
    m = lab.mount("allow_browse")
    files = m.p(D1, "snapshots", "aa", "files")
    conf = os.path.join(files, "etc", "app.conf")
    for argv in (["touch", conf], ["touch", os.path.join(files, "new")],
                 ["mkdir", os.path.join(files, "d")], ["rm", conf],
                 ["mv", conf, os.path.join(files, "etc", "moved")],
                 ["sh", "-c", f"echo x > {conf}"], ["sh", "-c", f"echo x >> {conf}"],
                 ["setfattr", "-n", "user.x", "-v", "1", conf],
                 ["ln", "-s", "x", os.path.join(files, "sym")],
                 ["chmod", "777", conf], ["rmdir", os.path.join(files, "www")]):
        r = subprocess.run(argv, capture_output=True, text=True)
        assert r.returncode != 0 and "Read-only file system" in r.stderr, (argv, r.stderr)
    with pytest.raises(OSError) as e:
        os.open(conf, os.O_RDWR)
    assert e.value.errno == errno.EROFS
    assert open(conf, "rb").read() == b"answer=42\n"
    assert "code=ZECFS_READ_ONLY" in m.output()


def test_restic_backs_up_files_and_restores_the_tree(lab, tmp_path):
    put(lab, TREE_A)
    snapshot(lab.emu, D1, "aa")
    m = lab.mount("allow_browse")
    files = m.p(D1, "snapshots", "aa", "files")
    env = dict(os.environ, RESTIC_REPOSITORY=str(tmp_path / "repo"),
               RESTIC_PASSWORD="test", RESTIC_CACHE_DIR=str(tmp_path / "cache"))
    for argv in (["restic", "init"], ["restic", "backup", files],
                 ["restic", "restore", "latest", "--target", str(tmp_path / "out")]):
        r = subprocess.run(argv, capture_output=True, text=True, env=env)
        assert r.returncode == 0, (argv, r.stdout, r.stderr)
    want = tmp_path / "want"
    write_tree(str(want), TREE_A)
    code, out = diff(str(want), str(tmp_path / "out") + files)
    out = "\n".join(line for line in out.splitlines() if "lost+found" not in line)
    assert out == "", out


def test_a_partitioned_disk_shows_part1(lab):
    put(lab, TREE_A, partitioned="1")
    snapshot(lab.emu, D1, "pp")
    m = lab.mount("allow_browse")
    files = m.p(D1, "snapshots", "pp", "files")
    assert "part1" in os.listdir(files)
    assert open(os.path.join(files, "part1", "etc", "app.conf"), "rb").read() == b"answer=42\n"


def test_an_xfs_disk(lab, tmp_path):
    status, doc = lab.emu.put_content(D1, tar_tree(TREE_A), fs="xfs")
    if status != 200:
        pytest.skip(f"the emulator made no xfs disk here: {doc}")
    snapshot(lab.emu, D1, "xx")
    m = lab.mount("allow_browse")
    want = tmp_path / "want"
    write_tree(str(want), TREE_A)
    code, out = diff(str(want), m.p(D1, "snapshots", "xx", "files"))
    assert code == 0, out
