"""Test helper for zec-emulator: start/stop it, drive its control plane, and
call its API through an independent ZC2-HMAC-SHA256 signing client written
here in Python (deliberately not via the C code).  Standard library only.

    with Emulator(seed={"disks": [...]}, args=["--create-delay-ms", "50"]) as emu:
        status, body = emu.api("DescribeDisks", {})
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

DEMO_KEY_ID = "ZECDEMOACCESSKEY0001"
DEMO_KEY_PASSWORD = "zec-demo-password-not-secret"

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir() -> str:
    """The meson build directory: $ZECFS_BUILD_DIR, else <repo>/build."""
    return os.path.abspath(os.environ.get("ZECFS_BUILD_DIR", os.path.join(_REPO, "build")))


def emulator_binary() -> str:
    return os.path.join(build_dir(), "src", "emulator", "zec-emulator")


def sign(secret: str, timestamp: str, content_type: str, host: str, body: bytes) -> str:
    """ZC2-HMAC-SHA256 signature (zec-api.md section 2) over the raw body bytes."""
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([
        "POST", "/", "",
        f"content-type:{content_type}\nhost:{host}\n",
        "content-type;host",
        payload_hash,
    ])
    to_sign = "ZC2-HMAC-SHA256\n{}\n{}".format(
        timestamp, hashlib.sha256(canonical.encode()).hexdigest())
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(key_id: str, signature: str) -> str:
    return (f"ZC2-HMAC-SHA256 Credential={key_id}, "
            f"SignedHeaders=content-type;host, Signature={signature}")


class EmulatorError(RuntimeError):
    pass


def wait_until(cond, timeout: float = 10, what: str = "condition", interval: float = 0.02):
    """Polls cond() until it returns a true value, which is returned; raises
    AssertionError naming `what` if timeout seconds pass first.  Tests wait
    on a condition like this, never on a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Emulator:
    """A zec-emulator process on 127.0.0.1 with a free port."""

    def __init__(self, seed: dict | None = None, args=(), key_id=DEMO_KEY_ID,
                 key_password=DEMO_KEY_PASSWORD, cafile=None):
        """cafile: the CA that signed --tls-cert, for an HTTPS emulator."""
        self.ssl_context = ssl.create_default_context(cafile=cafile) if cafile else None
        self.seed = seed
        self.args = list(args)
        self.key_id = key_id
        self.key_password = key_password
        self.proc: subprocess.Popen | None = None
        self.url = self.host = None
        self.port = None
        self._seed_file = None
        self._stderr = None
        self.stderr_path = None

    # ---- process ----------------------------------------------------
    def start(self) -> "Emulator":
        cmd = [emulator_binary(), "--listen", "127.0.0.1:0"]
        if self.seed is not None:
            fd, self._seed_file = tempfile.mkstemp(prefix="zec-seed-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(self.seed, f)
            cmd += ["--seed", self._seed_file]
        cmd += [str(a) for a in self.args]
        if "--access-key-id" not in self.args:
            cmd += ["--access-key-id", self.key_id]
        if "--access-key-password" not in self.args:
            cmd += ["--access-key-password", self.key_password]
        fd, self.stderr_path = tempfile.mkstemp(prefix="zec-emulator-", suffix=".log")
        self._stderr = os.fdopen(fd, "w+b")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr)
        line = self._read_listening_line(timeout=10)
        url = line[len("listening on "):].strip()
        self.url = url
        self.host = url.split("://", 1)[1]
        self.port = int(self.host.rsplit(":", 1)[1])
        return self

    def _read_listening_line(self, timeout: float) -> str:
        result: list[bytes] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        line = result[0].decode() if result else ""
        if not (line.startswith("listening on http://") or
                line.startswith("listening on https://")):
            self.proc.kill()
            self.proc.wait()
            raise EmulatorError(f"zec-emulator did not start: stdout={line!r} "
                                f"stderr={self.log()!r}")
        return line

    def log(self) -> str:
        """Everything the emulator wrote to stderr so far."""
        if not self.stderr_path:
            return ""
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM, wait, and raise unless the emulator exited with status 0."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise EmulatorError("zec-emulator did not exit on SIGTERM")
            if code != 0:
                raise EmulatorError(f"zec-emulator exited with {code}: {self.log()[-4000:]}")
        finally:
            if proc.stdout:
                proc.stdout.close()
            if self._stderr:
                self._stderr.close()
                self._stderr = None
            if self._seed_file:
                os.unlink(self._seed_file)
                self._seed_file = None
            if self.stderr_path:
                os.unlink(self.stderr_path)
                self.stderr_path = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- control plane ----------------------------------------------
    def control(self, method: str, path: str, body=None, timeout: float = 10) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_emulator/" + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl_context) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def _ok(self, method, path, body=None) -> dict:
        status, doc = self.control(method, path, body)
        if status != 200:
            raise EmulatorError(f"{method} /_emulator/{path}: {status} {doc}")
        return doc

    def state(self) -> dict:
        return self._ok("GET", "state")

    def calls(self) -> dict:
        return self._ok("GET", "calls")

    def reset_calls(self):
        self._ok("POST", "calls/reset")

    def reset(self, seed=None):
        self._ok("POST", "reset", seed)

    def add_fault(self, **fault):
        return self._ok("POST", "faults", fault)

    def clear_faults(self):
        self._ok("DELETE", "faults")

    def faults(self) -> list[dict]:
        return self._ok("GET", "faults")["faults"]

    def add_marker(self, action="*") -> int:
        """A fault that changes nothing (1 ms, count 1): it is spent, and
        leaves GET /_emulator/faults, as soon as the next `action` call
        reaches the emulator, before any latency or stall is applied.
        Returns its id, for wait_arrived()."""
        return max(f["id"] for f in self.add_fault(action=action, latencyMs=1,
                                                    count=1)["faults"])

    def wait_arrived(self, marker: int, timeout: float = 10):
        """Waits until the call that spends add_marker()'s fault arrived."""
        wait_until(lambda: marker not in [f["id"] for f in self.faults()], timeout,
                   f"a call to reach the emulator (marker fault {marker})")

    def call_count(self, action: str, outcome: str) -> int:
        """GET /_emulator/calls for one action, or all of them ("*"): outcome
        is "ok" or "failed"."""
        actions = self.calls()["actions"]
        return sum(c.get(outcome, 0) for a, c in actions.items() if action in ("*", a))

    def advance_clock(self, seconds):
        return self._ok("POST", "clock", {"advanceSeconds": seconds})

    def set_disk(self, disk_id, **fields):
        return self._ok("POST", f"disks/{disk_id}", fields)

    def snapshots(self, disk_id=None) -> list[dict]:
        snaps = self.state()["snapshots"]
        if disk_id is not None:
            snaps = [s for s in snaps if s["diskId"] == disk_id]
        return snaps

    # ---- signed API client -------------------------------------------
    def request_headers(self, action: str, body: bytes, *, content_type="application/json",
                        timestamp=None, key_id=None, key_password=None) -> dict:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = sign(key_password or self.key_password, ts, content_type, self.host, body)
        return {
            "X-ZC-Action": action,
            "X-ZC-Service": "zec",
            "X-ZC-Version": "2025-09-01",
            "Content-Type": content_type,
            "Host": self.host,
            "X-ZC-Timestamp": ts,
            "X-ZC-Signature-Method": "ZC2-HMAC-SHA256",
            "Authorization": authorization(key_id or self.key_id, sig),
        }

    def api(self, action, body=None, *, raw_body: bytes | None = None,
            content_type="application/json", timestamp=None, key_id=None,
            key_password=None, headers=None, conn: http.client.HTTPConnection | None = None,
            timeout: float = 30) -> tuple[int, dict]:
        """Signs and sends one call; returns (HTTP status, parsed JSON).

        headers: extra headers; a value of None removes that header.  conn:
        reuse an open http.client connection (keep-alive)."""
        if raw_body is None:
            raw_body = json.dumps({} if body is None else body, separators=(",", ":")).encode()
        hdrs = self.request_headers(action, raw_body, content_type=content_type,
                                    timestamp=timestamp, key_id=key_id,
                                    key_password=key_password)
        for k, v in (headers or {}).items():
            for existing in [h for h in hdrs if h.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        own = conn is None
        if own:
            conn = self.connection(timeout)
        try:
            conn.putrequest("POST", "/api/v2/zec", skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(raw_body)))
            conn.endheaders(raw_body)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data else {}
        finally:
            if own:
                conn.close()

    def put_content(self, disk_id, tar: bytes, *, fs=None, partitioned=None,
                    content_type="application/x-tar", timeout: float = 60) -> tuple[int, dict]:
        """PUT /_emulator/disks/<id>/content with a tar body; (status, JSON)."""
        query = "&".join(f"{k}={v}" for k, v in (("fs", fs), ("partitioned", partitioned))
                         if v is not None)
        req = urllib.request.Request(
            f"{self.url}/_emulator/disks/{disk_id}/content" + (f"?{query}" if query else ""),
            data=tar, method="PUT")
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl_context) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        """A keep-alive connection to pass to api(conn=...)."""
        if self.ssl_context:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
