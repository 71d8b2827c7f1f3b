"""Listings from a server that does not add up, through a real mount: a
totalCount understated on full pages, a record of another disk inside a
listing filtered by diskIds.  A rewriting proxy (rewriter.py) changes the
emulator's answers; ls and find show what the emulator holds."""

import os
import subprocess

import pytest

from conftest import DB, WEB, _strip_none, default_seed
from emulator import Emulator
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
