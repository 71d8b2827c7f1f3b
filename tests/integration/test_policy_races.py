"""Schedules that cannot be lost or doubled: user.zec.autoSnapshot and
rmdir .policies/P from many threads of one mount and from two mounts (two
hosts), under API latency, lost answers and concurrent changes by other
clients.  What is checked is what the emulator holds afterwards: one policy
per schedule and zone, and every disk on the schedule it was given."""

import errno
import os
import threading

import pytest

from conftest import BOOT, WEB, _disk, _strip_none, default_seed

ZONE = "asia-east-1a"
S1 = "days=mon,wed,fri hours=2 keep=14"
S2 = "days=daily hours=3 keep=forever"
DISKS = ["86285720441455%04d" % (1000 + i) for i in range(8)]
LATENCIES = [30, 100, 300]
P_OLD = "810000000000000001"
P_FREE = "810000000000000002"


def policy(pid, name, disks=(), days=(1, 3, 5), hours=(2,), keep=14,
           created="2026-03-01T00:00:00Z"):
    return {"autoSnapshotPolicyId": pid, "autoSnapshotPolicyName": name, "zoneId": ZONE,
            "repeatWeekDays": list(days), "hours": list(hours), "retentionDays": keep,
            "diskIdSet": list(disks), "createTime": created}


def seed(policies=(), extra_disks=()):
    s = _strip_none(default_seed())
    s["disks"] += [_disk(d, "data-%d" % i, instanceId="91000000000000%04d" % i)
                   for i, d in enumerate(extra_disks)]
    for p in policies:
        for d in s["disks"]:
            if d["diskId"] in p["diskIdSet"]:
                d["autoSnapshotPolicyId"] = p["autoSnapshotPolicyId"]
    s["autoSnapshotPolicies"] = list(policies)
    return s


def state_policies(emu):
    return emu.state().get("autoSnapshotPolicies", [])


def disk_policy(emu, disk_id):
    [d] = [d for d in emu.state()["disks"] if d["diskId"] == disk_id]
    return d.get("autoSnapshotPolicyId")


def with_schedule(emu, days, hours, keep):
    return [p for p in state_policies(emu) if p["repeatWeekDays"] == days and
            p["hours"] == hours and p["retentionDays"] == keep and p["zoneId"] == ZONE]


def run_all(jobs):
    """Runs every job in its own thread, started together; the errors raised."""
    errors = []
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        try:
            job()
        except OSError as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return errors


def while_held(emu, action, job, meanwhile):
    """Runs job in a thread; once its call of action has reached the
    emulator and is held there (1 s of latency), runs meanwhile.  The
    errors job raised."""
    emu.add_fault(action=action, latencyMs=1000, count=1)
    marker = emu.add_marker(action)
    errors = []

    def run():
        try:
            job()
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    emu.wait_arrived(marker)
    meanwhile()
    t.join(30)
    assert not t.is_alive()
    return errors


def api_ok(emu, action, body):
    return lambda: (emu.api(action, body)[0] == 200) or pytest.fail(action + " refused")


def set_schedule(path, value):
    return lambda: os.setxattr(path, "user.zec.autoSnapshot", value.encode())


def assert_one_policy_holding_all(emu, disks):
    [p] = with_schedule(emu, [1, 3, 5], [2], 14)
    assert sorted(p["diskIdSet"]) == sorted(disks)
    assert p["diskNum"] == len(disks)
    for d in disks:
        assert disk_policy(emu, d) == p["autoSnapshotPolicyId"]
    return p


@pytest.mark.parametrize("latency", LATENCIES)
def test_eight_threads_one_schedule_one_policy(emu, mount, latency):
    """Eight threads of one mount put eight disks of one zone on the same
    schedule at once: one policy, all eight disks on it."""
    emu.reset(seed(extra_disks=DISKS))
    m = mount(emu)
    for d in DISKS:
        os.stat(m.p(d))
    emu.add_fault(action="*", latencyMs=latency)
    errors = run_all([set_schedule(m.p(d), S1) for d in DISKS])
    assert errors == []
    assert_one_policy_holding_all(emu, DISKS)
    assert emu.call_count("CreateAutoSnapshotPolicy", "ok") == 1


