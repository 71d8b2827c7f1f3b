"""Relative times on the server's clock: the emulator's business clock runs
days ahead of this host's (as a skewed host's clock would differ from the
real API's), and "+2d", -o retention=+7d and a new snapshot's mtime follow
the server, which applies the 24-hour rule on its own clock."""

import calendar
import datetime
import os
import subprocess
import time

from conftest import WEB, demo_env, zecfs_bin

FMT = "%Y-%m-%dT%H:%M:%SZ"
AHEAD = 12 * 86400


def epoch(text):
    return calendar.timegm(time.strptime(text, FMT))


def snapshot(emu, name):
    [s] = [s for s in emu.snapshots(WEB) if s["snapshotName"] == name]
    return s


def test_mount_default_and_mtime_follow_the_server_clock(emu, mount):
    m = mount(emu, "retention=+7d")
    emu.advance_clock(AHEAD)
    snaps = m.p(WEB, "snapshots")
    new = os.path.join(snaps, "after-the-jump")
    os.mkdir(new)                                   # no EINVAL: +7d on the server's clock
    s = snapshot(emu, "after-the-jump")
    created = epoch(s["createTime"])
    assert epoch(s["retentionTime"]) - created in range(7 * 86400 - 1, 7 * 86400 + 2)
    # the server's createTime is the mtime at once, not this host's time
    mtime = os.stat(new).st_mtime
    assert abs(mtime - created) <= 1, (mtime, created)
    assert mtime - time.time() > AHEAD - 3600
    assert "server clock differs from the local clock skew_s=" in m.output()
    assert "zecfs info: server clock differs" in m.output()


def test_relative_retention_written_on_a_snapshot_follows_the_server_clock(emu, mount):
    m = mount(emu)
    emu.advance_clock(AHEAD)
    snap = m.p(WEB, "snapshots", "nightly-1")
    r = subprocess.run(["setfattr", "-n", "user.zec.retentionTime", "-v", "+2d", snap],
                       capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")
    now = epoch(emu.state()["now"])
    got = epoch(snapshot(emu, "nightly-1")["retentionTime"])
    assert abs(got - (now + 2 * 86400)) <= 5, (got, now)
    # the snapshots/ default too: mkdir after it carries +3d on the server's clock
    os.setxattr(m.p(WEB, "snapshots"), "user.zec.retentionTime", b"+3d")
    os.mkdir(m.p(WEB, "snapshots", "with-default"))
    s = snapshot(emu, "with-default")
    assert epoch(s["retentionTime"]) - epoch(s["createTime"]) in range(3 * 86400 - 1, 3 * 86400 + 2)


def test_a_retention_date_is_checked_on_the_server_clock_at_mount(emu, tmp_path):
    emu.advance_clock(AHEAD)
    # three days ahead of this host, nine days behind the server
    when = datetime.datetime.fromtimestamp(time.time() + 3 * 86400, datetime.timezone.utc)
    mp = tmp_path / "mnt"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-f", "-o", "endpoint=%s,retention=%s" %
                        (emu.url, when.strftime(FMT)), str(mp)],
                       env=demo_env(), capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "at least 24 hours ahead on the server's clock" in r.stderr
    assert not os.path.ismount(str(mp))
