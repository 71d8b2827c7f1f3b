"""MNT/.policies: one read-only
directory per auto-snapshot policy, its policy.json, links to its disks and
its fields as xattrs; rmdir deletes a policy; the policy listing is cached
for cache_ttl and serves user.zec.autoSnapshot too.  Through a real mount,
checked against what the emulator holds and how often it was called."""

import errno
import json
import os

import pytest

from conftest import DB, WEB, default_seed, _strip_none
from emulator import wait_until

ZONE = "asia-east-1a"
P_WEB = "810000000000000001"      # nightly, WEB on it
P_FREE = "810000000000000002"     # weekly, no disk
P_DUP_OLD = "810000000000000003"  # "twin", the older
P_DUP_NEW = "810000000000000004"  # "twin", the younger


def policy(pid, name, disks=(), days=(1, 3, 5), hours=(2,), keep=14,
           created="2026-03-01T00:00:00Z"):
    return {"autoSnapshotPolicyId": pid, "autoSnapshotPolicyName": name, "zoneId": ZONE,
            "repeatWeekDays": list(days), "hours": list(hours), "retentionDays": keep,
            "diskIdSet": list(disks), "createTime": created}


def seed(policies):
    s = _strip_none(default_seed())
    s["autoSnapshotPolicies"] = policies
    return s


SEED = [
    policy(P_WEB, "nightly", disks=[WEB]),
    policy(P_FREE, "weekly", days=(7,), hours=(3, 15), keep=-1),
    policy(P_DUP_NEW, "twin", created="2026-05-01T00:00:00Z"),
    policy(P_DUP_OLD, "twin", created="2026-04-01T00:00:00Z"),
]


@pytest.fixture
def pemu(emu):
    emu.reset(seed(SEED))
    return emu


def describes(emu):
    return emu.call_count("DescribeAutoSnapshotPolicies", "ok") + \
        emu.call_count("DescribeAutoSnapshotPolicies", "failed")


def in_state(emu):
    return {p["autoSnapshotPolicyId"] for p in emu.state()["autoSnapshotPolicies"]}


def test_policies_is_listed_in_the_root(pemu, mount):
    m = mount(pemu)
    assert ".policies" in os.listdir(m.path)
    assert os.path.isdir(m.p(".policies"))


def test_one_directory_per_policy_duplicates_as_name_at_id(pemu, mount):
    m = mount(pemu)
    assert sorted(os.listdir(m.p(".policies"))) == \
        sorted(["nightly", "weekly", "twin", "twin@" + P_DUP_NEW])
    # the older keeps the name, as in snapshots/
    assert os.getxattr(m.p(".policies", "twin"), "user.zec.autoSnapshotPolicyId").decode() \
        == P_DUP_OLD
    assert os.getxattr(m.p(".policies", "twin@" + P_DUP_NEW),
                       "user.zec.autoSnapshotPolicyId").decode() == P_DUP_NEW


def test_policy_directory_holds_policy_json_and_disk_links(pemu, mount):
    m = mount(pemu)
    d = m.p(".policies", "nightly")
    assert sorted(os.listdir(d)) == sorted(["policy.json", WEB])
    assert os.readlink(os.path.join(d, WEB)) == "../../" + WEB
    assert os.path.samefile(os.path.join(d, WEB), m.p(WEB))
    rec = json.load(open(os.path.join(d, "policy.json")))
    [api] = [p for p in pemu.state()["autoSnapshotPolicies"]
             if p["autoSnapshotPolicyId"] == P_WEB]
    for k in ("autoSnapshotPolicyId", "autoSnapshotPolicyName", "zoneId", "repeatWeekDays",
              "hours", "retentionDays", "diskIdSet", "diskNum", "createTime"):
        assert rec[k] == api[k], k
    assert os.listdir(m.p(".policies", "weekly")) == ["policy.json"]


