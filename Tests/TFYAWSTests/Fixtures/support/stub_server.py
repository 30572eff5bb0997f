"""Servers that misbehave at the transport level, for tests, on 127.0.0.1.

  stub_server.py silent LOG      accepts connections, reads each request, and never answers; one
                                 line "request" is appended to LOG (flushed) per request read.
  stub_server.py tls DIR         HTTPS with a self-signed certificate for 127.0.0.1, made with
                                 openssl in DIR (DIR/cert.pem, DIR/key.pem); answers every
                                 request with an empty DescribeInstances response (HTTP 200).

Prints its port, and exits when its standard input closes (that is, when the test process exits).
"""
import os
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, place = sys.argv[1], sys.argv[2]
DESCRIBE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<requestId>stub</requestId><reservationSet/></DescribeInstancesResponse>")


def silent(log):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []
    lock = threading.Lock()

    def serve(connection):
        data = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return
            data += chunk
            # One request read (headers and, for a POST, its body): record it and say nothing.
            while b"\r\n\r\n" in data:
                head, rest = data.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if len(rest) < length:
                    break
                data = rest[length:]
                with lock:
                    with open(log, "a") as f:
                        f.write("request\n")
                        f.flush()

    def accept():
        while True:
            connection, _ = listener.accept()
            held.append(connection)  # kept open: the client sees neither an answer nor a close
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(DESCRIBE)))
        self.end_headers()
        self.wfile.write(DESCRIBE)

    do_GET = answer
    do_POST = answer


def tls(directory):
    os.makedirs(directory, exist_ok=True)
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, text=True)
    if made.returncode != 0:
        sys.stderr.write("openssl could not make the certificate:\n" + made.stderr)
        sys.exit(1)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


if mode == "silent":
    port = silent(place)
elif mode == "tls":
    port = tls(place)
else:
    sys.stderr.write("unknown mode %r: silent or tls\n" % mode)
    sys.exit(2)
print(port, flush=True)
sys.stdin.read()
