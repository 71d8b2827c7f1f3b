"""Backup tooling on top of the mount: examples/zec-rotate and the find-based
pruning shown in docs/backup.md."""

import os
import re
import subprocess

import pytest

from conftest import BOOT, DB, RESIZING, SCRATCH, WEB, default_seed, _strip_none

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROTATE = os.path.join(ROOT, "examples", "zec-rotate")


def seeded(emu):
    seed = _strip_none(default_seed())
    for i, day in enumerate(["02", "03", "04"]):
        seed["snapshots"].append({
            "snapshotId": "70000000000000010%d" % i, "snapshotName": "daily-%s" % "abc"[i],
            "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-%sT01:00:00Z" % day})
    seed["snapshots"].append({
        "snapshotId": "700000000000000200", "snapshotName": "other",
        "diskId": WEB, "status": "AVAILABLE", "createTime": "2026-11-05T01:00:00Z"})
    emu.reset(seed)


def names(emu, disk_id):
    return sorted(s["snapshotName"] for s in emu.snapshots(disk_id) if s["status"] != "DELETING")


def test_rotate_keeps_the_newest_k_with_the_prefix(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, m.path, "daily-", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "removed %s/%s/snapshots/daily-a" % (m.path, WEB) in r.stdout
    assert names(emu, WEB) == ["daily-b", "daily-c", "nightly-1", "other"]


def test_rotate_dry_run_removes_nothing(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, "-n", m.path, "daily-", "1"], capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stdout.count("would remove") == 2
    assert names(emu, WEB) == ["daily-a", "daily-b", "daily-c", "nightly-1", "other"]


SKIPPED = {BOOT: "a system disk (EPERM)",
           SCRATCH: "snapshotAbility is false (EOPNOTSUPP)",
           RESIZING: "its state refuses snapshots now (EBUSY)"}


def test_rotate_snapshot_then_prune(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, "-s", m.path, "daily-", "2"], capture_output=True, text=True)
    # the system disk, the disk without snapshotAbility and the busy disk are
    # skipped, not failures: a nightly run on an ordinary account exits 0
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr == ""
    web = names(emu, WEB)
    new = [n for n in web if n.startswith("daily-2")]
    assert len(new) == 1
    assert sorted(web) == sorted(["daily-c", new[0], "nightly-1", "other"])
    assert [n for n in names(emu, DB) if n.startswith("daily-2")] == new
    for disk in SKIPPED:
        assert names(emu, disk) == []