@pytest.mark.parametrize("latency", LATENCIES)
def test_two_mounts_converge_on_one_policy(emu, mount, latency):
    """Two hosts each make a policy for the same schedule at the same time
    (their creates are slower than their listings, so both find none):
    after the create each lists the zone again and takes the oldest; the
    younger policy is deleted, and every disk is on the one left."""
    emu.reset(seed(extra_disks=DISKS))
    a = mount(emu, name="a")
    b = mount(emu, name="b")
    for d in DISKS:
        os.stat(a.p(d))
        os.stat(b.p(d))
    emu.add_fault(action="*", latencyMs=latency)
    emu.add_fault(action="CreateAutoSnapshotPolicy", latencyMs=400)
    jobs = [set_schedule((a if i % 2 else b).p(d), S1) for i, d in enumerate(DISKS)]
    errors = run_all(jobs)
    assert errors == []
    assert emu.call_count("CreateAutoSnapshotPolicy", "ok") >= 2    # the race happened
    p = assert_one_policy_holding_all(emu, DISKS)
    assert "an older policy has its schedule" in a.output() + b.output()
    # each mount reads back the policy its disks were put on
    for i, d in enumerate(DISKS):
        assert os.getxattr((a if i % 2 else b).p(d), "user.zec.autoSnapshotPolicyId") \
            .decode() == p["autoSnapshotPolicyId"]


@pytest.mark.parametrize("latency", LATENCIES)
def test_two_mounts_moving_disks_between_schedules(emu, mount, latency):
    """Two hosts move the same disks between two schedules at once: every
    command succeeds, each schedule has one policy, and every disk ends on
    one of them, none on no policy."""
    emu.reset(seed(extra_disks=DISKS[:4]))
    a = mount(emu, name="a")
    b = mount(emu, name="b")
    for d in DISKS[:4]:
        os.stat(a.p(d))
        os.stat(b.p(d))
    emu.add_fault(action="*", latencyMs=latency)
    jobs = []
    for d in DISKS[:4]:
        jobs.append(set_schedule(a.p(d), S1))
        jobs.append(set_schedule(b.p(d), S2))
    errors = run_all(jobs)
    assert errors == []
    s1 = with_schedule(emu, [1, 3, 5], [2], 14)
    s2 = with_schedule(emu, [1, 2, 3, 4, 5, 6, 7], [3], -1)
    assert len(s1) == 1 and len(s2) == 1
    on = {d: disk_policy(emu, d) for d in DISKS[:4]}
    assert set(on.values()) <= {s1[0]["autoSnapshotPolicyId"], s2[0]["autoSnapshotPolicyId"]}
    held = sorted(s1[0]["diskIdSet"] + s2[0]["diskIdSet"])
    assert held == sorted(DISKS[:4])


def test_lost_apply_answer_keeps_the_disk_on_the_new_schedule(emu, mount):
    """The disk is on P0; the apply onto the new policy goes through but
    every answer is lost: the fresh record shows the disk on the new
    policy, so the command succeeded: nothing is undone."""
    emu.reset(seed([policy(P_OLD, "nightly", disks=[WEB], days=(7,), hours=(1,), keep=3)]))
    m = mount(emu)
    os.stat(m.p(WEB))
    emu.add_fault(action="ApplyAutoSnapshotPolicy", drop="after", count=8)
    os.setxattr(m.p(WEB), "user.zec.autoSnapshot", S1.encode())
    [p] = with_schedule(emu, [1, 3, 5], [2], 14)
    assert disk_policy(emu, WEB) == p["autoSnapshotPolicyId"]
    assert p["diskIdSet"] == [WEB]
    assert "api change confirmed after its answer was lost" in m.output()
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == S1.encode()


def test_apply_refused_on_every_try_puts_the_disk_back(emu, mount):
    """The same with every try of the apply refused (503, nothing applied):
    the fresh record shows the disk on no policy, so it is put back on P0
    and the new policy, unused, is deleted."""
    emu.reset(seed([policy(P_OLD, "nightly", disks=[WEB], days=(7,), hours=(1,), keep=3)]))
    m = mount(emu)
    os.stat(m.p(WEB))
    emu.add_fault(action="ApplyAutoSnapshotPolicy", status=503, count=4)
    with pytest.raises(OSError) as e:
        os.setxattr(m.p(WEB), "user.zec.autoSnapshot", S1.encode())
    assert e.value.errno == errno.EBUSY          # ZECFS_XATTR_RETRY: run it again
    assert disk_policy(emu, WEB) == P_OLD
    assert [p["autoSnapshotPolicyId"] for p in state_policies(emu)] == [P_OLD]
    assert "disk put back on its schedule after a failed move" in m.output()