def test_policy_xattrs(pemu, mount):
    m = mount(pemu)
    got = {k: os.getxattr(m.p(".policies", "weekly"), k).decode()
           for k in os.listxattr(m.p(".policies", "weekly"))}
    assert got["user.zec.autoSnapshotPolicyId"] == P_FREE
    assert got["user.zec.autoSnapshotPolicyName"] == "weekly"
    assert got["user.zec.zoneId"] == ZONE
    assert got["user.zec.repeatWeekDays"] == "7"
    assert got["user.zec.hours"] == "3,15"
    assert got["user.zec.retentionDays"] == "-1"
    assert got["user.zec.diskNum"] == "0"
    assert got["user.zec.createTime"] == "2026-03-01T00:00:00Z"
    assert got["user.zec.autoSnapshot"] == "days=sun hours=3,15 keep=forever"
    n = m.p(".policies", "nightly")
    assert os.getxattr(n, "user.zec.repeatWeekDays") == b"1,3,5"
    assert os.getxattr(n, "user.zec.diskNum") == b"1"
    assert os.getxattr(n, "user.zec.retentionDays") == b"14"


def test_rmdir_without_allow_delete_is_eperm(pemu, mount):
    m = mount(pemu)
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(".policies", "weekly"))
    assert e.value.errno == errno.EPERM
    assert P_FREE in in_state(pemu)
    assert pemu.call_count("DeleteAutoSnapshotPolicies", "ok") == 0


def test_rmdir_of_a_policy_with_disks_is_ebusy(pemu, mount):
    m = mount(pemu, "allow_delete")
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(".policies", "nightly"))
    assert e.value.errno == errno.EBUSY
    assert P_WEB in in_state(pemu)
    assert pemu.call_count("DeleteAutoSnapshotPolicies", "ok") == 0
    assert "nightly" in os.listdir(m.p(".policies"))


def test_rmdir_asks_the_server_whether_disks_are_on_it(pemu, mount):
    m = mount(pemu, "allow_delete")
    assert "weekly" in os.listdir(m.p(".policies"))          # cached: no disk
    pemu.api("ApplyAutoSnapshotPolicy", {"autoSnapshotPolicyId": P_FREE, "diskIds": [DB]})
    with pytest.raises(OSError) as e:
        os.rmdir(m.p(".policies", "weekly"))
    assert e.value.errno == errno.EBUSY
    assert P_FREE in in_state(pemu)


def test_rmdir_deletes_and_the_directory_is_gone_at_once(pemu, mount):
    m = mount(pemu, "allow_delete")
    assert "weekly" in os.listdir(m.p(".policies"))
    os.rmdir(m.p(".policies", "weekly"))
    assert P_FREE not in in_state(pemu)
    assert "weekly" not in os.listdir(m.p(".policies"))
    assert not os.path.exists(m.p(".policies", "weekly"))
    assert "policy deleted" in m.output()


