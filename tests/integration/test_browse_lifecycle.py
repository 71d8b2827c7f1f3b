"""The temporary disk behind snapshots/<name>/files/: -o allow_browse, what
creates a disk and what never does, user.zec.browse through every state,
browse_max, the refusals, and the teardown after browse_idle, at SIGTERM and
after a kill -9 (the next mount releases what the dead one left).  After each
teardown the emulator holds no zecfs-browse-* disk, losetup shows none of its
images and nothing stays mounted under /run/zecfs.  Real mounts against
zec-emulator --disk-data --host-instance --device-dir, as root."""
import errno
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import Mount  # noqa: E402
from emulator import Emulator, wait_until  # noqa: E402
from test_emulator_disks import tar_of  # noqa: E402
from test_emulator_hv import loops_of  # noqa: E402

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/dev/loop-control"),
    reason="a browse attaches loop devices and mounts them: needs root (CI runs as root)")

HOST, OTHER_HOST = "300000000000000099", "300000000000000077"
D1, D_FAR = "100000000000000001", "100000000000000002"
S_FAILED = "200000000000000001"
ZA, ZB = "asia-east-1a", "asia-east-1b"
TREE = {"etc/app.conf": "answer=42\n", "www/index.html": "<h1>one</h1>\n"}
SEED = {
    "disks": [
        {"diskId": D1, "diskName": "source", "zoneId": ZA, "diskSize": 20,
         "diskStatus": "AVAILABLE"},
        {"diskId": D_FAR, "diskName": "far", "zoneId": ZB, "diskSize": 20,
         "diskStatus": "AVAILABLE"},
    ],
    "snapshots": [{"snapshotId": S_FAILED, "diskId": D1, "snapshotName": "broken",
                   "status": "FAILED"}],
    "instances": [{"instanceId": HOST, "zoneId": ZA},
                  {"instanceId": OTHER_HOST, "zoneId": ZA}],
}


def run_mounts(pids) -> list[str]:
    """Mount points under /run/zecfs/<pid>/ of these daemons: tests in another
    process mount under their own daemons' directories at the same time."""
    prefixes = tuple("/run/zecfs/%d/" % pid for pid in pids)
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(prefixes)]


def browse_disks(emu) -> list[dict]:
    return [d for d in emu.state()["disks"] if d.get("diskName", "").startswith("zecfs-browse-")]


def state_of(path) -> str:
    return subprocess.run(["getfattr", "-n", "user.zec.browse", "--only-values", path],
                          capture_output=True, text=True).stdout


def api(emu, action, body):
    status, doc = emu.api(action, body)
    assert status == 200, (action, doc)
    return doc["response"]


def snapshot(emu, disk_id, name) -> str:
    snap = api(emu, "CreateSnapshot", {"diskId": disk_id, "snapshotName": name})["snapshotId"]
    wait_until(lambda: any(s["snapshotId"] == snap and s["status"] == "AVAILABLE"
                           for s in emu.state()["snapshots"]), what="snapshot AVAILABLE")
    return snap


def all_gone(lab):
    """What every teardown leaves: no browse disk, no loop device, no mount."""
    wait_until(lambda: browse_disks(lab.emu) == [], timeout=30, what="no zecfs-browse-* disk")
    assert loops_of(lab.data) == []
    assert run_mounts(lab.pids) == []


