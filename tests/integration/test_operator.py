"""How an operator runs zecfs: daemon mode, mount -t fuse.zecfs, --help and
--version, credentials from a file, the environment or a zeno profile,
SIGHUP reload, allow_other, secrets that never reach any output, and the
counters in .zecfs/stats and .zecfs/metrics (Prometheus text format)."""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import WEB, DB, Mount, default_seed, demo_env, zecfs_bin, _strip_none
from emulator import DEMO_KEY_ID, DEMO_KEY_PASSWORD, Emulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def unmount(path):
    subprocess.run(["fusermount3", "-u", str(path)], check=True)
    deadline = time.time() + 10
    while os.path.ismount(str(path)) and time.time() < deadline:
        time.sleep(0.05)


def wait_gone(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def zecfs_pids(mountpoint):
    out = subprocess.run(["pgrep", "-f", "zecfs.* %s" % mountpoint], capture_output=True,
                         text=True).stdout.split()
    return [int(p) for p in out]


def write_secret(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


# ---- lifecycle ------------------------------------------------------------

def test_daemon_mode_exits_zero_once_the_mount_is_live(emu, tmp_path):
    mp = tmp_path / "d"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=" + emu.url, str(mp)],
                       env=demo_env(), capture_output=True, text=True, timeout=60)
    try:
        assert r.returncode == 0, r.stderr
        assert os.path.ismount(str(mp))          # no wait needed: live on exit
        assert WEB in os.listdir(str(mp))
    finally:
        unmount(mp)
    assert not os.path.ismount(str(mp))


def test_daemon_mode_unreachable_endpoint_fails_with_reason(tmp_path):
    mp = tmp_path / "u"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=http://127.0.0.1:9,timeout=3,retries=1",
                        str(mp)], env=demo_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "unreachable" in r.stderr
    assert not os.path.ismount(str(mp))


def test_bad_mountpoint_fails_with_reason(emu, tmp_path):
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=" + emu.url, str(tmp_path / "missing")],
                       env=demo_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert r.stderr.strip()


def test_help_lists_every_option_with_its_default():
    out = subprocess.run([zecfs_bin(), "--help"], capture_output=True, text=True).stdout
    for opt in ["endpoint=URL", "credentials=FILE", "cafile=PATH", "cache_ttl=SECONDS",
                "timeout=SECONDS", "retries=N", "stale_max=SECONDS", "retention=VALUE",
                "allow_delete", "allow_rollback", "wait_available", "profile=NAME",
                "allow_other", "log_level=LEVEL", "-f", "-d", "--version"]:
        assert opt in out, opt
    for default in ["default: 10", "default: 30", "default: 4", "default: 300",
                    "default: info", "https://console.zenlayer.com"]:
        assert default in out, default


def test_version_names_the_libraries():
    out = subprocess.run([zecfs_bin(), "--version"], capture_output=True, text=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("zecfs ")
    assert any(l.startswith("libfuse 3.") for l in lines)
    assert any(l.startswith("libcurl ") for l in lines)
    assert any(l.startswith("cJSON ") for l in lines)


def test_sigterm_unmounts_cleanly(emu, mount):
    m = mount(emu)
    os.listdir(m.path)
    m.proc.send_signal(signal.SIGTERM)
    assert m.proc.wait(timeout=30) == 0
    deadline = time.time() + 5
    while os.path.ismount(m.path) and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.ismount(m.path)
    m.proc = None
    m.log.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="mount(8) needs root")
