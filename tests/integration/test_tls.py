"""TLS: verification is always on for https, and -o cafile trusts a private
CA.  A TLS-terminating proxy on loopback (Python's ssl, a certificate made
here with openssl) forwards to the plain-HTTP emulator."""

import os
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import WEB, Mount, demo_env, zecfs_bin

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def make_cert(tmp_path, name):
    key, cert = tmp_path / (name + ".key"), tmp_path / (name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


class TlsProxy:
    def __init__(self, key, cert, backend_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert), str(key))
        self.backend_port = backend_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stop:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(raw,), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve(self, raw):
        try:
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        back = socket.create_connection(("127.0.0.1", self.backend_port))
        threading.Thread(target=self.pump, args=(back, tls), daemon=True).start()
        self.pump(tls, back)

    def close(self):
        self.stop = True
        self.sock.close()


@pytest.fixture
def proxy(emu, tmp_path):
    key, cert = make_cert(tmp_path, "server")
    p = TlsProxy(key, cert, emu.port)
    p.cert = cert
    yield p
    p.close()


def test_untrusted_certificate_is_refused(emu, proxy, tmp_path):
    mp = tmp_path / "m"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=https://127.0.0.1:%d,retries=1" % proxy.port,
                        str(mp)], env=demo_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "certificate" in r.stderr.lower() or "ssl" in r.stderr.lower(), r.stderr
    assert not os.path.ismount(str(mp))


def test_cafile_trusts_a_private_ca(emu, proxy, tmp_path):
    mp = tmp_path / "m"
    m = Mount(emu, mp, ["cafile=%s" % proxy.cert])
    m.argv[3] = m.argv[3].replace("endpoint=" + emu.url,
                                  "endpoint=https://127.0.0.1:%d" % proxy.port)
    m.start()
    try:
        assert WEB in os.listdir(str(mp))
        os.mkdir(os.path.join(str(mp), WEB, "snapshots", "over-tls"))
        assert "over-tls" in [s["snapshotName"] for s in emu.snapshots(WEB)]
    finally:
        m.unmount()


def test_another_ca_is_still_refused(emu, proxy, tmp_path):
    _, other = make_cert(tmp_path, "other")
    mp = tmp_path / "m"
    mp.mkdir()
    r = subprocess.run([zecfs_bin(), "-o", "endpoint=https://127.0.0.1:%d,cafile=%s,retries=1"
                        % (proxy.port, other), str(mp)],
                       env=demo_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert not os.path.ismount(str(mp))