@pytest.fixture
def lab(tmp_path):
    """An emulator that plays this machine's hypervisor, a tree on D1 and a
    snapshot 'one' of it; mounts made with lab.mount(*opts)."""
    data, dev = str(tmp_path / "data"), str(tmp_path / "dev")
    emu = Emulator(seed=SEED, args=["--disk-data", data, "--device-dir", dev,
                                    "--host-instance", HOST, "--create-delay-ms", "0",
                                    "--disk-op-delay-ms", "50", "--delete-delay-ms", "0"])
    emu.start()
    mounts = []

    class Lab:
        pass

    lab = Lab()
    lab.emu, lab.data, lab.dev = emu, data, dev
    lab.pids = []
    assert emu.put_content(D1, tar_of(TREE))[0] == 200
    lab.snap = snapshot(emu, D1, "one")

    def mount(*opts, name="mnt", browse=True):
        base = ["instance_id=" + HOST, "device_dir=" + dev] if browse else []
        m = Mount(emu, tmp_path / name, base + list(opts)).start()
        mounts.append(m)
        lab.pids.append(m.proc.pid)
        return m

    lab.mount = mount
    yield lab
    for m in mounts:
        if m.proc is not None and m.proc.poll() is not None:
            m.proc = None               # killed on purpose: nothing to wait for
            subprocess.run(["fusermount3", "-u", "-z", m.path], capture_output=True)
        m.unmount()
    emu.stop()
    # whatever a failed test left: nothing of ours stays mounted or attached
    for mp in run_mounts(lab.pids):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    for loop in loops_of(data):
        subprocess.run(["losetup", "-d", loop], capture_output=True)
    assert loops_of(data) == []


def test_without_allow_browse_files_is_eperm_and_says_why(lab):
    m = lab.mount(browse=False)
    snapdir = m.p(D1, "snapshots", "one")
    with pytest.raises(PermissionError):
        os.listdir(os.path.join(snapdir, "files"))
    log = m.output()
    assert "browse refused" in log and "code=ZECFS_BROWSE_DISABLED" in log
    assert "allow_browse" in log and "billed" in log
    assert lab.emu.call_count("CreateDisks", "ok") == 0
    assert browse_disks(lab.emu) == []
    assert state_of(snapdir) == "off"


def test_walking_the_mount_never_makes_a_disk(lab):
    m = lab.mount("allow_browse")
    snapdir = m.p(D1, "snapshots", "one")
    assert "files" not in os.listdir(snapdir)
    found = subprocess.run(["find", m.path], capture_output=True, text=True, check=True).stdout
    assert "/files" not in found and snapdir in found
    subprocess.run(["du", "-s", m.path], capture_output=True, check=True)
    subprocess.run(["ls", "-laR", m.path], capture_output=True, check=True)
    assert lab.emu.call_count("CreateDisks", "ok") == 0
    assert lab.emu.call_count("AttachDisks", "ok") == 0
    assert browse_disks(lab.emu) == []
    assert "user.zec.browse" in subprocess.run(["getfattr", "-d", snapdir], capture_output=True,
                                               text=True).stdout


def test_states_then_idle_teardown(lab):
    m = lab.mount("allow_browse", "browse_idle=1")
    # every look at a disk slow enough to see each state on the way
    lab.emu.add_fault(action="DescribeDisks", latencyMs=300)
    snapdir = m.p(D1, "snapshots", "one")
    assert state_of(snapdir) == "off"
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            s = state_of(snapdir)
            if s and (not seen or seen[-1] != s):
                seen.append(s)

    t = threading.Thread(target=watch)
    t.start()
    try:
        names = os.listdir(os.path.join(snapdir, "files"))
    finally:
        done.set()
        t.join()
    assert {"etc", "www"} <= set(names)
    disk = browse_disks(lab.emu)
    assert len(disk) == 1
    disk = disk[0]
    assert disk["diskName"] == "zecfs-browse-" + lab.snap
    assert {"key": "zecfs-browse", "value": HOST} in disk["tags"]["tags"]
    assert disk["diskSize"] == 20 and disk["zoneId"] == ZA
    order = [s.split()[0] for s in seen]
    assert "creating-disk" in order and "attaching" in order, seen
    assert order.index("creating-disk") < order.index("attaching")
    assert "creating-disk " + disk["diskId"] in seen, seen
    stats = json.load(open(m.p(".zecfs", "stats")))["browse"]
    assert stats["browses"] == 1 and stats["disksCreated"] == 1
    # browse_idle later, with nothing open under files/: all of it goes
    all_gone(lab)
    wait_until(lambda: state_of(snapdir) == "off", what="user.zec.browse off")
    stats = json.load(open(m.p(".zecfs", "stats")))["browse"]
    assert stats["disksReleased"] == 1 and stats["active"] == 0
    metrics = open(m.p(".zecfs", "metrics")).read()
    assert "zecfs_browse_disks_released_total 1" in metrics
    # the source disk and its snapshot are as they were
    src = [d for d in lab.emu.state()["disks"] if d["diskId"] == D1][0]
    assert src["diskStatus"] == "AVAILABLE" and "instanceId" not in src
    assert [s["status"] for s in lab.emu.state()["snapshots"]
            if s["snapshotId"] == lab.snap] == ["AVAILABLE"]
    assert "browse disk released" in m.output()
    lab.emu.clear_faults()


