"""The docs agree with the code: docs/errors.md is the errno table of
src/client/zec_errno.c row for row, the options match --help, and every
mount line an operator copies mounts the safe way."""

import errno
import os
import re

import pytest

from conftest import BOOT, DB, RESIZING, SCRATCH, WEB
from emulator import DEMO_KEY_ID, DEMO_KEY_PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def code_table():
    src = open(os.path.join(ROOT, "src/client/zec_errno.c")).read()
    hdr = open(os.path.join(ROOT, "src/client/zec_errno.h")).read()
    names = dict(re.findall(r'#define (ZECFS_\w+)\s+"(\w+)"', hdr))
    rows = re.findall(r'\{ (?:"([^"]+)"|(ZECFS_\w+)), (E[A-Z]+), "', src)
    assert rows, "no rows parsed from zec_errno.c"
    return {(code or names[local]): err for code, local, err in rows}


def doc_table():
    doc = open(os.path.join(ROOT, "docs/errors.md")).read()
    return dict(re.findall(r'^\| `([A-Z0-9_*]+)` \| (E[A-Z]+) \|', doc, re.M))


def test_errors_doc_matches_the_code_table():
    assert doc_table() == code_table()


def help_options():
    import subprocess
    from emulator import build_dir
    out = subprocess.run([os.path.join(build_dir(), "src", "fs", "zecfs"), "--help"],
                         capture_output=True, text=True).stdout
    ours = out.split("FUSE options:")[0]
    opts = re.findall(r"^\s+-o (\w+)", ours, re.M)
    assert len(opts) >= 10
    return opts


def test_readme_and_man_page_agree_with_help():
    readme = open(os.path.join(ROOT, "README.md")).read()
    man = open(os.path.join(ROOT, "docs", "zecfs.1")).read().replace("\\", "")
    for opt in help_options():
        assert "-o %s" % opt in readme, opt
        assert "-o %s" % opt in man, opt




def shipped_mount_options():
    """The -o options of every mount line an operator copies: the unit's
    ExecStart, the fstab line of docs/operations.md, and the man page's
    fstab line and unit, each as a set."""
    unit = open(os.path.join(ROOT, "docs", "zecfs.service")).read()
    ops = open(os.path.join(ROOT, "docs", "operations.md")).read()
    man = open(os.path.join(ROOT, "docs", "zecfs.1")).read().replace("\\-", "-")
    fstab = r"^zecfs\s+/mnt/zec\s+fuse\.zecfs\s+(\S+)\s+0\s+0$"
    found = {
        "zecfs.service": re.findall(r"^ExecStart=/usr/local/bin/zecfs -o (\S+) /mnt/zec$", unit, re.M),
        "operations.md fstab": re.findall(fstab, ops, re.M),
        "zecfs.1 fstab": re.findall(fstab, man, re.M),
        "zecfs.1 unit": re.findall(r"ExecStart=/usr/local/bin/zecfs -o (\S+) /mnt/zec\\fR", man),
    }
    out = {}
    for where, lines in found.items():
        assert len(lines) == 1, (where, lines)
        out[where] = set(lines[0].split(",")) - {"_netdev", "nofail"}
    return out


def test_shipped_unit_fstab_and_man_page_mount_the_safe_way():
    shipped = shipped_mount_options()
    assert all(o == {"credentials=/etc/zecfs/credentials"} for o in shipped.values()), shipped
    # the opt-ins are shown apart, each with what it does
    ops = open(os.path.join(ROOT, "docs", "operations.md")).read()
    for opt in ("allow_delete", "retention=+7d", "allow_rollback", "allow_restore"):
        assert re.search(r"^\| `%s` \| \S.{20,}" % re.escape(opt), ops, re.M), opt


def test_the_shipped_options_delete_nothing_and_expire_nothing(emu, mount, tmp_path):
    """A mount with exactly the shipped options (the credentials file made
    here): rmdir is EPERM, and a new snapshot is kept forever."""
    creds = tmp_path / "credentials"
    creds.write_text("ZENLAYERCLOUD_ACCESS_KEY_ID=%s\nZENLAYERCLOUD_ACCESS_KEY_PASSWORD=%s\n"
                     % (DEMO_KEY_ID, DEMO_KEY_PASSWORD))
    os.chmod(str(creds), 0o600)
    [opts] = {frozenset(o) for o in shipped_mount_options().values()}
    opts = [o.replace("/etc/zecfs/credentials", str(creds)) for o in opts]
    m = mount(emu, *opts, env={"PATH": os.environ["PATH"]})
    snaps = m.p(WEB, "snapshots")
    os.mkdir(os.path.join(snaps, "copied-unit"))
    [new] = [s for s in emu.snapshots(WEB) if s["snapshotName"] == "copied-unit"]
    assert not new.get("retentionTime")
    for name in ("copied-unit", "nightly-1"):
        with pytest.raises(OSError) as e:
            os.rmdir(os.path.join(snaps, name))
        assert e.value.errno == errno.EPERM
    with pytest.raises(OSError) as e:
        os.setxattr(os.path.join(snaps, "nightly-1"), "user.zec.restoreTo", b"copy-1")
    assert e.value.errno == errno.EPERM
    assert len(emu.snapshots(WEB)) == 2 and len(emu.state()["disks"]) == 5


