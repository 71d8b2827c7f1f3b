"""zec-emulator's control plane, business clock, faults, counters,
persistence, start-up flags and concurrency."""
import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator import Emulator, emulator_binary  # noqa: E402

D1, D2 = "300000000000000001", "300000000000000002"
S1 = "400000000000000001"
SEED = {
    "disks": [{"diskId": D1, "diskName": "one"}, {"diskId": D2, "diskName": "two"}],
    "snapshots": [{"snapshotId": S1, "snapshotName": "base", "diskId": D1,
                   "createTime": "2026-01-01T00:00:00Z"}],
}
FMT = "%Y-%m-%dT%H:%M:%SZ"


@pytest.fixture(scope="module")
def emu():
    e = Emulator(seed=SEED, args=["--create-delay-ms", "200", "--delete-delay-ms", "200",
                                  "--no-disk-snapshot-creating"])
    e.start()
    yield e
    e.stop()


@pytest.fixture(autouse=True)
def fresh(emu):
    emu.reset(SEED)
    emu.clear_faults()
    emu.reset_calls()
    yield


def now_of(emu):
    return datetime.datetime.strptime(emu.state()["now"], FMT)


def create(emu, name="snap-x", disk=D1, **extra):
    status, doc = emu.api("CreateSnapshot", {"diskId": disk, "snapshotName": name, **extra})
    return status, doc


# ---- state, reset, disks -------------------------------------------------------

def test_state_shape(emu):
    st = emu.state()
    assert set(st) >= {"disks", "snapshots", "now"}
    assert [d["diskId"] for d in st["disks"]] == [D1, D2]
    assert [s["snapshotId"] for s in st["snapshots"]] == [S1]
    datetime.datetime.strptime(st["now"], FMT)


def test_state_includes_deleting(emu):
    assert emu.api("DeleteSnapshots", {"snapshotIds": [S1]})[0] == 200
    assert [s["status"] for s in emu.snapshots(D1)] == ["DELETING"]


def test_reset_with_and_without_seed(emu):
    emu.reset({"disks": [{"diskId": "7"}]})
    st = emu.state()
    assert [d["diskId"] for d in st["disks"]] == ["7"] and st["snapshots"] == []
    d = st["disks"][0]       # defaults for a minimal seed record
    assert d["diskType"] == "DATA" and d["diskStatus"] == "IN_USE"
    assert d["snapshotAbility"] is True and d["diskCategory"] == "Standard NVMe SSD"
    emu.reset()              # back to the start-up seed
    assert [d["diskId"] for d in emu.state()["disks"]] == [D1, D2]


def test_reset_rejects_bad_seed(emu):
    status, doc = emu.control("POST", "reset", {"disks": [{"diskName": "no id"}]})
    assert status == 400 and "error" in doc
    assert [d["diskId"] for d in emu.state()["disks"]] == [D1, D2]


@pytest.mark.parametrize("seed", [
    {"disks": [{"diskId": 5}]},
    {"disks": [{"diskId": "5", "diskStatus": 1}]},
    {"disks": [{"diskId": "5", "snapshotAbility": "yes"}]},
    {"disks": [{"diskId": "5"}, {"diskId": "5"}]},
    {"disks": [{"diskId": "5"}], "snapshots": [{"diskId": "5", "snapshotId": 9}]},
    {"disks": [{"diskId": "5"}], "snapshots": [{"diskId": "5", "createTime": "yesterday"}]},
    {"disks": [{"diskId": "5"}], "snapshots": [{"snapshotId": "9"}]},
    {"disks": {}},
])
def test_reset_rejects_ill_typed_seeds(emu, seed):
    status, doc = emu.control("POST", "reset", seed)
    assert status == 400 and doc["error"]
    assert [d["diskId"] for d in emu.state()["disks"]] == [D1, D2]


def test_set_disk_rejects_bad_fields(emu):
    for fields in ({"diskStatus": 3}, {"snapshotAbility": "no"}, {"diskId": "other"},
                   {"diskId": None}, {"createTime": "now"}):
        status, doc = emu.control("POST", f"disks/{D1}", fields)
        assert status == 400, fields
    assert emu.state()["disks"][0]["diskStatus"] == "IN_USE"
    d = emu.set_disk(D1, instanceId=None)           # null removes a field
    assert "instanceId" not in d