def test_lost_answers_everywhere_never_leave_a_disk_without_its_schedule(emu, mount):
    """Answers lost after the server acted, on cancel and apply, at random,
    while the disk moves to a new schedule (a new policy) each time: every
    command either succeeds with the disk on the new schedule or fails with
    the disk still on a schedule, never on none."""
    emu.reset(seed([policy(P_OLD, "nightly", disks=[WEB], days=(7,), hours=(1,), keep=3)]))
    m = mount(emu, "retries=1")         # every lost answer is the call's outcome
    os.stat(m.p(WEB))
    for action in ("ApplyAutoSnapshotPolicy", "CancelAutoSnapshotPolicy"):
        emu.add_fault(action=action, drop="after", probability=0.5, seed=3)
    for hour in range(2, 14):
        value = "days=mon hours=%d keep=7" % hour
        try:
            os.setxattr(m.p(WEB), "user.zec.autoSnapshot", value.encode())
        except OSError:
            pass
        assert disk_policy(emu, WEB) is not None, value
    assert [p["hours"] for p in state_policies(emu) if p["diskIdSet"] == [WEB]] == [[13]]


def test_rmdir_and_setfattr_in_one_mount_exclude_each_other(emu, mount):
    """rmdir .policies/P has checked P is unused and its delete is on the
    way; a setfattr of P's schedule on the same mount waits for it, then
    puts the disk on a new policy: the disk is never left on none."""
    emu.reset(seed([policy(P_FREE, "weekly")]))
    m = mount(emu, "allow_delete")
    os.stat(m.p(".policies", "weekly"))
    os.stat(m.p(WEB))
    errors = while_held(emu, "DeleteAutoSnapshotPolicies",
                        lambda: os.rmdir(m.p(".policies", "weekly")),
                        set_schedule(m.p(WEB), S1))
    assert errors == []
    assert P_FREE not in [p["autoSnapshotPolicyId"] for p in state_policies(emu)]
    [p] = with_schedule(emu, [1, 3, 5], [2], 14)
    assert disk_policy(emu, WEB) == p["autoSnapshotPolicyId"]


def test_rmdir_on_one_host_racing_a_move_on_another_is_logged_loudly(emu, mount):
    """Across hosts no lock helps: host B moves the disk from Q onto P
    while host A's delete of P (checked unused) is on its way.  The delete
    takes the disk off; A checks the zone's disks again after the delete
    and says so loudly (the window docs/reliability.md describes)."""
    emu.reset(seed([policy(P_OLD, "nightly", disks=[WEB], days=(7,), hours=(1,), keep=3),
                    policy(P_FREE, "weekly")]))
    a = mount(emu, "allow_delete", name="a")
    b = mount(emu, name="b")
    os.stat(a.p(".policies", "weekly"))
    os.stat(b.p(WEB))
    errors = while_held(emu, "DeleteAutoSnapshotPolicies",
                        lambda: os.rmdir(a.p(".policies", "weekly")),
                        set_schedule(b.p(WEB), S1))        # onto P
    assert errors == []
    assert disk_policy(emu, WEB) is None          # the window: the disk lost it
    line = [ln for ln in a.output().splitlines() if "disk may have lost its schedule" in ln]
    assert len(line) == 1 and "error" in line[0]
    assert WEB in line[0] and P_FREE in line[0] and P_OLD in line[0]


def test_system_disk_whose_policy_goes_meanwhile_gets_its_refusal(emu, mount):
    """The policy matched for a system disk is deleted between the look-up
    and the apply: the apply is tried again on a fresh policy and the
    command gets the system disk's refusal (EPERM), not ENOENT."""
    emu.reset(seed([policy(P_FREE, "weekly")]))
    m = mount(emu)
    os.stat(m.p(BOOT))
    errors = while_held(emu, "ApplyAutoSnapshotPolicy", set_schedule(m.p(BOOT), S1),
                        api_ok(emu, "DeleteAutoSnapshotPolicies",
                               {"autoSnapshotPolicyIds": [P_FREE]}))
    assert [e.errno for e in errors] == [errno.EPERM]   # OPERATION_DENIED_DISK_SYSTEM_TYPE
    assert state_policies(emu) == []                    # the policy made for it is gone


def test_disk_moved_by_another_client_meanwhile_is_moved_again(emu, mount):
    """Another client puts the disk on its own policy between zecfs's read
    and its apply: the apply's INVALID_DISK_AUTO_SNAPSHOT_POLICY_EXIST
    starts the move again from a fresh read, and the command succeeds
    (not EEXIST): the disk ends on the schedule this command set."""
    emu.reset(seed([policy(P_FREE, "weekly", days=(7,), hours=(1,), keep=3)]))
    m = mount(emu)
    os.stat(m.p(WEB))
    errors = while_held(emu, "ApplyAutoSnapshotPolicy", set_schedule(m.p(WEB), S1),
                        api_ok(emu, "ApplyAutoSnapshotPolicy",
                               {"autoSnapshotPolicyId": P_FREE, "diskIds": [WEB]}))
    assert errors == []
    [p] = with_schedule(emu, [1, 3, 5], [2], 14)
    assert disk_policy(emu, WEB) == p["autoSnapshotPolicyId"]
    assert "schedule changed under a move" in m.output()
