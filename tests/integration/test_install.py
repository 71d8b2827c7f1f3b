"""Installing zecfs, the demo, and documentation that stays inside the
repository: what a new user meets first."""

import json
import os
import re
import socket
import stat
import subprocess

import pytest

from conftest import WEB as WEB_SEED, demo_env
from emulator import build_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEB = "862857204414550690"  # the demo's web-01 data disk, IN_USE, snapshotAbility true


# ---- documentation links -----------------------------------------------------------

def doc_files():
    files = [os.path.join(ROOT, "README.md")]
    for d, _, names in os.walk(os.path.join(ROOT, "docs")):
        files += [os.path.join(d, n) for n in names]
    return sorted(files)


def slug(heading):
    """GitHub's anchor for a markdown heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


def anchors(path):
    text = open(path).read()
    return {slug(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}


LINK = re.compile(r"\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)|href=\"([^\"]+)\"", re.M)


def test_docs_and_readme_link_only_inside_the_repository():
    bad = []
    for path in doc_files():
        text = open(path, errors="replace").read()
        rel = os.path.relpath(path, ROOT)
        for word in ("../shared", "/work/shared", "/work/"):
            if word in text:
                bad.append("%s: mentions %s" % (rel, word))
        for m in LINK.finditer(text):
            target = next(g for g in m.groups() if g)
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                bad.append("%s: links outside the repository: %s" % (rel, target))
                continue
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                if file_part else path
            if os.path.commonpath([dest, ROOT]) != ROOT:
                bad.append("%s: links outside the repository: %s" % (rel, target))
            elif not os.path.exists(dest):
                bad.append("%s: broken link: %s" % (rel, target))
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                bad.append("%s: no heading for anchor: %s" % (rel, target))
    assert bad == []


def test_api_reference_is_linked_from_readme_and_design():
    for doc, link in (("README.md", "docs/api.md"), ("docs/design.md", "api.md")):
        assert "](%s" % link in open(os.path.join(ROOT, doc)).read(), doc


# ---- installing ----------------------------------------------------------------------

def installed_files(root):
    return {os.path.relpath(os.path.join(d, f), str(root))
            for d, _, files in os.walk(str(root)) for f in files}


def check_default_install(found):
    assert "usr/local/bin/zecfs" in found, found
    assert "usr/local/share/man/man1/zecfs.1" in found, found
    assert "usr/local/lib/systemd/system/zecfs.service" in found, found
    assert "usr/local/bin/zec-rotate" in found, found
    assert not [p for p in found if "zec-emulator" in p], found


def test_meson_install_puts_zecfs_man_page_and_unit_but_not_the_emulator(tmp_path):
    subprocess.run(["meson", "install", "-C", build_dir(), "--destdir", str(tmp_path),
                    "--no-rebuild", "--quiet"], check=True, capture_output=True)
    found = installed_files(tmp_path)
    check_default_install(found)
    assert os.access(str(tmp_path / "usr/local/bin/zecfs"), os.X_OK)
    assert os.access(str(tmp_path / "usr/local/bin/zec-rotate"), os.X_OK)
    unit = (tmp_path / "usr/local/lib/systemd/system/zecfs.service").read_text()
    assert "ExecStart=/usr/local/bin/zecfs " in unit


def test_scripts_install_stages_the_same_files(tmp_path):
    env = dict(os.environ, ZECFS_BUILD_DIR=build_dir())
    r = subprocess.run([os.path.join(ROOT, "scripts", "install"), "--destdir", str(tmp_path)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "install: ok" in r.stdout
    check_default_install(installed_files(tmp_path))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_scripts_install_refuses_a_system_install_without_root():
    r = subprocess.run(["runuser", "-u", "nobody", "--",
                        os.path.join(ROOT, "scripts", "install")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr == ("install: error: run as root (sudo scripts/install), "
                        "or stage with --destdir DIR\n")


@pytest.mark.skipif(os.geteuid() != 0, reason="mount(8) needs root")
def test_installed_zecfs_is_found_by_mount_fuse3(emu, tmp_path):
    """mount.fuse3 (what mount -t fuse.zecfs runs, with a standard PATH that
    has /usr/local/bin: test_operator.py) runs the zecfs it finds on PATH.
    Here that is the installed zecfs, staged under a DESTDIR put on PATH."""
    stage = tmp_path / "stage"
    subprocess.run(["meson", "install", "-C", build_dir(), "--destdir", str(stage),
                    "--no-rebuild", "--quiet"], check=True, capture_output=True)
    path = "%s:/usr/sbin:/usr/bin:/sbin:/bin" % (stage / "usr/local/bin")
    mp = tmp_path / "mnt"
    mp.mkdir()
    try:
        r = subprocess.run(["mount.fuse3", "zecfs", str(mp), "-t", "fuse.zecfs", "-o",
                            "endpoint=%s,_netdev,nofail" % emu.url],
                           env=demo_env(PATH=path), capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        assert WEB_SEED in os.listdir(str(mp))
        subprocess.run(["umount", str(mp)], check=True)
        assert not os.path.ismount(str(mp))
    finally:
        if os.path.ismount(str(mp)):
            subprocess.run(["umount", "-l", str(mp)])


def test_emulator_install_is_an_option_off_by_default():
    r = subprocess.run(["meson", "introspect", "--buildoptions", build_dir()],
                       capture_output=True, text=True, check=True)
    opts = {o["name"]: o for o in json.loads(r.stdout)}
    assert opts["emulator_install"]["value"] is False
    readme = open(os.path.join(ROOT, "README.md")).read()
    assert "-Demulator_install=true" in readme


# ---- the demo -----------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    """Runs scripts/demo on a private mount point and port, given as flags."""
    env = dict(os.environ, ZECFS_BUILD_DIR=build_dir())
    for k in ("ZEC_MNT", "ZEC_DEMO_DIR", "ZEC_DEMO_LISTEN", "ZEC_DEMO_KEEP"):
        env.pop(k, None)
    script = os.path.join(ROOT, "scripts", "demo")
    mnt = str(tmp_path / "mnt")
    port = free_port()

    def run(*args):
        where = ["--mnt", mnt] + (["--listen", "127.0.0.1:%d" % port]
                                  if args[:1] != ("stop",) else [])
        return subprocess.run([script] + list(args) + where, capture_output=True, text=True,
                              env=env, timeout=300)

    run.mnt = mnt
    run.run_dir = mnt + "-demo"
    run.port = port
    yield run
    run("stop")
    if os.path.ismount(run.mnt):
        subprocess.run(["umount", "-l", run.mnt])


def test_demo_starts_from_the_demo_state_every_time(demo):
    r = demo()
    assert r.returncode == 0, r.stdout + r.stderr
    snaps = os.path.join(demo.mnt, WEB, "snapshots")
    assert "try:  mkdir %s/first" % snaps in r.stdout
    os.mkdir(os.path.join(snaps, "first"))  # the README tour
    r = demo()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "first" not in os.listdir(snaps)
    os.mkdir(os.path.join(snaps, "first"))  # the tour's second run works too
    r = demo("--keep")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "demo: keeping the state of the last run" in r.stdout
    assert "first" in os.listdir(snaps)


def test_demo_stop_unmounts_lazily_when_a_shell_is_inside(demo):
    r = demo()
    assert r.returncode == 0, r.stdout + r.stderr
    inside = subprocess.Popen(["sleep", "300"], cwd=os.path.join(demo.mnt, WEB))
    try:
        r = demo("stop")
    finally:
        inside.kill()
        inside.wait()
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("demo: %s is busy (a shell is inside it?); unmounting lazily" % demo.mnt
            in r.stdout)
    assert "fusermount" not in r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("demo: stopped")
    assert not os.path.ismount(demo.mnt)


def test_demo_takes_mount_point_address_and_mount_options(demo):
    r = demo("-o", "allow_delete", "-o", "cache_ttl=1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("demo: zec-emulator on http://127.0.0.1:%d (state: " % demo.port) in r.stdout
    assert "zecfs mounted on %s with -o allow_delete,cache_ttl=1" % demo.mnt in r.stdout
    assert os.path.ismount(demo.mnt)
    snaps = os.path.join(demo.mnt, WEB, "snapshots")
    [first] = [n for n in os.listdir(snaps)]
    os.rmdir(os.path.join(snaps, first))            # allow_delete reached zecfs
    assert first not in os.listdir(snaps)
    # where zecfs logs: syslog when there is a socket, else a file it names
    [said] = [l for l in r.stdout.splitlines() if l.startswith("demo: zecfs logs to ")]
    if os.path.exists("/dev/log") and stat.S_ISSOCK(os.stat("/dev/log").st_mode):
        assert "syslog" in said
    else:
        log = os.path.join(demo.run_dir, "zecfs.log")
        assert said == "demo: zecfs logs to %s (no syslog socket here)" % log
        assert "mounted mountpoint=%s" % demo.mnt in open(log).read()
        assert "snapshot deleted path=/%s/snapshots/%s" % (WEB, first) in open(log).read()
    r = demo("stop")
    assert (r.returncode, r.stdout.strip()) == (0, "demo: stopped")
    assert not os.path.ismount(demo.mnt)


def test_demo_usage_is_refused_with_the_flags():
    r = subprocess.run([os.path.join(ROOT, "scripts", "demo"), "--mnt"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "usage: scripts/demo [--mnt DIR] [--listen HOST:PORT] [-o OPTIONS]" in r.stderr


# ---- the README's tour against a fresh demo ------------------------------------------

def tour_blocks():
    """The README tour's code blocks: each a list of (command, expected lines)."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    tour = readme.split("## A short tour")[1].split("\n## ")[0]
    blocks = []
    for block in re.findall(r"^```\n(.*?)^```$", tour, re.M | re.S):
        steps = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def line_pattern(expected):
    """A line of sample output as a regex: dates, times and createTimes
    vary, '...' stands for anything, runs of blanks for any blanks."""
    out = []
    for part in re.split(r"(\.\.\.|\s+|[A-Z][a-z]{2} +\d+ +(?:\d{4}|\d\d:\d\d)|"
                         r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", expected):
        if not part:
            continue
        if part == "...":
            out.append(".*")
        elif part.isspace():
            out.append(r"\s+")
        elif re.fullmatch(r"[A-Z][a-z]{2} +\d+ +(?:\d{4}|\d\d:\d\d)", part):
            out.append(r"[A-Z][a-z]{2} +\d+ +(?:\d{4}|\d\d:\d\d)")
        elif re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", part):
            out.append(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        else:
            out.append(re.escape(part))
    return "".join(out)


def output_matches(expected, actual):
    """expected (sample lines; a line '...' is any number of lines) against
    actual, whole."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(output_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and re.fullmatch(line_pattern(expected[0]), actual[0]) is not None \
        and output_matches(expected[1:], actual[1:])


def test_readme_tour_matches_a_fresh_demo(demo):
    r = demo()
    assert r.returncode == 0, r.stdout + r.stderr
    addr = "127.0.0.1:%d" % demo.port
    for steps in tour_blocks():
        script = ["set +e", "shopt -s expand_aliases", "alias ls='ls -C -T0'"]
        for i, (cmd, _) in enumerate(steps):
            cmd = cmd.replace("/tmp/zec", demo.mnt).replace("127.0.0.1:8080", addr)
            script += ["echo '@@step %d'" % i, "{ %s\n} 2>&1" % cmd]
        out = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True,
                             text=True, env=dict(os.environ, LC_ALL="C", COLUMNS="80"),
                             timeout=120).stdout
        out = out.replace(demo.mnt, "/tmp/zec").replace(addr, "127.0.0.1:8080")
        got = out.split("@@step ")[1:]
        assert len(got) == len(steps)
        for (cmd, expected), text in zip(steps, got):
            body = text.split("\n", 1)[1]           # curl ends without a newline
            actual = body[:-1].split("\n") if body.endswith("\n") else body.split("\n")
            actual = [] if actual == [""] else actual
            assert output_matches(expected, actual), \
                "README tour: $ %s\nREADME shows:\n%s\na fresh demo prints:\n%s" % (
                    cmd, "\n".join(expected), "\n".join(actual))
