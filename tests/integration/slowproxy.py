"""A TCP proxy in front of the emulator that can slow down the answers:
'pass' relays them, 'drip' sends one byte every `interval` seconds, 'headers'
sends the response headers and then nothing more, 'stall' sends nothing.
The mode can change while connections are open; it applies to the bytes
relayed from then on.  For slow-body tests, which the emulator's own faults
(whole-call latency, stall, drop) cannot express."""

import socket
import threading
import time


def shut(*socks):
    """Ends both directions of each socket (the peer sees the close)."""
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class SlowProxy:
    def __init__(self, upstream_url, mode="pass", interval=0.4):
        host, port = upstream_url.split("//", 1)[1].rsplit(":", 1)
        self.upstream = (host, int(port))
        self.mode = mode
        self.interval = interval
        self.closing = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.conns = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.sock.close()
        with self.lock:
            for s in self.conns:
                try:
                    s.close()
                except OSError:
                    pass

    def _accept(self):
        while not self.closing.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, up]
            threading.Thread(target=self._pipe, args=(client, up), daemon=True).start()
            threading.Thread(target=self._answers, args=(up, client), daemon=True).start()

    def _pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        shut(src, dst)

    def _answers(self, up, client):
        tail = b""
        body = False            # past the headers of the answer being relayed
        try:
            while True:
                data = up.recv(65536)
                if not data:
                    break
                if data.startswith(b"HTTP/"):
                    body = False
                i = 0
                while i < len(data):
                    mode = self.mode
                    if mode == "pass":
                        client.sendall(data[i:])
                        break
                    if mode == "stall" or (mode == "headers" and body):
                        if self.closing.wait(0.05):
                            return
                        continue
                    client.sendall(data[i:i + 1])
                    tail = (tail + data[i:i + 1])[-4:]
                    body = body or tail == b"\r\n\r\n"
                    i += 1
                    if mode == "drip" and self.closing.wait(self.interval):
                        return
        except OSError:
            pass
        shut(up, client)