def test_browse_max_refuses_one_more(lab):
    snapshot(lab.emu, D1, "two")
    m = lab.mount("allow_browse", "browse_max=1")
    os.listdir(m.p(D1, "snapshots", "one", "files"))
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D1, "snapshots", "two", "files"))
    assert e.value.errno == errno.EUSERS
    assert "code=ZECFS_BROWSE_MAX" in m.output()
    assert len(browse_disks(lab.emu)) == 1
    assert lab.emu.call_count("CreateDisks", "ok") == 1


def test_refusals_make_no_disk(lab):
    snapshot(lab.emu, D_FAR, "far-one")
    m = lab.mount("allow_browse")
    # a snapshot in another zone than this instance: EXDEV, before any CreateDisks
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D_FAR, "snapshots", "far-one", "files"))
    assert e.value.errno == errno.EXDEV
    assert "code=ZECFS_BROWSE_ZONE" in m.output()
    assert state_of(m.p(D_FAR, "snapshots", "far-one")) == "error ZECFS_BROWSE_ZONE"
    # a snapshot that is not AVAILABLE: EBUSY
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D1, "snapshots", "broken", "files"))
    assert e.value.errno == errno.EBUSY
    assert "code=ZECFS_SNAPSHOT_BUSY" in m.output()
    assert lab.emu.call_count("CreateDisks", "ok") == 0
    assert browse_disks(lab.emu) == []


def test_a_disk_quota_is_edquot_and_leaves_no_disk(lab):
    # the account's disk quota, as a quota code of the API's family would say it
    lab.emu.add_fault(action="CreateDisks", status=400,
                      code="OPERATION_DENIED_DISK_QUOTA_EXCEED")
    m = lab.mount("allow_browse")
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D1, "snapshots", "one", "files"))
    assert e.value.errno == errno.EDQUOT
    assert "code=OPERATION_DENIED_DISK_QUOTA_EXCEED" in m.output()
    assert state_of(m.p(D1, "snapshots", "one")) == "error OPERATION_DENIED_DISK_QUOTA_EXCEED"
    assert browse_disks(lab.emu) == []
    lab.emu.clear_faults()


def test_no_filesystem_is_eio_and_says_what_was_found(lab):
    # D1 blank again: a snapshot holding no filesystem at all
    subprocess.run(["truncate", "-s", "0", os.path.join(lab.data, "disks", D1 + ".img")],
                   check=True)
    subprocess.run(["truncate", "-s", "20G", os.path.join(lab.data, "disks", D1 + ".img")],
                   check=True)
    snapshot(lab.emu, D1, "blank")
    m = lab.mount("allow_browse")
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D1, "snapshots", "blank", "files"))
    assert e.value.errno == errno.EIO
    lines = [ln for ln in m.output().splitlines() if "browse no filesystem" in ln]
    assert len(lines) == 1 and 'found="blank' in lines[0]
    assert state_of(m.p(D1, "snapshots", "blank")) == "error ZECFS_BROWSE_NO_FS"
    all_gone(lab)