def test_set_disk_fields(emu):
    d = emu.set_disk(D1, diskStatus="ATTACHING", diskType="DATA", snapshotAbility=True)
    assert d["diskStatus"] == "ATTACHING"
    assert create(emu)[1]["code"] == "UNSUPPORTED_OPERATION_DISK_STATUS"
    emu.set_disk(D1, diskStatus="IN_USE", snapshotAbility=False)
    assert create(emu)[1]["code"] == "UNSUPPORTED_OPERATION_DISK_STATUS"
    emu.set_disk(D1, snapshotAbility=True, diskType="SYSTEM")
    assert create(emu)[1]["code"] == "OPERATION_DENIED_DISK_SYSTEM_TYPE"
    emu.set_disk(D1, diskType="DATA", instanceName="web-9")
    assert create(emu)[0] == 200
    status, doc = emu.api("DescribeDisks", {"diskIds": [D1]})
    assert doc["response"]["dataSet"][0]["instanceName"] == "web-9"
    status, _ = emu.control("POST", "disks/404", {"diskStatus": "IN_USE"})
    assert status == 404


def test_unknown_control_endpoint(emu):
    assert emu.control("GET", "nothing")[0] == 404
    assert emu.control("GET", "reset")[0] == 405


# ---- business clock ------------------------------------------------------------

def test_clock_moves_create_time_and_keeps_signatures_valid(emu):
    before = now_of(emu)
    emu.advance_clock(3 * 86400)
    after = now_of(emu)
    assert 3 * 86400 <= (after - before).total_seconds() <= 3 * 86400 + 5
    status, doc = create(emu, "later")          # signed with the real clock
    assert status == 200
    [s] = [s for s in emu.snapshots(D1) if s["snapshotName"] == "later"]
    created = datetime.datetime.strptime(s["createTime"], FMT)
    assert abs((created - after).total_seconds()) <= 5


def test_retention_rule_follows_business_clock(emu):
    real_plus_2d = (datetime.datetime.utcnow() + datetime.timedelta(days=2)).strftime(FMT)
    assert create(emu, "r1", retentionTime=real_plus_2d)[0] == 200
    emu.advance_clock(3 * 86400)
    status, doc = create(emu, "r2", retentionTime=real_plus_2d)
    assert (status, doc["code"]) == (400, "INVALID_SNAPSHOT_RETENTION_TIME")


def test_retention_expiry_deletes(emu):
    until = (now_of(emu) + datetime.timedelta(hours=25)).strftime(FMT)
    status, doc = create(emu, "short-lived", retentionTime=until)
    sid = doc["response"]["snapshotId"]
    emu.advance_clock(24 * 3600)
    assert sid in [s["snapshotId"] for s in emu.snapshots()]
    emu.advance_clock(2 * 3600)
    assert sid not in [s["snapshotId"] for s in emu.snapshots()]
    status, doc = emu.api("DescribeSnapshots", {"snapshotIds": [sid]})
    assert doc["response"]["totalCount"] == 0


def test_clock_drives_pending_transitions(emu):
    with Emulator(seed=SEED, args=["--create-delay-ms", "3600000"]) as e:
        status, doc = create(e)
        sid = doc["response"]["snapshotId"]
        assert [s["status"] for s in e.snapshots() if s["snapshotId"] == sid] == ["CREATING"]
        e.advance_clock(3601)
        assert [s["status"] for s in e.snapshots() if s["snapshotId"] == sid] == ["AVAILABLE"]


def test_clock_rejects_bad_body(emu):
    assert emu.control("POST", "clock", {"advanceSeconds": "soon"})[0] == 400
    assert emu.control("POST", "clock", {})[0] == 400


# ---- faults -----------------------------------------------------------------------

def test_fault_status_and_count(emu):
    emu.add_fault(action="CreateSnapshot", status=503, code="SERVICE_TEMPORARY_UNAVAILABLE",
                  count=1)
    status, doc = create(emu, "f1")
    assert (status, doc["code"]) == (503, "SERVICE_TEMPORARY_UNAVAILABLE")
    assert set(doc) == {"requestId", "code", "message"}
    assert [s["snapshotName"] for s in emu.snapshots()] == ["base"]   # not applied
    assert create(emu, "f2")[0] == 200                                # count used up
    assert emu.api("DescribeDisks", {})[0] == 200