def doc_command_table():
    doc = open(os.path.join(ROOT, "docs/errors.md")).read()
    section = doc.split("## What each command gets")[1].split("\n## ")[0]
    return dict(re.findall(r'^\| `([a-z0-9-]+)` \| .* \| (E[A-Z]+) \|$', section, re.M))


def errno_of(action):
    try:
        action()
    except OSError as e:
        return errno.errorcode[e.errno]
    return "no error"


def test_errors_doc_commands_get_the_documented_errno(emu, mount):
    m = mount(emu, "allow_restore")
    snaps = m.p(WEB, "snapshots")
    a = os.path.join(snaps, "nightly-1")
    os.mkdir(os.path.join(snaps, "other-1"))

    def append_snapshot_json():
        with open(os.path.join(a, "snapshot.json"), "a") as f:
            f.write("\n")

    cases = {
        "mkdir-bad-name": lambda: os.mkdir(os.path.join(snaps, "bad_name")),
        "mkdir-too-long": lambda: os.mkdir(os.path.join(snaps, "n" * 64)),
        "mkdir-system-disk": lambda: os.mkdir(m.p(BOOT, "snapshots", "s1")),
        "mkdir-no-snapshot-ability": lambda: os.mkdir(m.p(SCRATCH, "snapshots", "s1")),
        "mkdir-disk-changing": lambda: os.mkdir(m.p(RESIZING, "snapshots", "s1")),
        "mkdir-outside-snapshots": lambda: os.mkdir(m.p(WEB, "s1")),
        "rmdir-without-allow-delete": lambda: os.rmdir(a),
        "mv-bad-name": lambda: os.rename(a, os.path.join(snaps, "bad_name")),
        "mv-too-long": lambda: os.rename(a, os.path.join(snaps, "n" * 64)),
        "mv-across-disks": lambda: os.rename(a, m.p(DB, "snapshots", "b1")),
        "mv-out-of-snapshots": lambda: os.rename(a, m.p(WEB, "b1")),
        "mv-onto-a-snapshot": lambda: os.rename(a, os.path.join(snaps, "other-1")),
        "retention-under-24h": lambda: os.setxattr(a, "user.zec.retentionTime", b"+1h"),
        "autosnapshot-malformed": lambda: os.setxattr(m.p(WEB), "user.zec.autoSnapshot",
                                                      b"days=never"),
        "autosnapshot-no-snapshot-ability": lambda: os.setxattr(
            m.p(SCRATCH), "user.zec.autoSnapshot", b"days=mon hours=2 keep=7"),
        "autosnapshot-system-disk": lambda: os.setxattr(
            m.p(BOOT), "user.zec.autoSnapshot", b"days=mon hours=2 keep=7"),
        "restore-existing-name": lambda: os.setxattr(a, "user.zec.restoreTo", b"db-data"),
        "rollback-without-allow-rollback": lambda: os.setxattr(m.p(WEB), "user.zec.rollback",
                                                               b"nightly-1"),
        "write-read-only-attr": lambda: os.setxattr(a, "user.zec.status", b"AVAILABLE"),
        "write-unknown-attr": lambda: os.setxattr(a, "user.other", b"x"),
        "write-snapshot-json": append_snapshot_json,
        "create-file": lambda: open(m.p(WEB, "file"), "w").close(),
    }
    documented = doc_command_table()
    assert set(documented) == set(cases)
    got = {case: errno_of(action) for case, action in cases.items()}
    # EOPNOTSUPP and ENOTSUP are one number on Linux: compare numbers
    assert {c: getattr(errno, e, e) for c, e in got.items()} == \
        {c: getattr(errno, e) for c, e in documented.items()}, got
    # what was refused changed nothing
    assert sorted(s["snapshotName"] for s in emu.snapshots()) == ["nightly-1", "other-1"]
    assert len(emu.state()["disks"]) == 5


def man_errors():
    man = open(os.path.join(ROOT, "docs", "zecfs.1")).read()
    section = man.split(".SH ERRORS")[1].split(".SH ")[0]
    return {e: text.replace("\n", " ") for e, text in
            re.findall(r"^\.B (E[A-Z]+)\n(.*?)(?=^\.TP|\Z)", section, re.M | re.S)}


def test_man_page_errors_agree_with_the_command_table():
    man = man_errors()
    for errname in set(doc_command_table().values()):
        assert errname in man, errname
    # the cases the man page once had wrong
    assert "mv" not in man["EINVAL"] and "rename" not in man["EINVAL"]
    assert "mv" in man["EPERM"] and "name rule" in man["EPERM"]
    assert "autoSnapshot" in man["EPERM"] and "autoSnapshot" in man["EOPNOTSUPP"]
