"""A rewriting, holding proxy between zecfs and the emulator, for tests of
what zecfs makes of answers the emulator would not give: every API call is
forwarded as it came (headers and body, so the signature still holds), and
its JSON answer passes through rewrite(action, request, doc) on the way
back.  hold(pred) stops the calls pred matches before they are forwarded,
until release(): a test can change the emulator between two pages of one
listing, deterministically."""

import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

from hostile import LoopbackServer


class Rewriter(LoopbackServer):
    def __init__(self, upstream, rewrite=None):
        u = urllib.parse.urlsplit(upstream.url)
        self.host, self.port = u.hostname, u.port
        self.rewrite = rewrite
        self.calls = []               # (action, request body) as forwarded
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self._hold = None             # pred(action, body) -> bool
        self.held = 0                 # calls waiting at the gate
        super().__init__(_Forward)
        self.server.rewriter = self

    def __exit__(self, *exc):
        self.release()
        super().__exit__(*exc)

    def hold(self, pred):
        with self.lock:
            self._hold = pred

    def release(self):
        with self.lock:
            self._hold = None
            self.cond.notify_all()

    def wait_held(self, n=1, timeout=10):
        with self.lock:
            if not self.cond.wait_for(lambda: self.held >= n, timeout):
                raise AssertionError("no call reached the gate")

    def _gate(self, action, body):
        with self.lock:
            if not (self._hold and self._hold(action, body)):
                return
            self.held += 1
            self.cond.notify_all()
            self.cond.wait_for(lambda: self._hold is None)
            self.held -= 1

    def forward(self, h):
        """Answers one request of handler h through the emulator."""
        raw = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        action = h.headers.get("X-ZC-Action", "")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        self._gate(action, body)
        with self.lock:
            self.calls.append((action, body))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            # the Host header as zecfs signed it
            conn.putrequest("POST", h.path, skip_host=True, skip_accept_encoding=True)
            for k, v in h.headers.items():
                if k.lower() not in ("connection", "keep-alive"):
                    conn.putheader(k, v)
            conn.endheaders(raw)
            r = conn.getresponse()
            status, data = r.status, r.read()
            ctype = r.getheader("Content-Type", "application/json")
        finally:
            conn.close()
        if self.rewrite and status == 200:
            data = json.dumps(self.rewrite(action, body, json.loads(data))).encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.server.rewriter.forward(self)
