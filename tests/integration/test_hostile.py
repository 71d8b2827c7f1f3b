"""Hostile or odd server data: server strings that
become path components are checked; what cannot be shown is left out and
logged, never allowed to fail a whole listing or to escape the mount."""

import os
import time

from conftest import Mount
from hostile import Hostile


def disk(disk_id, name):
    return {"diskId": disk_id, "diskName": name, "zoneId": "z", "diskStatus": "IN_USE",
            "diskType": "DATA", "snapshotAbility": True, "diskSize": 10,
            "createTime": "2026-01-01T00:00:00Z"}


def snap(sid, name, disk_id):
    return {"snapshotId": sid, "snapshotName": name, "diskId": disk_id,
            "status": "AVAILABLE", "createTime": "2026-10-01T00:00:00Z"}


class FakeEmu:
    """What Mount needs of an emulator: its url."""
    def __init__(self, url):
        self.url = url


def test_server_strings_never_escape_the_mount(tmp_path):
    # (an empty id is a malformed record: the page fails with EIO, logged)
    disks = [disk("../../../../tmp/x", "escape"), disk("..", "dotdot"),
             disk(".", "dot"), disk("a/b", "slash"), disk("1001", "good"),
             disk("1002", "../../etc")]
    snaps = [snap("1", "/", "1001"), snap("2", "", "1001"), snap("3", ".", "1001"),
             snap("4", "..", "1001"), snap("5", "fine", "1001"), snap("6/x", "bad-id", "1001"),
             snap("7", "a/b", "1001")]
    with Hostile(disks, snaps) as h:
        m = Mount(FakeEmu(h.url), tmp_path / "mnt", ()).start()
        try:
            assert sorted(e for e in os.listdir(m.path) if not e.startswith(".")) == ["1001", "1002"]
            links = os.listdir(m.p(".by-name"))
            assert sorted(links) == ["good"]
            for name in links:
                target = os.path.realpath(m.p(".by-name", name))
                assert target.startswith(str(m.path) + os.sep)
            # one snapshot named '/' does not make the disk's listing fail
            assert os.listdir(m.p("1001", "snapshots")) == ["fine"]
        finally:
            m.unmount()
        log = m.output()
        assert "cannot be shown" in log
        # a newline from the server never starts a line of its own
        assert not any(line.startswith("forged line") for line in log.splitlines())


def test_unparsable_create_time_is_never_1970(tmp_path):
    """A recipe that prunes by age must not delete what a bad timestamp
    makes look old: the time zecfs first saw it stands in, and stays."""
    disks = [disk("1001", "good")]
    snaps = [snap("5", "odd-time", "1001"), snap("6", "fine", "1001")]
    snaps[0]["createTime"] = "last tuesday"
    with Hostile(disks, snaps) as h:
        before = time.time()
        m = Mount(FakeEmu(h.url), tmp_path / "mnt", ("cache_ttl=1",)).start()
        try:
            first = os.stat(m.p("1001", "snapshots", "odd-time")).st_mtime
            assert before - 1 <= first <= time.time() + 1
            # a later listing (the TTL is 1 s) keeps the first-seen time
            n = len(h.calls)
            deadline = time.time() + 10
            while len(h.calls) == n and time.time() < deadline:
                os.listdir(m.p("1001", "snapshots"))
                os.stat(m.p("1001", "snapshots", "odd-time"))
            assert len(h.calls) > n
            assert os.stat(m.p("1001", "snapshots", "odd-time")).st_mtime == first
            assert os.stat(m.p("1001", "snapshots", "fine")).st_mtime == 1790812800
        finally:
            m.unmount()
        assert "createTime cannot be parsed" in m.output()


def test_server_strings_in_cache_log_lines_are_escaped(tmp_path):
    """A createTime zecfs cannot parse is logged with the server's quotes
    escaped: it cannot close its field and forge another."""
    snaps = [snap("5", "odd-time", "1001")]
    snaps[0]["createTime"] = 'x" forged="yes'
    with Hostile([disk("1001", "good")], snaps) as h:
        m = Mount(FakeEmu(h.url), tmp_path / "mnt").start()
        try:
            assert os.listdir(m.p("1001", "snapshots")) == ["odd-time"]
        finally:
            m.unmount()
    [line] = [ln for ln in m.output().splitlines() if "createTime cannot be parsed" in ln]
    assert 'create_time="x\\" forged=\\"yes"' in line, line
