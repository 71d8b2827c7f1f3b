"""Mistakes are caught at mount time, with messages that say what to do.
Each test runs zecfs as a user would and reads
what it printed; nothing may stay mounted after a refusal."""

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import DB, demo_env, zecfs_bin


def zecfs(*argv, env=None):
    return subprocess.run([zecfs_bin(), *argv], capture_output=True, text=True,
                          env=env if env is not None else demo_env(), timeout=60)


@pytest.mark.parametrize("value", ["+1h", "+23h", "+1439m", "soon", "2020-01-01T00:00:00Z"])
def test_retention_under_24_hours_is_refused_at_mount(emu, tmp_path, value):
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = zecfs("-o", "endpoint=%s,retention=%s" % (emu.url, value), str(mp))
    assert r.returncode == 1
    assert "zecfs: error: retention=%s: want" % value in r.stderr
    assert "24 hours" in r.stderr
    assert not os.path.ismount(mp)


@pytest.mark.parametrize("opt,want", [
    ("cache_ttl=-1", "zecfs: error: cache_ttl=-1: want a whole number of seconds >= 0"),
    ("cache_ttl=ten", "zecfs: error: cache_ttl=ten: want a whole number of seconds >= 0"),
    ("stale_max=1.5", "zecfs: error: stale_max=1.5: want a whole number of seconds >= 0"),
    ("timeout=0", "zecfs: error: timeout=0: want a number of seconds > 0"),
    ("retries=0", "zecfs: error: retries=0: want a whole number from 1 to 100"),
    ("parallel=1000", "zecfs: error: parallel=1000: want a whole number from 1 to 256"),
])
def test_invalid_option_value_names_the_option_and_the_range(emu, tmp_path, opt, want):
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = zecfs("-o", "endpoint=%s,%s" % (emu.url, opt), str(mp))
    assert r.returncode == 1
    assert r.stderr.splitlines()[0].startswith(want)
    assert "invalid option" not in r.stderr


class NotZec(BaseHTTPRequestHandler):
    def do_POST(self):
        body = b"<html>welcome to nginx</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_endpoint_that_is_not_the_zec_api_says_what_it_answered(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), NotZec)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        mp = tmp_path / "mnt"
        mp.mkdir()
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        r = zecfs("-o", "endpoint=%s,retries=1" % url, str(mp))
        assert r.returncode == 1
        assert "answered, but not as the ZEC API: HTTP 404" in r.stderr
        assert "unreachable" not in r.stderr
    finally:
        srv.shutdown()
        srv.server_close()


def test_mount_over_a_regular_file_is_refused(emu, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = zecfs("-o", "endpoint=" + emu.url, str(f))
    assert r.returncode == 1
    assert "cannot mount on '%s': not a directory" % f in r.stderr


def test_mount_over_a_zecfs_mount_is_refused(emu, mount):
    m = mount(emu)
    r = zecfs("-o", "endpoint=" + emu.url, m.path)
    assert r.returncode == 1
    assert "zecfs is already mounted there" in r.stderr
    assert os.listdir(m.path)            # the first mount still works


def test_mount_over_a_non_empty_directory_warns(emu, tmp_path):
    mp = tmp_path / "mnt"
    mp.mkdir()
    (mp / "hidden.txt").write_text("x")
    r = zecfs("-o", "endpoint=" + emu.url, str(mp))
    try:
        assert r.returncode == 0, r.stderr
        assert "is not empty: its files are hidden until zecfs is unmounted" in r.stderr
        assert os.path.ismount(mp)
    finally:
        subprocess.run(["fusermount3", "-u", str(mp)])


def test_getconf_name_max_tells_the_snapshot_name_limit(emu, mount):
    m = mount(emu)
    out = subprocess.run(["getconf", "NAME_MAX", m.p(DB, "snapshots")], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "63"


@pytest.mark.parametrize("given,missing", [
    ("ZENLAYERCLOUD_ACCESS_KEY_ID", "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
    ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "ZENLAYERCLOUD_ACCESS_KEY_ID"),
])
def test_one_credential_variable_says_which_is_missing(emu, tmp_path, given, missing):
    env = demo_env()
    del env[missing]
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = zecfs("-o", "endpoint=" + emu.url, str(mp), env=env)
    assert r.returncode == 1
    assert "%s is set but %s is not" % (given, missing) in r.stderr
