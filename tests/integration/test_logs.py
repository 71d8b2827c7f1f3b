"""Where the logs are and what they say: -o log_file appends one line per
event and is reopened on SIGHUP, so logrotate can move it; every refusal
is one line with its reason; a recovery is info, not a warning."""

import errno
import os
import signal
import subprocess

import pytest

from conftest import DB, WEB, demo_env, zecfs_bin
from emulator import wait_until


def lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def test_log_file_gets_the_lines_and_is_reopened_on_sighup(emu, mount, tmp_path):
    log = tmp_path / "zecfs.log"
    m = mount(emu, "log_file=%s" % log)
    os.mkdir(m.p(DB, "snapshots", "logged-1"))
    wait_until(lambda: any("snapshot created" in l and "logged-1" in l for l in lines(log)),
               what="the mkdir's line in the log file")
    assert all(" zecfs " in l for l in lines(log))          # one event per line
    # logrotate: move the file away, then SIGHUP
    os.rename(log, tmp_path / "zecfs.log.1")
    m.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: os.path.exists(log), what="the log file to be opened again")
    os.mkdir(m.p(DB, "snapshots", "logged-2"))
    wait_until(lambda: any("logged-2" in l for l in lines(log)), what="the new line")
    assert not any("logged-2" in l for l in lines(tmp_path / "zecfs.log.1"))
    assert "logged-1" not in open(log).read()


def test_log_file_relative_path_and_daemon_mode(emu, tmp_path):
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=%s,log_file=rel.log" % emu.url, str(mp)],
                       cwd=tmp_path, env=demo_env(), capture_output=True, text=True, timeout=60)
    try:
        assert r.returncode == 0, r.stderr
        os.mkdir(mp / DB / "snapshots" / "detached-1")
        wait_until(lambda: any("detached-1" in l for l in lines(tmp_path / "rel.log")),
                   what="the detached daemon's line in the relative log file")
    finally:
        subprocess.run(["fusermount3", "-u", str(mp)])


def test_unwritable_log_file_is_refused_at_mount(emu, tmp_path):
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-f", "-o", "endpoint=%s,log_file=/nonexistent/dir/x.log"
                        % emu.url, str(mp)], env=demo_env(), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert "log_file=/nonexistent/dir/x.log: No such file or directory" in r.stderr



def refusals(m, what):
    return [l for l in m.output().splitlines() if what + " refused" in l]


@pytest.mark.parametrize("name,rule", [
    ("bad_name", "the name holds a character other than a letter, a digit, '-' or '.'"),
    ("n" * 64, "the name is longer than 63 characters"),
])
def test_mkdir_with_a_bad_name_is_one_line_with_the_rule(emu, mount, name, rule):
    m = mount(emu)
    r = subprocess.run(["mkdir", m.p(WEB, "snapshots", name)], capture_output=True, text=True)
    assert r.returncode == 1
    [line] = refusals(m, "mkdir")
    assert "warn: mkdir refused path=/%s/snapshots/%s code=ZECFS_NAME_" % (WEB, name) in line
    assert 'reason="%s"' % rule in line


@pytest.mark.parametrize("value,why", [
    ("+1h", "the retention is under 24 hours ahead (the API's minimum)"),
    ("next-week", "the value is not yyyy-MM-ddTHH:mm:ssZ, +N{m,h,d,w} or permanent"),
])
def test_refused_retention_says_why(emu, mount, value, why):
    m = mount(emu)
    snap = m.p(WEB, "snapshots", "nightly-1")
    r = subprocess.run(["setfattr", "-n", "user.zec.retentionTime", "-v", value, snap],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Invalid argument" in r.stderr
    [line] = refusals(m, "retention")
    assert 'value="%s" code=ZECFS_RETENTION_INVALID reason="%s"' % (value, why) in line


def test_every_refused_change_is_one_line_with_its_reason(emu, mount):
    m = mount(emu, "cache_ttl=60")
    snaps = m.p(WEB, "snapshots")
    os.listdir(snaps)
    # a name made behind zecfs's back: the server's answer refuses the mkdir
    assert emu.api("CreateSnapshot", {"diskId": WEB, "snapshotName": "elsewhere-1"})[0] == 200
    cases = [
        (lambda: os.mkdir(os.path.join(snaps, "elsewhere-1")), errno.EEXIST, "mkdir"),
        (lambda: os.mkdir(m.p(WEB, "elsewhere")), errno.EPERM, "mkdir"),
        (lambda: os.rmdir(os.path.join(snaps, "nightly-1")), errno.EPERM, "rmdir"),
        (lambda: os.setxattr(os.path.join(snaps, "nightly-1"), "user.zec.status", b"x"),
         errno.EPERM, "setxattr"),
        (lambda: os.setxattr(m.p(WEB), "user.zec.autoSnapshot", b"days=never"),
         errno.EINVAL, "setxattr"),
        (lambda: os.setxattr(m.p(WEB), "user.zec.diskName", b"bad name"),
         errno.EINVAL, "disk name"),
        (lambda: os.setxattr(m.p(WEB), "user.zec.rollback", b"nightly-1"),
         errno.EPERM, "rollback"),
    ]
    for i, (op, err, what) in enumerate(cases):
        before = len(refusals(m, what))
        with pytest.raises(OSError) as e:
            op()
        assert e.value.errno == err, i
        new = refusals(m, what)[before:]
        assert len(new) == 1, (i, new)
        assert 'reason="' in new[0] and 'reason=""' not in new[0], new[0]


def test_api_reachable_again_is_info(emu, mount):
    m = mount(emu, "cache_ttl=1", "stale_max=300", "retries=1")
    snaps = m.p(WEB, "snapshots")
    assert os.listdir(snaps) == ["nightly-1"]
    emu.add_fault(action="*", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE")
    wait_until(lambda: os.listdir(snaps) == ["nightly-1"] and
               "serving cached listings" in m.output(), what="a failed refresh")
    emu.clear_faults()
    wait_until(lambda: os.listdir(snaps) == ["nightly-1"] and
               "api reachable again" in m.output(), what="a fresh listing")
    [line] = [l for l in m.output().splitlines() if "api reachable again" in l]
    assert "zecfs info: api reachable again" in line
