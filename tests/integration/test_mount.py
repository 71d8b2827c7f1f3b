"""The foundation, end to end: mount, list, mkdir -> CreateSnapshot, the
errno of every CreateSnapshot error, bad credentials, clean unmount."""

import calendar
import errno
import os
import subprocess
import time

import pytest

from conftest import (BOOT, DB, NIGHTLY_ID, RESIZING, SCRATCH, WEB, Mount,
                      default_seed, demo_env, _strip_none)
from emulator import Emulator


def creates(emu):
    return emu.calls().get("actions", {}).get("CreateSnapshot", {})


def snapshot_names(emu, disk_id):
    return sorted(s["snapshotName"] for s in emu.snapshots(disk_id)
                  if s["status"] != "DELETING")


def test_root_lists_one_directory_per_disk(emu, mnt):
    entries = os.listdir(mnt.path)
    assert sorted(e for e in entries if not e.startswith(".")) == \
        sorted([WEB, DB, BOOT, SCRATCH, RESIZING])
    for d in (WEB, DB):
        assert os.path.isdir(mnt.p(d))
        assert sorted(os.listdir(mnt.p(d))) == ["disk.json", "snapshots", "snapshots.json"]


def test_snapshots_directory_lists_by_name_with_create_time(emu, mnt):
    assert os.listdir(mnt.p(WEB, "snapshots")) == ["nightly-1"]
    assert os.listdir(mnt.p(DB, "snapshots")) == []
    st = os.stat(mnt.p(WEB, "snapshots", "nightly-1"))
    created = calendar.timegm(time.strptime("2026-11-01T02:00:00Z", "%Y-%m-%dT%H:%M:%SZ"))
    assert st.st_mtime == created
    assert st.st_ctime == created
    assert oct(st.st_mode & 0o7777) == "0o555"


def test_mkdir_creates_a_snapshot_visible_at_once(emu, mnt):
    path = mnt.p(WEB, "snapshots", "first")
    os.mkdir(path)
    assert os.path.isdir(path)
    assert "first" in os.listdir(mnt.p(WEB, "snapshots"))
    held = [s for s in emu.snapshots(WEB) if s["snapshotName"] == "first"]
    assert len(held) == 1
    assert held[0]["diskId"] == WEB
    assert creates(emu).get("ok") == 1


@pytest.mark.parametrize("loop", ["clone_fd", "single"])
def test_the_other_session_loops_serve_the_same_mount(emu, tmp_path, loop):
    """-o clone_fd runs libfuse's multi-threaded loop and -s one thread, in
    place of zecfs's loop: the same answers, and a clean exit (0)."""
    m = Mount(emu, tmp_path / "mnt", ["clone_fd"] if loop == "clone_fd" else [])
    if loop == "single":
        m.argv.insert(1, "-s")
    name = "by-" + loop.replace("_", "-")
    m.start()
    try:
        assert os.listdir(m.p(WEB, "snapshots")) == ["nightly-1"]
        os.mkdir(m.p(DB, "snapshots", name))
        assert os.listdir(m.p(DB, "snapshots")) == [name]
        assert snapshot_names(emu, DB) == [name]
    finally:
        m.unmount()                          # asserts the exit status 0


def test_ls_shows_mkdir_result_through_the_shell(emu, mnt):
    subprocess.run(["mkdir", mnt.p(DB, "snapshots", "before-upgrade")], check=True)
    out = subprocess.run(["ls", mnt.p(DB, "snapshots")], check=True,
                         capture_output=True, text=True).stdout
    assert out.split() == ["before-upgrade"]
    assert snapshot_names(emu, DB) == ["before-upgrade"]


@pytest.mark.parametrize("name,err", [
    ("a", errno.EINVAL),
    ("-leading-dash", errno.EINVAL),
    ("trailing.", errno.EINVAL),
    ("has_underscore", errno.EINVAL),
    ("with@at", errno.EINVAL),
    ("x" * 64, errno.ENAMETOOLONG),
])
def test_name_rule_refused_without_an_api_call(emu, mnt, name, err):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(WEB, "snapshots", name))
    assert e.value.errno == err
    assert creates(emu) == {}


def test_name_of_63_characters_is_accepted(emu, mnt):
    os.mkdir(mnt.p(WEB, "snapshots", "y" * 63))
    assert "y" * 63 in snapshot_names(emu, WEB)


def test_disk_without_snapshot_ability_is_eopnotsupp_without_api_call(emu, mnt):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(SCRATCH, "snapshots", "nope"))
    assert e.value.errno == errno.EOPNOTSUPP
    assert creates(emu) == {}


