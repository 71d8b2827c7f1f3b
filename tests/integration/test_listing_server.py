"""Listings from a server that does not add up, through a real mount: a
totalCount understated on full pages, a record of another disk inside a
listing filtered by diskIds.  A rewriting proxy (rewriter.py) changes the
emulator's answers; ls and find show what the emulator holds."""

import os
import subprocess
import threading

import pytest

from conftest import DB, WEB, _strip_none, default_seed
from emulator import Emulator, wait_until
from rewriter import Rewriter

N = 750


def seed_many(n=N):
    seed = _strip_none(default_seed())
    seed["snapshots"] = [
        {"snapshotId": "7%017d" % i, "snapshotName": "s%03d" % i, "diskId": WEB,
         "status": "AVAILABLE", "snapshotType": "Manual",
         "createTime": "2026-11-01T%02d:%02d:00Z" % (i // 60, i % 60)}
        for i in range(n)]
    return seed


@pytest.fixture
def many():
    e = Emulator(seed=seed_many(), args=["--snapshot-quota", "2000",
                                         "--create-delay-ms", "100",
                                         "--delete-delay-ms", "100"])
    e.start()
    yield e
    e.stop()


def claim_total(value):
    def rewrite(action, body, doc):
        if action == "DescribeSnapshots":
            doc["response"]["totalCount"] = value
        return doc
    return rewrite


@pytest.mark.parametrize("claim", [0, 1])
def test_understated_total_count_still_lists_everything(many, mount, claim):
    with Rewriter(many, claim_total(claim)) as proxy:
        m = mount(proxy)
        names = sorted(os.listdir(m.p(WEB, "snapshots")))
        assert names == ["s%03d" % i for i in range(N)]
        # a walk of the whole mount (one account-wide listing)
        m2 = mount(proxy, name="mnt2")
        r = subprocess.run(["find", m2.path, "-mindepth", "3", "-maxdepth", "3",
                            "-path", "*/snapshots/*"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        found = [p for p in r.stdout.split("\n") if p.startswith(m2.p(WEB, "snapshots") + "/")]
        assert len(found) == N
        assert "api list longer than its totalCount" in m.output()
        # every page was asked for, beyond what totalCount claimed
        pages = {b.get("pageNum") for a, b in proxy.calls if a == "DescribeSnapshots"}
        assert {1, 2, 8} <= pages


def test_a_record_of_another_disk_is_dropped_and_logged(emu, mount):
    def inject(action, body, doc):
        if action == "DescribeSnapshots" and body.get("diskIds"):
            other = DB if body["diskIds"] != [DB] else WEB
            doc["response"]["dataSet"].append({
                "snapshotId": "799999999999999999", "snapshotName": "intruder",
                "diskId": other + "\nforged", "zoneId": "asia-east-1a",
                "status": "AVAILABLE", "snapshotType": "Manual",
                "createTime": "2026-11-02T00:00:00Z", "diskAbility": True})
            doc["response"]["totalCount"] += 1
        return doc

    with Rewriter(emu, inject) as proxy:
        m = mount(proxy)
        assert sorted(os.listdir(m.p(WEB, "snapshots"))) == ["nightly-1"]
        assert os.listdir(m.p(DB, "snapshots")) == []
        assert not os.path.exists(m.p(WEB, "snapshots", "intruder"))
        out = m.output()
        lines = [ln for ln in out.splitlines() if "outside the filter" in ln]
        assert lines, out
        # the server's diskId is escaped: no line of the log starts with it
        assert not [ln for ln in out.splitlines() if ln.startswith("forged")]
        assert all("\\x0aforged" in ln for ln in lines)
        assert all("field=diskId" in ln and "id=799999999999999999" in ln for ln in lines)


def listing_across_a_held_page_2(proxy, path, action, change):
    """Lists path until a listing asks for `action` again (the TTL over),
    with its page 2 held at the proxy until change() has run: what that
    listing showed."""
    proxy.hold(lambda a, body: a == action and body.get("pageNum") == 2)
    before = len(proxy.calls)
    seen = []

    def relist():
        # within the TTL a listing is served from the cache; the first one
        # after it stops at the gate until the change is done
        while not seen:
            names = os.listdir(path)
            if any(a == action for a, b in proxy.calls[before:]):
                seen.append(sorted(names))

    t = threading.Thread(target=relist)
    t.start()
    proxy.wait_held()
    change()
    proxy.release()
    t.join(timeout=30)
    assert not t.is_alive()
    return seen[0]


def test_a_shift_across_a_page_boundary_at_the_same_size_loses_nothing(mount):
    """Between page 1 and page 2 of a listing, another client deletes a
    snapshot of page 1 and makes a new one: totalCount does not move, and
    s100 slides from page 2 onto page 1, after page 1 was read.  It must not
    vanish from ls (the proxy holds page 2 until the change is done)."""
    with Emulator(seed=seed_many(150), args=["--snapshot-quota", "2000",
                                              "--create-delay-ms", "100",
                                              "--delete-delay-ms", "100"]) as emu, \
            Rewriter(emu) as proxy:
        m = mount(proxy, "cache_ttl=1")
        snaps = m.p(WEB, "snapshots")
        assert sorted(os.listdir(snaps)) == ["s%03d" % i for i in range(150)]

        def change():
            status, _ = emu.api("DeleteSnapshots", {"snapshotIds": ["7%017d" % 10]})
            assert status == 200
            wait_until(lambda: "s010" not in [s["snapshotName"] for s in emu.snapshots(WEB)],
                       what="s010 gone")
            status, _ = emu.api("CreateSnapshot", {"diskId": WEB, "snapshotName": "late"})
            assert status == 200
            assert len(emu.snapshots(WEB)) == 150      # the same size

        seen = listing_across_a_held_page_2(proxy, snaps, "DescribeSnapshots", change)
        want = sorted(["s%03d" % i for i in range(150) if i != 10] + ["late"])
        assert seen == want
        assert sorted(os.listdir(snaps)) == want
        m.unmount()


def test_a_policy_shifted_across_a_page_boundary_stays_listed(mount):
    """The same shift in the policy listing (100 a page): p100 must stay in
    ls .policies."""
    seed = _strip_none(default_seed())
    seed["autoSnapshotPolicies"] = [
        {"autoSnapshotPolicyId": "81%016d" % i, "autoSnapshotPolicyName": "p%03d" % i,
         "zoneId": "asia-east-1a", "repeatWeekDays": [1], "hours": [2],
         "retentionDays": 7, "createTime": "2026-03-01T00:%02d:%02dZ" % (i // 60, i % 60)}
        for i in range(150)]
    with Emulator(seed=seed) as emu, Rewriter(emu) as proxy:
        m = mount(proxy, "cache_ttl=1")
        pols = m.p(".policies")
        assert sorted(os.listdir(pols)) == ["p%03d" % i for i in range(150)]

        def change():
            status, _ = emu.api("DeleteAutoSnapshotPolicies",
                                {"autoSnapshotPolicyIds": ["81%016d" % 10]})
            assert status == 200
            status, _ = emu.api("CreateAutoSnapshotPolicy", {
                "zoneId": "asia-east-1a", "autoSnapshotPolicyName": "late",
                "repeatWeekDays": [1], "hours": [2], "retentionDays": 7})
            assert status == 200
            assert len(emu.state()["autoSnapshotPolicies"]) == 150

        seen = listing_across_a_held_page_2(proxy, pols, "DescribeAutoSnapshotPolicies",
                                            change)
        want = sorted(["p%03d" % i for i in range(150) if i != 10] + ["late"])
        assert seen == want
        assert sorted(os.listdir(pols)) == want
        m.unmount()


def test_a_disk_shifted_across_a_page_boundary_stays_listed(mount):
    """The disk listing (1000 a page): page 2 of one listing answers as if a
    disk of page 1 had gone and one had been made after page 1 was read (the
    size unchanged, the first disk of page 2 slid onto page 1).  That disk
    must stay in ls MNT; the next listing is the emulator's own."""
    seed = _strip_none(default_seed())
    seed["disks"] += [dict(seed["disks"][0], diskId="8700000000%08d" % i,
                           diskName="d%04d" % i) for i in range(1100)]
    first_of_page_2 = seed["disks"][1000]["diskId"]
    state = {"armed": False, "done": False}

    def shift(action, body, doc):
        if (action == "DescribeDisks" and body.get("pageNum") == 2 and state["armed"]
                and not state["done"]):
            state["done"] = True
            data = doc["response"]["dataSet"]
            data.append(dict(data[-1], diskId="8800000000000001", diskName="late"))
            del data[0]
        return doc

    with Emulator(seed=seed) as emu, Rewriter(emu, shift) as proxy:
        m = mount(proxy, "cache_ttl=1")
        assert first_of_page_2 in os.listdir(m.path)
        state["armed"] = True
        before = len(proxy.calls)

        def shifted():
            os.listdir(m.path)          # lists again once the TTL is over
            return state["done"]

        wait_until(shifted, what="a listing of page 2", interval=0.05)
        names = os.listdir(m.path)
        assert first_of_page_2 in names
        assert "8800000000000001" not in names      # the server never had it
        confirms = [b for a, b in proxy.calls[before:]
                    if a == "DescribeDisks" and b.get("diskIds")]
        assert any(first_of_page_2 in b["diskIds"] for b in confirms)
        m.unmount()