def test_sigterm_releases_every_browse_before_exit(lab):
    snapshot(lab.emu, D1, "two")
    m = lab.mount("allow_browse")
    os.listdir(m.p(D1, "snapshots", "one", "files"))
    os.listdir(m.p(D1, "snapshots", "two", "files"))
    assert len(browse_disks(lab.emu)) == 2
    m.proc.send_signal(signal.SIGTERM)
    assert m.proc.wait(timeout=60) == 0
    m.proc = None
    # gone before the daemon exited, not after
    assert browse_disks(lab.emu) == []
    assert loops_of(lab.data) == [] and run_mounts(lab.pids) == []
    assert m.output().count("browse disk released") == 2


def test_kill_9_then_the_next_mount_releases_what_was_left(lab):
    m = lab.mount("allow_browse")
    os.listdir(m.p(D1, "snapshots", "one", "files"))
    left = browse_disks(lab.emu)
    assert len(left) == 1 and left[0]["diskStatus"] == "IN_USE"
    # disks that are not ours by name and tag must survive the clean-up
    mine_untagged = api(lab.emu, "CreateDisks", {
        "zoneId": ZA, "diskName": "zecfs-browse-untagged", "diskSize": 20})["diskIds"][0]
    others = api(lab.emu, "CreateDisks", {
        "zoneId": ZA, "diskName": "zecfs-browse-others", "diskSize": 20,
        "tags": {"tags": [{"key": "zecfs-browse", "value": OTHER_HOST}]}})["diskIds"][0]
    tagged_other_name = api(lab.emu, "CreateDisks", {
        "zoneId": ZA, "diskName": "restored-web", "diskSize": 20,
        "tags": {"tags": [{"key": "zecfs-browse", "value": HOST}]}})["diskIds"][0]
    m.proc.kill()
    m.proc.wait(timeout=10)
    assert run_mounts(lab.pids) != []          # the dead daemon's mount is still there
    m2 = lab.mount("allow_browse", name="mnt2")
    wait_until(lambda: all(d["diskId"] != left[0]["diskId"] for d in lab.emu.state()["disks"]),
               timeout=30, what="the leftover destroyed")
    assert "browse leftover disk_id=" + left[0]["diskId"] in m2.output()
    assert loops_of(lab.data) == [] and run_mounts(lab.pids) == []
    kept = {d["diskId"] for d in lab.emu.state()["disks"]}
    assert {mine_untagged, others, tagged_other_name} <= kept


def test_browse_timeout_is_etimedout_and_the_disk_is_released(lab):
    m = lab.mount("allow_browse", "browse_timeout=1")
    lab.emu.add_fault(action="AttachDisks", latencyMs=2500)
    with pytest.raises(OSError) as e:
        os.listdir(m.p(D1, "snapshots", "one", "files"))
    assert e.value.errno == errno.ETIMEDOUT
    assert "code=ZECFS_BROWSE_TIMEOUT" in m.output()
    # the preparation gives up at its own deadline and releases its disk
    snapdir = m.p(D1, "snapshots", "one")
    wait_until(lambda: state_of(snapdir).startswith("error "), timeout=30,
               what="the preparation's end")
    assert lab.emu.call_count("CreateDisks", "ok") == 1
    all_gone(lab)
    lab.emu.clear_faults()


def test_a_lost_create_answer_leaves_no_disk(lab):
    m = lab.mount("allow_browse")
    lab.emu.add_fault(action="CreateDisks", drop="after", count=1)
    with pytest.raises(OSError):
        os.listdir(m.p(D1, "snapshots", "one", "files"))
    # never re-sent; the disk it made is found by name and tag, and released
    assert lab.emu.call_count("CreateDisks", "ok") + \
        lab.emu.call_count("CreateDisks", "failed") == 1
    all_gone(lab)
    assert "browse disk found after an unclear CreateDisks" in m.output()