def test_system_disk_is_eperm(emu, mnt):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(BOOT, "snapshots", "boot-1"))
    assert e.value.errno == errno.EPERM
    assert creates(emu).get("failed") == 1
    assert snapshot_names(emu, BOOT) == []


def test_disk_status_is_ebusy(emu, mnt):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(RESIZING, "snapshots", "during-resize"))
    assert e.value.errno == errno.EBUSY


def test_quota_is_edquot(tmp_path, mount):
    with Emulator(seed=_strip_none(default_seed()),
                  args=["--snapshot-quota", "2"]) as e:
        m = mount(e)
        os.mkdir(m.p(WEB, "snapshots", "second"))   # nightly-1 is the first
        with pytest.raises(OSError) as err:
            os.mkdir(m.p(WEB, "snapshots", "third"))
        assert err.value.errno == errno.EDQUOT
        assert snapshot_names(e, WEB) == ["nightly-1", "second"]
        m.unmount()


def test_retention_refused_by_the_server_is_einval(emu, mount):
    # zecfs resolves +25h on the server's clock (test_clock.py), which then
    # accepts it; a server that still refuses it answers
    # INVALID_SNAPSHOT_RETENTION_TIME, and the server's answer wins
    m = mount(emu, "retention=+25h")
    emu.add_fault(action="CreateSnapshot", code="INVALID_SNAPSHOT_RETENTION_TIME",
                  status=400, count=1)
    with pytest.raises(OSError) as e:
        os.mkdir(m.p(WEB, "snapshots", "short-lived"))
    assert e.value.errno == errno.EINVAL
    assert creates(emu).get("failed") == 1


def test_disk_gone_on_the_server_is_enoent(emu, mount):
    m = mount(emu, "cache_ttl=60")
    assert WEB in os.listdir(m.path)
    seed = _strip_none(default_seed())
    seed["disks"] = [d for d in seed["disks"] if d["diskId"] != WEB]
    seed["snapshots"] = []
    emu.reset(seed)
    with pytest.raises(OSError) as e:
        os.mkdir(m.p(WEB, "snapshots", "orphan"))
    assert e.value.errno == errno.ENOENT
    assert creates(emu).get("failed") == 1


def test_name_taken_by_another_client_is_eexist(emu, mnt):
    assert os.listdir(mnt.p(DB, "snapshots")) == []
    status, body = emu.api("CreateSnapshot", {"diskId": DB, "snapshotName": "raced"})
    assert status == 200, body
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(DB, "snapshots", "raced"))
    assert e.value.errno == errno.EEXIST
    assert snapshot_names(emu, DB) == ["raced"]


def test_existing_name_is_eexist(emu, mnt):
    with pytest.raises(OSError) as e:
        os.mkdir(mnt.p(WEB, "snapshots", "nightly-1"))
    assert e.value.errno == errno.EEXIST
    assert creates(emu) == {}


def test_bad_credentials_exit_non_zero_and_leave_nothing_mounted(emu, tmp_path):
    mp = tmp_path / "bad"
    mp.mkdir()
    env = demo_env(ZENLAYERCLOUD_ACCESS_KEY_PASSWORD="wrong-password")
    r = subprocess.run([Mount(emu, mp).argv[0], "-o", "endpoint=" + emu.url, str(mp)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "AUTHFAILURE_SIGNATURE_FAILURE" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "wrong-password" not in r.stderr + r.stdout
    assert not os.path.ismount(mp)


def test_missing_credentials_exit_non_zero(emu, tmp_path):
    mp = tmp_path / "nocred"
    mp.mkdir()
    env = demo_env()
    del env["ZENLAYERCLOUD_ACCESS_KEY_ID"]
    r = subprocess.run([Mount(emu, mp).argv[0], "-o", "endpoint=" + emu.url, str(mp)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "ZENLAYERCLOUD_ACCESS_KEY_ID" in r.stderr
    assert not os.path.ismount(mp)


def test_endpoint_from_environment(emu, tmp_path):
    mp = tmp_path / "envmnt"
    env = demo_env(ZENLAYERCLOUD_DOMAIN=emu.host, ZENLAYERCLOUD_SCHEME="HTTP")
    m = Mount(emu, mp, env=env)
    m.argv = [m.argv[0], "-f", str(mp)]
    m.start()
    try:
        assert WEB in os.listdir(str(mp))
    finally:
        m.unmount()


def test_unmount_is_clean(emu, mount):
    m = mount(emu)
    os.listdir(m.path)
    m.unmount()      # asserts zecfs exited 0 and the mount is gone
    assert not os.path.ismount(m.path)
