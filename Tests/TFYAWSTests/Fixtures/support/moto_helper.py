"""Runs moto's EC2 emulator on 127.0.0.1 for the tests.

Prints the port it listens on, then serves until its standard input closes — which happens when
the test process that started it exits, however it exits, so no server outlives its tests.
Environment variables such as INITIAL_NO_AUTH_ACTION_COUNT are read by moto as usual.

moto's own server (Werkzeug's development server) closes the connection after every response.
Real AWS endpoints keep connections alive, and tfy's client relies on that, so moto's WSGI
application is served here by a small HTTP/1.1 keep-alive server instead.
"""
import io
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

app = DomainDispatcherApplication(create_backend_app)
# S3 checks If-None-Match / If-Match and writes in one step; moto checks, then writes, so two
# conditional PUTs served on two threads could both succeed. They are served one at a time here.
conditional_writes = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            # WSGI: the path decoded, as bytes in a latin-1 string (S3 keys may be any UTF-8).
            "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[name] = value
        result = {}

        def start_response(status, headers, exc_info=None):
            result["status"] = status
            result["headers"] = headers

        conditional = self.command == "PUT" and ("If-None-Match" in self.headers or "If-Match" in self.headers)
        if conditional:
            conditional_writes.acquire()
        try:
            chunks = app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        finally:
            if conditional:
                conditional_writes.release()
        code, _, reason = result["status"].partition(" ")
        self.send_response(int(code), reason)
        for key, value in result["headers"]:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


# socketserver's default listen backlog is 5: a burst of connections on a loaded machine would
# overflow it, and a refused connection is a retry the test did not cause.
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_address[1], flush=True)
try:
    sys.stdin.read()
finally:
    server.shutdown()
