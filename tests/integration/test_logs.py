"""Where the logs are (issue 10, section 3): -o log_file appends one line
per event and is reopened on SIGHUP, so logrotate can move it."""

import os
import signal
import subprocess

from conftest import DB, demo_env, zecfs_bin
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