def test_fault_default_codes_and_wildcard(emu):
    emu.add_fault(action="*", status=429, count=2)
    status, doc = emu.api("DescribeDisks", {})
    assert (status, doc["code"]) == (429, "REQUEST_LIMIT_EXCEEDED")
    status, doc = emu.api("DescribeSnapshots", {})
    assert (status, doc["code"]) == (429, "REQUEST_LIMIT_EXCEEDED")
    assert emu.api("DescribeSnapshots", {})[0] == 200
    emu.add_fault(action="DescribeDisks", code="INTERNAL_SERVER_ERROR")
    assert emu.api("DescribeDisks", {})[0] == 500
    assert emu.api("DescribeDisks", {})[0] == 500                     # no count: stays
    emu.clear_faults()
    assert emu.api("DescribeDisks", {})[0] == 200


def test_fault_latency(emu):
    emu.add_fault(action="*", latencyMs=300)
    t0 = time.monotonic()
    assert emu.api("DescribeDisks", {})[0] == 200
    assert time.monotonic() - t0 >= 0.29


def test_fault_latency_adds_to_error(emu):
    emu.add_fault(action="*", latencyMs=200)
    emu.add_fault(action="DescribeDisks", status=500, count=1)
    t0 = time.monotonic()
    assert emu.api("DescribeDisks", {})[0] == 500
    assert time.monotonic() - t0 >= 0.19


def test_fault_precedence_oldest_outcome_wins(emu):
    emu.add_fault(action="DescribeDisks", status=503, count=1)
    emu.add_fault(action="*", status=500, count=1)
    assert emu.api("DescribeDisks", {})[0] == 503
    assert emu.api("DescribeDisks", {})[0] == 500          # untouched by the first call
    assert emu.api("DescribeDisks", {})[0] == 200


def dropped(emu, action, body):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError,
                        http.client.BadStatusLine)):
        emu.api(action, body)


def test_fault_drop_before(emu):
    emu.add_fault(action="CreateSnapshot", drop="before", count=1)
    dropped(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "lost"})
    assert [s["snapshotName"] for s in emu.snapshots()] == ["base"]
    assert create(emu, "kept")[0] == 200


def test_fault_drop_after(emu):
    emu.add_fault(action="CreateSnapshot", drop="after", count=1)
    dropped(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "ambiguous"})
    names = [s["snapshotName"] for s in emu.snapshots()]
    assert names == ["base", "ambiguous"]                 # the change was applied
    status, doc = emu.api("DescribeSnapshots", {"diskIds": [D1], "snapshotName": "^ambiguous$"})
    assert doc["response"]["totalCount"] == 1


def test_drop_gives_curl_an_empty_reply(emu):
    emu.add_fault(action="*", drop="before", count=1)
    hdrs = emu.request_headers("DescribeDisks", b"{}")
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            emu.url + "/api/v2/zec", "--data-binary", "{}"]
    for k, v in hdrs.items():
        args += ["-H", f"{k}: {v}"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=10)
    assert r.returncode == 52, (r.returncode, r.stdout)  # curl: empty reply from server
    assert r.stdout == "000"


def test_fault_stall_does_not_block_others(emu):
    emu.add_fault(action="DescribeSnapshots", stall=True, count=1)
    t0 = time.monotonic()
    errors = []

    def stalled():
        try:
            emu.api("DescribeSnapshots", {}, timeout=1.0)
        except (socket.timeout, TimeoutError) as e:
            errors.append(e)

    th = threading.Thread(target=stalled)
    th.start()
    time.sleep(0.2)
    assert emu.api("DescribeDisks", {})[0] == 200            # served meanwhile
    assert time.monotonic() - t0 < 0.9
    th.join()
    assert len(errors) == 1                                  # the client gave up
    assert emu.api("DescribeSnapshots", {})[0] == 200


def test_stall_ends_on_shutdown():
    e = Emulator(seed=SEED).start()
    idle = e.connection()                                    # an idle keep-alive client
    assert e.api("DescribeDisks", {}, conn=idle)[0] == 200
    e.add_fault(action="*", stall=True)
    outcome = []

    def stalled():
        try:
            outcome.append(e.api("DescribeDisks", {}, timeout=10))
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    th = threading.Thread(target=stalled)
    th.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    e.stop()                                                 # asserts exit status 0
    assert time.monotonic() - t0 < 5
    th.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], Exception)   # closed, no answer
    idle.close()


