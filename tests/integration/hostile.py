"""A hostile or odd ZEC server for tests: answers DescribeDisks and
DescribeSnapshots with whatever records a test gives it, ignoring
signatures.  Never trust the server: zecfs must stay inside its mount, keep
its listings usable and its log lines single, whatever it is sent."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """An HTTP server on a free loopback port, served by a thread while the
    object is entered (with)."""

    def __init__(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Hostile(LoopbackServer):
    def __init__(self, disks, snapshots, total=None):
        self.disks = disks
        self.snapshots = snapshots
        self.total = total          # a totalCount to claim instead of the truth
        self.calls = []
        self.lock = threading.Lock()
        super().__init__(self._handler())

    def _handler(self):
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                action = self.headers.get("X-ZC-Action", "")
                with outer.lock:
                    outer.calls.append((action, body))
                items = outer.disks if action == "DescribeDisks" else outer.snapshots
                size = int(body.get("pageSize", 20))
                page = int(body.get("pageNum", 1))
                chunk = items[(page - 1) * size: page * size]
                total = outer.total if outer.total is not None else len(items)
                out = {"requestId": "req-1\nforged line", "response": {
                    "requestId": "req-1\nforged line", "totalCount": total, "dataSet": chunk}}
                data = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return H