def test_mount_t_fuse_zecfs_with_fstab_options(emu, tmp_path):
    """mount(8) runs mount.fuse3, which finds zecfs on the standard PATH."""
    link = "/usr/local/bin/zecfs"
    if os.path.lexists(link) and os.path.realpath(link) != os.path.realpath(zecfs_bin()):
        pytest.skip("another zecfs is installed in /usr/local/bin")
    created = not os.path.lexists(link)
    if created:
        os.symlink(zecfs_bin(), link)
    mp = tmp_path / "fstab"
    mp.mkdir()
    try:
        r = subprocess.run(["mount", "-t", "fuse.zecfs", "zecfs", str(mp), "-o",
                            "endpoint=%s,_netdev,nofail,noauto,users,cache_ttl=5" % emu.url],
                           env=demo_env(), capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        line = [l for l in open("/proc/mounts") if " %s " % mp in l]
        assert line and line[0].split()[2] == "fuse.zecfs"
        assert WEB in os.listdir(str(mp))
        subprocess.run(["umount", str(mp)], check=True)
        assert not os.path.ismount(str(mp))
    finally:
        if os.path.ismount(str(mp)):
            subprocess.run(["umount", "-l", str(mp)])
        if created:
            os.unlink(link)


def test_allow_other_turns_default_permissions_on(emu, mount):
    m = mount(emu, "allow_other")
    opts = [l.split()[3] for l in open("/proc/mounts") if " %s " % m.path in l][0]
    assert "default_permissions" in opts.split(",")
    assert "allow_other" in opts.split(",")


# ---- credentials ------------------------------------------------------------

def test_credentials_file(emu, mount, tmp_path):
    f = tmp_path / "zec.env"
    write_secret(f, "# for systemd\nZENLAYERCLOUD_ACCESS_KEY_ID=%s\n"
                    "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n" % (DEMO_KEY_ID, DEMO_KEY_PASSWORD))
    env = demo_env()
    env["ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"] = "the-file-wins-over-this"
    m = mount(emu, "credentials=%s" % f, env=env)
    assert WEB in os.listdir(m.path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_credentials_file_readable_by_others_is_refused(emu, tmp_path, mode):
    f = tmp_path / "zec.env"
    write_secret(f, "ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                 % (DEMO_KEY_ID, DEMO_KEY_PASSWORD), mode)
    mp = tmp_path / "m"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=%s,credentials=%s" % (emu.url, f), str(mp)],
                       env=demo_env(), capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "readable by group or others" in r.stderr
    assert not os.path.ismount(str(mp))


def test_credentials_file_owned_by_another_user_is_refused(emu, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("chown needs root")
    f = tmp_path / "zec.env"
    write_secret(f, "ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                 % (DEMO_KEY_ID, DEMO_KEY_PASSWORD))
    os.chown(f, 65534, 65534)
    mp = tmp_path / "m"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=%s,credentials=%s" % (emu.url, f), str(mp)],
                       env=demo_env(), capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "not owned by" in r.stderr


def test_credentials_fifo_fails_at_once_with_reason(emu, tmp_path):
    """A FIFO (nobody writing) must not block the mount in open()."""
    f = tmp_path / "zec.env"
    os.mkfifo(str(f), 0o600)
    mp = tmp_path / "m"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-f", "-o", "endpoint=%s,credentials=%s" % (emu.url, f),
                        str(mp)], env=demo_env(), capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "credentials file '%s' is not a regular file" % f in r.stderr
    assert not os.path.ismount(str(mp))


def test_zeno_profile_credentials(emu, mount, tmp_path):
    home = tmp_path / "home"
    (home / ".zenlayer").mkdir(parents=True)
    write_secret(home / ".zenlayer" / "credentials.json", json.dumps({
        "default": {"access_key_id": "WRONG", "access_key_secret": "WRONG"},
        "ops": {"access_key_id": DEMO_KEY_ID, "access_key_secret": DEMO_KEY_PASSWORD},
    }))
    env = demo_env(HOME=str(home))
    del env["ZENLAYERCLOUD_ACCESS_KEY_ID"]
    del env["ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"]
    m = mount(emu, "profile=ops", env=env)
    assert WEB in os.listdir(m.path)


def test_sighup_rereads_credentials(tmp_path, mount):
    """The key password is rotated: the emulator restarts with a new one on
    the same port; after SIGHUP zecfs signs with the new one."""
    state = tmp_path / "state.json"
    f = tmp_path / "zec.env"
    old, new = "old-password-123", "new-password-456"
    write_secret(f, "ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                 % (DEMO_KEY_ID, old))
    e1 = Emulator(seed=_strip_none(default_seed()), key_password=old,
                  args=["--state", str(state)]).start()
    m = mount(e1, "credentials=%s" % f, "cache_ttl=0", "stale_max=0", "retries=1")
    assert os.listdir(m.p(WEB, "snapshots")) == ["nightly-1"]
    port = e1.port
    e1.stop()
    e2 = Emulator(key_password=new, args=["--state", str(state),
                                          "--listen", "127.0.0.1:%d" % port]).start()
    try:
        with pytest.raises(OSError) as err:
            os.listdir(m.p(WEB, "snapshots"))
        assert err.value.errno == errno.EACCES
        write_secret(f, "ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                     % (DEMO_KEY_ID, new))
        m.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "credentials reloaded" not in m.output() and time.time() < deadline:
            time.sleep(0.05)
        assert os.listdir(m.p(WEB, "snapshots")) == ["nightly-1"]
        assert os.path.ismount(m.path)
        m.unmount()
    finally:
        e2.stop()


def test_secrets_never_reach_any_output(emu, mount, tmp_path):
    password = "s3cret-Pa55word-that-must-not-leak"
    e = Emulator(seed=_strip_none(default_seed()), key_password=password).start()
    try:
        env = demo_env(ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=password)
        m = mount(e, "allow_delete", "log_level=debug", env=env, debug=True)
        snaps = m.p(WEB, "snapshots")
        os.mkdir(os.path.join(snaps, "leak-check"))
        os.rename(os.path.join(snaps, "leak-check"), os.path.join(snaps, "leak-check2"))
        os.setxattr(os.path.join(snaps, "leak-check2"), "user.zec.retentionTime", b"+2d")
        subprocess.run(["getfattr", "-d", os.path.join(snaps, "leak-check2")], capture_output=True)
        with pytest.raises(OSError):
            os.mkdir(os.path.join(snaps, "bad_name"))
        cmdline = open("/proc/%d/cmdline" % m.proc.pid, "rb").read().decode(errors="replace")
        m.unmount()
        out = m.output()
        assert "api call action=CreateSnapshot" in out      # debug really logged calls
        for text in (out, cmdline, e.log()):
            assert password not in text
            assert "Signature=" not in text
            assert "ZC2-HMAC-SHA256 Credential" not in text
    finally:
        e.stop()


# ---- .zecfs/stats ------------------------------------------------------------

def test_a_value_cannot_forge_a_log_line(emu, mount):
    """A rejected value with a newline is logged on its own line, escaped."""
    m = mount(emu)
    snap = m.p(WEB, "snapshots", "nightly-1")
    with pytest.raises(OSError) as e:
        os.setxattr(snap, "user.zec.retentionTime", b"+7x\nforged error: key=1\r\x1b[2J")
    assert e.value.errno == errno.EINVAL
    lines = m.output().splitlines()
    refused = [l for l in lines if "retention refused" in l]
    assert len(refused) == 1, lines
    assert 'value="+7x\\x0aforged error: key=1\\x0d\\x1b[2J"' in refused[0]
    assert not [l for l in lines if l.startswith("forged")]
    assert "\x1b" not in m.output() and "\r" not in m.output()


def test_stats_file_reports_calls_errors_cache_and_latency(emu, mount):
    m = mount(emu, "cache_ttl=60")
    assert ".zecfs" not in os.listdir(m.path)
    os.listdir(m.p(WEB, "snapshots"))
    os.listdir(m.p(WEB, "snapshots"))
    os.mkdir(m.p(WEB, "snapshots", "counted"))
    with pytest.raises(OSError):
        os.mkdir(m.p("862857204414550692", "snapshots", "refused"))   # system disk
    emu.add_fault(action="DescribeDisks", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE",
                  count=1)
    st = json.loads(open(m.p(".zecfs", "stats")).read())
    assert st["endpoint"] == emu.url
    assert st["uptimeSeconds"] >= 0
    assert st["calls"]["CreateSnapshot"] == {"ok": 1, "failed": 1, "retries": 0}
    assert st["calls"]["DescribeSnapshots"]["ok"] >= 1
    assert st["errors"]["OPERATION_DENIED_DISK_SYSTEM_TYPE"] == 1
    assert st["cache"]["hits"] >= 1 and st["cache"]["misses"] >= 1
    lat = st["latencyMs"]["CreateSnapshot"]
    assert 0 <= lat["p50"] <= lat["p99"] and lat["samples"] == 2
    assert os.stat(m.p(".zecfs", "stats")).st_mode & 0o777 == 0o444
    assert sorted(os.listdir(m.p(".zecfs"))) == ["metrics", "stats"]
    with pytest.raises(OSError) as e:
        open(m.p(".zecfs", "stats"), "w")
    assert e.value.errno == errno.EPERM


def test_stats_counts_retries(emu, mount):
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE",
                  count=2)
    os.mkdir(m.p(WEB, "snapshots", "retried"))
    st = json.loads(open(m.p(".zecfs", "stats")).read())
    assert st["calls"]["CreateSnapshot"]["retries"] == 2
    assert st["retries"] >= 2
    # "errors" counts calls that failed in the end; this one succeeded on its third try
    assert "SERVICE_TEMPORARY_UNAVAILABLE" not in st["errors"]


def metric_families(text):
    """The families of a Prometheus text exposition, by the Prometheus
    project's own parser (python3-prometheus-client): it raises on a line
    that breaks the format."""
    return {f.name: f for f in text_string_to_metric_families(text)}


def samples(fam, name, **labels):
    return [s.value for s in fam.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]


def test_metrics_file_has_the_stats_figures_in_prometheus_format(emu, mount):
    m = mount(emu, "cache_ttl=60")
    os.listdir(m.p(WEB, "snapshots"))
    os.listdir(m.p(WEB, "snapshots"))
    os.mkdir(m.p(WEB, "snapshots", "counted"))
    with pytest.raises(OSError):
        os.mkdir(m.p("862857204414550692", "snapshots", "refused"))   # system disk
    # a code with the characters a label value must escape
    emu.add_fault(action="ModifySnapshotsAttribute", status=400, code='ODD"CODE\\X', count=1)
    with pytest.raises(OSError):
        os.setxattr(m.p(WEB, "snapshots", "counted"), "user.zec.retentionTime", b"+3d")
    os.stat(m.p(".zecfs", "metrics"))
    os.stat(m.p(".zecfs", "stats"))
    r = subprocess.run(["cat", m.p(".zecfs", "metrics")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""
    text = r.stdout
    st = json.loads(open(m.p(".zecfs", "stats")).read())
    fams = metric_families(text)
    assert text.endswith("\n") and os.stat(m.p(".zecfs", "metrics")).st_size == len(text)
    assert fams["zecfs_api_calls"].type == "counter"
    for action, c in st["calls"].items():
        for outcome in ("ok", "failed"):
            assert samples(fams["zecfs_api_calls"], "zecfs_api_calls_total", action=action,
                           outcome=outcome) == [c[outcome]], (action, outcome)
        assert samples(fams["zecfs_api_retries"], "zecfs_api_retries_total",
                       action=action) == [c["retries"]]
    errs = {s.labels["code"]: s.value for s in fams["zecfs_api_errors"].samples}
    assert errs == st["errors"]
    assert errs['ODD"CODE\\X'] == 1 and errs["OPERATION_DENIED_DISK_SYSTEM_TYPE"] == 1
    hist = fams["zecfs_api_latency_seconds"]
    assert hist.type == "histogram"
    for action, c in st["calls"].items():
        buckets = [(s.labels["le"], s.value) for s in hist.samples
                   if s.name.endswith("_bucket") and s.labels["action"] == action]
        counts = [v for _, v in buckets]
        assert counts == sorted(counts) and buckets[-1] == ("+Inf", c["ok"] + c["failed"])
        assert samples(hist, "zecfs_api_latency_seconds_count", action=action) == \
            [c["ok"] + c["failed"]]
        assert samples(hist, "zecfs_api_latency_seconds_sum", action=action)[0] >= 0
    assert samples(fams["zecfs_cache_hits"], "zecfs_cache_hits_total") == [st["cache"]["hits"]]
    assert samples(fams["zecfs_cache_misses"], "zecfs_cache_misses_total") == \
        [st["cache"]["misses"]]
    assert samples(fams["zecfs_cache_stale_served"], "zecfs_cache_stale_served_total") == \
        [st["cache"]["staleServed"]]
    assert samples(fams["zecfs_inodes"], "zecfs_inodes") == [st["inodes"]]
    assert fams["zecfs_inodes"].type == "gauge"
    assert samples(fams["zecfs_api_breaker_open"], "zecfs_api_breaker_open") == \
        [1 if st["api"]["state"] == "open" else 0]
    for fam, key in [("zecfs_api_breaker_trips", "trips"),
                     ("zecfs_api_breaker_fast_failed", "fastFailed"),
                     ("zecfs_api_breaker_probes", "probes")]:
        assert samples(fams[fam], fam + "_total") == [st["api"][key]]
    assert samples(fams["zecfs_info"], "zecfs_info", endpoint=emu.url) == [1]
    assert os.stat(m.p(".zecfs", "metrics")).st_mode & 0o777 == 0o444


def test_sigterm_lets_an_operation_in_flight_finish(emu, mount):
    import threading
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    emu.add_fault(action="CreateSnapshot", latencyMs=1500)
    arrived = emu.add_marker("CreateSnapshot")
    result = {}

    def mk():
        try:
            os.mkdir(m.p(WEB, "snapshots", "in-flight"))
            result["err"] = 0
        except OSError as e:
            result["err"] = e.errno
    t = threading.Thread(target=mk)
    t.start()
    emu.wait_arrived(arrived)            # the mkdir is in the emulator's hands
    m.proc.send_signal(signal.SIGTERM)
    t.join(30)
    assert result.get("err") == 0
    assert m.proc.wait(timeout=30) == 0
    assert not os.path.ismount(m.path)
    assert "in-flight" in [s["snapshotName"] for s in emu.snapshots(WEB)]
    m.proc = None
    m.log.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="aborting a FUSE connection needs root")
def test_sigterm_on_a_busy_mount_ends_after_the_grace_period(emu, mount):
    m = mount(emu, "timeout=1", "log_level=debug")
    busy = subprocess.Popen(["sleep", "60"], cwd=m.p(WEB, "snapshots"))
    try:
        t0 = time.time()
        m.proc.send_signal(signal.SIGTERM)
        assert m.proc.wait(timeout=30) == 0
        assert 5 <= time.time() - t0 < 20          # timeout + 5 s of grace
        assert "aborting the connection" in m.output()
        m.proc = None
        m.log.close()
    finally:
        busy.kill()
        busy.wait()


def test_credentials_file_behind_a_symlink(emu, mount, tmp_path):
    """Kubernetes secret volumes present files as symlinks into ..data/."""
    real = tmp_path / "..data"
    real.mkdir()
    write_secret(real / "zec.env", "ZENLAYERCLOUD_ACCESS_KEY_ID=%s\n"
                 "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n" % (DEMO_KEY_ID, DEMO_KEY_PASSWORD))
    os.symlink(str(real / "zec.env"), str(tmp_path / "zec.env"))
    m = mount(emu, "credentials=%s" % (tmp_path / "zec.env"))
    assert WEB in os.listdir(m.path)


def test_documented_textfile_collector_recipes_give_a_parsable_file(emu, mount, tmp_path):
    """docs/operations.md: a symbolic link into the textfile directory, or
    a copy from cron through a rename; both read as Prometheus text."""
    m = mount(emu)
    os.listdir(m.p(WEB, "snapshots"))
    doc = open(os.path.join(ROOT, "docs", "operations.md")).read()
    textdir = "/var/lib/prometheus/node-exporter"
    [link] = re.findall(r"^ln -s (\S+) \S+$", doc, re.M)
    [cron] = re.findall(r"^\* \* \* \* \*\s+root\s+(.*)$", doc, re.M)
    out = tmp_path / "textfile"
    out.mkdir()
    os.symlink(link.replace("/mnt/zec", m.path), str(out / "link.prom"))
    subprocess.run(cron.replace("/mnt/zec", m.path).replace(textdir, str(out)), shell=True,
                   check=True)
    for name in ("link.prom", "zecfs.prom"):
        fams = metric_families(open(str(out / name)).read())
        assert samples(fams["zecfs_api_calls"], "zecfs_api_calls_total",
                       action="DescribeSnapshots", outcome="ok")[0] >= 1
    assert sorted(os.listdir(str(out))) == ["link.prom", "zecfs.prom"]