def outcome_pattern(emu, n=24):
    out = []
    for _ in range(n):
        out.append(emu.api("DescribeDisks", {})[0])
    return out


def test_fault_probability_is_seeded(emu):
    emu.add_fault(action="DescribeDisks", status=500, probability=0.5, seed=7)
    first = outcome_pattern(emu)
    emu.clear_faults()
    emu.add_fault(action="DescribeDisks", status=500, probability=0.5, seed=7)
    second = outcome_pattern(emu)
    assert first == second
    assert 500 in first and 200 in first
    emu.clear_faults()
    emu.add_fault(action="DescribeDisks", status=500, probability=0.5, seed=8)
    assert outcome_pattern(emu) != first


def test_fault_validation(emu):
    for bad in ({"action": "*"}, {"action": "*", "drop": "sideways"},
                {"action": "*", "status": 200}, {"action": "*", "status": 500, "count": 0},
                {"action": "*", "status": 500, "probability": 2}):
        status, doc = emu.control("POST", "faults", bad)
        assert status == 400, bad
    status, doc = emu.control("GET", "faults")
    assert status == 200 and doc["faults"] == []


# ---- calls and connections -------------------------------------------------------

def test_calls_counters(emu):
    emu.add_fault(action="CreateSnapshot", status=500, count=1)
    create(emu, "c1")
    create(emu, "c2")
    emu.api("DescribeSnapshots", {})
    emu.api("DescribeSnapshots", {"pageSize": 5000})
    emu.api("DescribeSnapshots", {}, key_password="wrong")
    calls = emu.calls()
    assert calls["actions"]["CreateSnapshot"] == {"ok": 1, "failed": 1}
    assert calls["actions"]["DescribeSnapshots"] == {"ok": 1, "failed": 2}
    assert set(calls) == {"actions", "connections"}
    emu.reset_calls()
    assert emu.calls() == {"actions": {}, "connections": 0}


def test_dropped_call_counts_as_failed(emu):
    emu.add_fault(action="CreateSnapshot", drop="after", count=1)
    dropped(emu, "CreateSnapshot", {"diskId": D1, "snapshotName": "dd"})
    assert emu.calls()["actions"]["CreateSnapshot"] == {"ok": 0, "failed": 1}


def test_connections_with_keep_alive(emu):
    conn = emu.connection()
    for _ in range(5):
        assert emu.api("DescribeDisks", {}, conn=conn)[0] == 200
    calls = emu.calls()
    assert calls["actions"]["DescribeDisks"]["ok"] == 5
    assert calls["connections"] == 1
    for _ in range(3):
        emu.api("DescribeDisks", {})                    # a new connection each
    assert emu.calls()["connections"] == 4
    emu.reset_calls()
    emu.api("DescribeDisks", {}, conn=conn)             # old connection, new period
    assert emu.calls()["connections"] == 1
    conn.close()


def test_concurrent_keep_alive_clients(emu):
    results = []
    lock = threading.Lock()

    def client():
        conn = emu.connection()
        got = [emu.api("DescribeSnapshots", {"diskIds": [D1]}, conn=conn)[0] for _ in range(10)]
        conn.close()
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=client) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 400
    calls = emu.calls()
    assert calls["connections"] == 40
    assert calls["actions"]["DescribeSnapshots"] == {"ok": 400, "failed": 0}


def test_concurrent_creates_are_all_recorded(emu):
    ids = []
    lock = threading.Lock()

    def worker(i):
        status, doc = create(emu, f"par-{i}", disk=D2)
        with lock:
            ids.append((status, doc["response"]["snapshotId"] if status == 200 else None))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(s == 200 for s, _ in ids)
    assert len({i for _, i in ids}) == 30
    assert len(emu.snapshots(D2)) == 30


def test_log_line_per_request_without_secrets(emu):
    status, doc = emu.api("DescribeDisks", {})
    rid = doc["requestId"]
    emu.api("CreateSnapshot", {"diskId": "404", "snapshotName": "zz"})
    time.sleep(0.1)
    log = emu.log()
    assert re.search(r"action=DescribeDisks status=200 code=- requestId=%s duration_ms=\d+"
                     % rid, log)
    assert re.search(r"action=CreateSnapshot status=404 code=INVALID_DISK_NOT_FOUND "
                     r"requestId=T[0-9A-F-]{36} duration_ms=\d+", log)
    assert "Signature=" not in log and emu.key_password not in log
    assert "ZC2-HMAC-SHA256 Credential" not in log