def test_changes_inside_policies_are_erofs(pemu, mount):
    m = mount(pemu, "allow_delete")
    d = m.p(".policies", "nightly")
    attempts = [
        lambda: os.mkdir(m.p(".policies", "new")),
        lambda: os.mkdir(os.path.join(d, "sub")),
        lambda: open(os.path.join(d, "file"), "w"),
        lambda: open(os.path.join(d, "policy.json"), "w"),
        lambda: os.unlink(os.path.join(d, WEB)),
        lambda: os.symlink("x", os.path.join(d, "link")),
        lambda: os.rename(d, m.p(".policies", "renamed")),
        lambda: os.setxattr(d, "user.zec.autoSnapshotPolicyName", b"x"),
        lambda: os.setxattr(d, "user.zec.other", b"x"),
        lambda: os.removexattr(d, "user.zec.hours"),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as e:
            attempt()
        assert e.value.errno == errno.EROFS
    assert len(in_state(pemu)) == len(SEED)


def test_listing_costs_one_call_a_page_and_is_cached(emu, mount):
    emu.reset(seed([policy("82%016d" % i, "p-%03d" % i) for i in range(150)]))
    m = mount(emu, "cache_ttl=60")
    emu.reset_calls()
    first = os.listdir(m.p(".policies"))
    assert len(first) == 150
    assert describes(emu) == 2                    # ceil(150 / 100)
    assert sorted(os.listdir(m.p(".policies"))) == sorted(first)
    os.stat(m.p(".policies", "p-042"))
    assert describes(emu) == 2                    # within the TTL: no call


def test_root_listing_makes_no_policy_call(pemu, mount):
    m = mount(pemu, "cache_ttl=60")
    pemu.reset_calls()
    os.listdir(m.path)
    os.stat(m.p(".policies"))                     # attributes came with the root listing
    assert describes(pemu) == 0
    os.listdir(m.p(".policies"))
    assert describes(pemu) == 1
    os.listdir(m.path)
    assert describes(pemu) == 1


def test_autosnapshot_is_read_from_the_cached_listing(pemu, mount):
    m = mount(pemu, "cache_ttl=60")
    os.stat(m.p(WEB))
    pemu.reset_calls()
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == b"days=mon,wed,fri hours=2 keep=14"
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == b"days=mon,wed,fri hours=2 keep=14"
    assert describes(pemu) == 1
    os.listdir(m.p(".policies"))                  # the same listing
    assert describes(pemu) == 1


def test_setfattr_is_read_back_at_once(pemu, mount):
    m = mount(pemu, "cache_ttl=60")
    assert sorted(os.listdir(m.p(".policies", "nightly"))) == sorted(["policy.json", WEB])
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == b"days=mon,wed,fri hours=2 keep=14"
    os.setxattr(m.p(WEB), "user.zec.autoSnapshot", b"days=tue hours=4 keep=3")
    assert os.getxattr(m.p(WEB), "user.zec.autoSnapshot") == b"days=tue hours=4 keep=3"
    [new] = [p for p in pemu.state()["autoSnapshotPolicies"] if p["diskIdSet"] == [WEB]]
    names = os.listdir(m.p(".policies"))
    assert new["autoSnapshotPolicyName"] in names
    assert sorted(os.listdir(m.p(".policies", new["autoSnapshotPolicyName"]))) == \
        sorted(["policy.json", WEB])
    assert os.listdir(m.p(".policies", "nightly")) == ["policy.json"]
    assert os.getxattr(m.p(".policies", "nightly"), "user.zec.diskNum") == b"0"
    # removexattr takes it off: read back at once too
    os.removexattr(m.p(WEB), "user.zec.autoSnapshot")
    with pytest.raises(OSError) as e:
        os.getxattr(m.p(WEB), "user.zec.autoSnapshot")
    assert e.value.errno == errno.ENODATA
    assert os.listdir(m.p(".policies", new["autoSnapshotPolicyName"])) == ["policy.json"]


def test_policy_made_elsewhere_shows_after_the_ttl(pemu, mount):
    m = mount(pemu, "cache_ttl=1")
    assert "other" not in os.listdir(m.p(".policies"))
    pemu.api("CreateAutoSnapshotPolicy", {"zoneId": ZONE, "autoSnapshotPolicyName": "other",
                                          "repeatWeekDays": [2], "hours": [1],
                                          "retentionDays": 2})
    wait_until(lambda: "other" in os.listdir(m.p(".policies")), 10, "the new policy")


def test_listing_is_served_stale_when_the_api_is_down(pemu, mount):
    m = mount(pemu, "cache_ttl=1", "stale_max=300")
    assert "weekly" in os.listdir(m.p(".policies"))
    pemu.add_fault(action="DescribeAutoSnapshotPolicies", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE", count=1000)
    marker = pemu.call_count("DescribeAutoSnapshotPolicies", "failed")
    wait_until(lambda: os.listdir(m.p(".policies")) and
               pemu.call_count("DescribeAutoSnapshotPolicies", "failed") > marker,
               15, "a failed listing")
    assert "weekly" in os.listdir(m.p(".policies"))
