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

        proxy.hold(lambda action, body: action == "DescribeSnapshots" and
                   body.get("pageNum") == 2)
        before = len(proxy.calls)
        seen = []

        def relist():
            # within the TTL a listing is served from the cache; the first
            # one after it stops at the gate until the change is done
            while not seen:
                names = os.listdir(snaps)
                if any(a == "DescribeSnapshots" for a, b in proxy.calls[before:]):
                    seen.append(names)

        t = threading.Thread(target=relist)
        t.start()
        proxy.wait_held()
        status, _ = emu.api("DeleteSnapshots", {"snapshotIds": ["7%017d" % 10]})
        assert status == 200
        wait_until(lambda: "s010" not in [s["snapshotName"] for s in emu.snapshots(WEB)],
                   what="s010 gone")
        status, _ = emu.api("CreateSnapshot", {"diskId": WEB, "snapshotName": "late"})
        assert status == 200
        assert len(emu.snapshots(WEB)) == 150          # the same size
        proxy.release()
        t.join(timeout=30)
        assert not t.is_alive()
        want = sorted(["s%03d" % i for i in range(150) if i != 10] + ["late"])
        assert sorted(os.listdir(snaps)) == want
        assert sorted(seen[0]) == want
        m.unmount()