# ---- loopback-only control plane --------------------------------------------------

def non_loopback_ip():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.123", 9))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_control_plane_is_loopback_only():
    ip = non_loopback_ip()
    if not ip:
        pytest.skip("no non-loopback address")
    with Emulator(seed=SEED, args=["--listen", "0.0.0.0:0"]) as e:
        port = e.url.rsplit(":", 1)[1]
        e.url = f"http://127.0.0.1:{port}"
        assert e.state()["disks"]
        try:
            urllib.request.urlopen(f"http://{ip}:{port}/_emulator/state", timeout=5)
            raise AssertionError("non-loopback peer was served")
        except urllib.error.HTTPError as err:
            assert err.code == 403


# ---- start-up flags, seed, demo, persistence -----------------------------------------

def test_listening_line_and_exit():
    p = subprocess.Popen([emulator_binary(), "--listen", "127.0.0.1:0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:") and line.endswith("\n")
    assert int(line.strip().rsplit(":", 1)[1]) > 0
    p.terminate()
    assert p.wait(10) == 0
    assert p.stdout.read() == ""                     # exactly one line


def test_help_and_version():
    r = subprocess.run([emulator_binary(), "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for flag in ("--listen", "--access-key-id", "--access-key-password", "--bearer-token",
                 "--snapshot-quota", "--create-delay-ms", "--delete-delay-ms",
                 "--rollback-delay-ms", "--max-snapshot-page-size", "--state", "--seed",
                 "--demo"):
        assert flag in r.stdout
    r = subprocess.run([emulator_binary(), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("zec-emulator ")
    r = subprocess.run([emulator_binary(), "--snapshot-quota", "x"], capture_output=True)
    assert r.returncode != 0


def test_bad_seed_file_fails_start():
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write("{not json")
        f.flush()
        r = subprocess.run([emulator_binary(), "--listen", "127.0.0.1:0", "--seed", f.name],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0 and r.stdout == ""


def test_demo_seed():
    with Emulator(args=["--demo"]) as e:
        st = e.state()
        disks = st["disks"]
        assert len(disks) >= 5
        assert any(d["diskType"] == "SYSTEM" for d in disks)
        assert any(d["diskStatus"] == "AVAILABLE" for d in disks)
        assert any(d["snapshotAbility"] is False for d in disks)
        assert sum(d["diskType"] == "DATA" and d["diskStatus"] == "IN_USE" for d in disks) >= 2
        assert len(st["snapshots"]) >= 2
        assert all(d["diskId"].isdigit() and len(d["diskId"]) >= 18 for d in disks)
        status, doc = e.api("DescribeDisks", {})
        assert status == 200 and doc["response"]["totalCount"] == len(disks)


def test_custom_credentials():
    with Emulator(seed=SEED, key_id="MYKEY", key_password="my-secret") as e:
        assert e.api("DescribeDisks", {})[0] == 200
        status, doc = e.api("DescribeDisks", {}, key_id="ZECDEMOACCESSKEY0001",
                            key_password="zec-demo-password-not-secret")
        assert (status, doc["code"]) == (401, "AUTHFAILURE_SIGNATURE_FAILURE")


def test_state_file_persists_across_restart(tmp_path):
    path = str(tmp_path / "state.json")
    with Emulator(seed=SEED, args=["--state", path, "--create-delay-ms", "0"]) as e:
        status, doc = create(e, "survivor", disk=D2)
        sid = doc["response"]["snapshotId"]
        e.set_disk(D1, diskName="renamed")
        e.advance_clock(3600)
        with open(path) as f:
            saved = json.load(f)                     # valid JSON after every change
        assert sid in [s["snapshotId"] for s in saved["snapshots"]]
    assert not [n for n in os.listdir(tmp_path) if n != "state.json"]   # no temp files
    with Emulator(args=["--state", path]) as e:      # no seed: the file alone
        st = e.state()
        assert [s["snapshotName"] for s in st["snapshots"] if s["snapshotId"] == sid] == \
            ["survivor"]
        assert st["disks"][0]["diskName"] == "renamed"
        assert datetime.datetime.strptime(st["now"], FMT) > \
            datetime.datetime.utcnow() + datetime.timedelta(minutes=50)
        status, doc = create(e, "after-restart", disk=D2)
        assert status == 200 and doc["response"]["snapshotId"] != sid