def test_rotate_says_once_per_run_which_disks_it_skipped(emu, mount):
    m = mount(emu)
    r = subprocess.run([ROTATE, "-s", m.path, "nightly-"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert sorted(lines) == sorted("skipped %s/%s: cannot be snapshotted: %s" % (m.path, d, why)
                                   for d, why in SKIPPED.items())
    assert r.stderr == ""
    # snapshot only (no KEEP): one new snapshot on each disk that can take one,
    # nothing removed anywhere
    assert len(names(emu, WEB)) == 2 and "nightly-1" in names(emu, WEB)
    assert len(names(emu, DB)) == 1
    assert all(names(emu, d) == [] for d in SKIPPED)


def test_rotate_quiet_prints_nothing_on_an_ordinary_night(emu, mount):
    m = mount(emu)
    r = subprocess.run([ROTATE, "-s", "-q", m.path, "nightly-"], capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert len(names(emu, DB)) == 1


def test_rotate_fails_when_the_mount_is_not_there(tmp_path):
    r = subprocess.run([ROTATE, "-s", str(tmp_path), "nightly-"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "is not a zecfs mount" in r.stderr


def test_rotate_still_fails_on_a_real_error(emu, mount):
    m = mount(emu)
    emu.add_fault(action="CreateSnapshot", code="INVALID_SNAPSHOT_QUOTA_EXCEED", status=400)
    r = subprocess.run([ROTATE, "-s", m.path, "nightly-"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "Disk quota exceeded" in r.stderr


def test_rotate_without_allow_delete_says_why_once_and_keeps_everything(emu, mount):
    seeded(emu)
    for i in range(3):     # a second disk with snapshots to prune
        emu.api("CreateSnapshot", {"diskId": DB, "snapshotName": "daily-db%d" % i})
    m = mount(emu)
    r = subprocess.run([ROTATE, m.path, "daily-", "1"], capture_output=True, text=True)
    assert r.returncode == 1
    # one line on its own stderr, whatever the number of disks, naming the cure
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Operation not permitted" in r.stderr and "-o allow_delete" in r.stderr
    assert "removed" not in r.stdout
    assert names(emu, WEB) == ["daily-a", "daily-b", "daily-c", "nightly-1", "other"]
    assert names(emu, DB) == ["daily-db0", "daily-db1", "daily-db2"]
    assert emu.call_count("DeleteSnapshots", "ok") + emu.call_count("DeleteSnapshots", "failed") == 0


def test_rotate_never_prunes_auto_snapshots(emu, mount):
    """A policy's Auto snapshots are the server's to expire: a prefix that
    matches their names neither removes nor counts them."""
    seed = _strip_none(default_seed())
    for i, (kind, day) in enumerate([("Auto", "01"), ("Manual", "02"), ("Auto", "03"),
                                     ("Manual", "04"), ("Manual", "05"), ("Auto", "06")]):
        seed["snapshots"].append({
            "snapshotId": "70000000000000030%d" % i, "snapshotName": "daily-%s%d" % (kind.lower(), i),
            "diskId": WEB, "status": "AVAILABLE", "snapshotType": kind,
            "createTime": "2026-11-%sT01:00:00Z" % day})
    emu.reset(seed)
    m = mount(emu, "allow_delete")
    r = subprocess.run([ROTATE, m.path, "daily-", "1"], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert sorted(r.stdout.splitlines()) == [
        "removed %s/%s/snapshots/daily-manual%d" % (m.path, WEB, i) for i in (1, 3)]
    assert names(emu, WEB) == ["daily-auto0", "daily-auto2", "daily-auto5", "daily-manual4",
                               "nightly-1"]
    r = subprocess.run([ROTATE, "-h"], capture_output=True, text=True)
    assert r.returncode == 2 and "Manual" in r.stderr and "Auto" in r.stderr


@pytest.mark.parametrize("prefix,why", [
    ("bad_", "holds a character other than"),
    ("-nightly", "does not start with a letter or digit"),
    ("n" * 48, "is too long"),
])
def test_rotate_checks_the_prefix_before_touching_any_disk(emu, mount, prefix, why):
    m = mount(emu, "allow_delete")
    emu.reset_calls()
    r = subprocess.run([ROTATE, "-s", m.path, prefix, "3"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("zec-rotate: error: prefix '%s' %s" % (prefix, why)), r.stderr
    assert r.stdout == ""
    assert emu.calls().get("actions", {}) == {}
    assert len(emu.snapshots()) == 1


def test_rotate_accepts_the_longest_prefix_that_fits(emu, mount):
    m = mount(emu)
    prefix = "n" * 47            # + "-YYYYmmdd-HHMMSS" = 63 characters
    r = subprocess.run([ROTATE, "-s", "-q", m.path, prefix], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")
    [new] = [n for n in names(emu, DB)]
    assert len(new) == 63 and new.startswith(prefix + "-")


def documented(pattern):
    """Lines of docs/backup.md matching pattern, as commands for mount MNT."""
    doc = open(os.path.join(ROOT, "docs", "backup.md")).read()
    return re.findall(pattern, doc, re.M)


def as_run_here(line, mnt):
    return line.replace("/usr/local/bin/zec-rotate", ROTATE).replace("/mnt/zec", mnt)


def test_find_prunes_by_age(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    os.mkdir(os.path.join(m.path, WEB, "snapshots", "today"))
    [line] = documented(r"^find /mnt/zec/.*$")
    assert "-mindepth 1 -maxdepth 1 -type d" in line
    subprocess.run(as_run_here(line, m.path), shell=True, check=True)
    assert names(emu, WEB) == ["today"]
    assert os.path.isdir(os.path.join(m.path, WEB, "snapshots"))


def test_documented_cron_lines_exit_0_quietly_on_an_ordinary_account(emu, mount):
    seeded(emu)
    m = mount(emu, "allow_delete")
    lines = documented(r"^\S+ \S+ \* \* \*\s+root\s+(.*)$")
    assert len(lines) == 2
    for line in lines:
        r = subprocess.run(as_run_here(line, m.path), shell=True, capture_output=True,
                           text=True)
        # cron mails any output: an ordinary night prints nothing
        assert (r.returncode, r.stderr) == (0, ""), line
        assert "skipped" not in r.stdout, line
    assert len([n for n in names(emu, DB) if n.startswith("nightly-")]) == 1
    assert len([n for n in names(emu, DB) if n.startswith("daily-")]) == 1
    assert len([n for n in names(emu, WEB) if n.startswith("daily-")]) == 4  # keeps 7
    for disk in SKIPPED:
        assert names(emu, disk) == []


def documented_script(first_line):
    """The code block of docs/backup.md that holds first_line."""
    doc = open(os.path.join(ROOT, "docs", "backup.md")).read()
    [block] = [b for b in re.findall(r"^```\n(.*?)^```$", doc, re.M | re.S) if first_line in b]
    return block


def test_documented_restore_drill_is_safe_to_run_twice(emu, mount):
    m = mount(emu, "allow_restore")
    script = as_run_here(documented_script("# restore drill:"), m.path)
    outs = []
    for _ in range(2):
        r = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
        assert (r.returncode, r.stderr) == (0, ""), r.stderr
        outs.append(r.stdout)
    drills = [d for d in emu.state()["disks"] if d["diskName"].startswith("drill-")]
    assert len(drills) == 1                         # one billable disk, not two
    name = drills[0]["diskName"]
    assert os.readlink(os.path.join(m.path, ".by-name", name)) == "../" + drills[0]["diskId"]
    assert outs[0].strip() in ("CREATING", "AVAILABLE")
    assert outs[1].splitlines()[0] == "%s exists already: nothing restored" % name
    assert outs[1].splitlines()[1] in ("CREATING", "AVAILABLE")
    assert names(emu, WEB) == ["nightly-1"]         # nothing deleted
