"""Runs moto's EC2 emulator on 127.0.0.1 for the tests.

Prints the port it listens on, then serves until its standard input closes — which happens when
the test process that started it exits, however it exits, so no server outlives its tests.
Environment variables such as INITIAL_NO_AUTH_ACTION_COUNT are read by moto as usual.

moto's own server (Werkzeug's development server) closes the connection after every response.
Real AWS endpoints keep connections alive, and tfy's client relies on that, so moto's WSGI
application is served here by a small HTTP/1.1 keep-alive server instead.

Every EC2 Query request (a form-encoded POST with an Action and Version=2016-11-15, or one signed
for the ec2 service) is checked against AWS's EC2 service model (ec2_contract.py) before moto sees
it: moto ignores parameters it does not model, real EC2 rejects them. A request that breaks the
model is answered HTTP 400 with the error code TfyWireContractViolation and every violation in the
message, so the test that sent it fails with the reason; when the environment variable
TFY_WIRE_CONTRACT_LOG names a file, one JSON line per such request is appended to it
({"action": ..., "violations": [...]}, no parameter values). S3 and other requests pass untouched.

GET /__wire__ (answered here, not by moto) lists the parameters of every EC2 request received so
far, rejected ones included, in order of arrival: a JSON list with one [[key, value], ...] list per
request, exactly as sent. At most 100,000 requests are kept; later ones are still counted (the
X-Tfy-Wire-Received header of the answer) but not stored, so memory stays bounded.
Boot-delay mode: with TFY_MOTO_BOOT_SECONDS=B, an instance reports `pending` (code 0) for B seconds
after its launch instead of `running` at once, as a real instance does while it boots; with
TFY_MOTO_BOOT_AFTER_LAUNCHES=N as well, every instance reports `pending` until N instances have been
launched, or until B seconds have passed with no launch; then all run. GET /__boot__ answers
{"launched": count, "released_by": "launches" | "time" | null, ...}: what let instances run, so a
test can tell one wave of launches (all N launched while every instance was still booting) from
launches made in waves (the first instances had to finish booting first).
A resource's tags are read from moto's per-resource table, not found by scanning every tag (see
_own_tags): the same answers, in time that does not grow with the number of resources.
"""
import io
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

import ec2_contract

from moto.ec2.responses.instances import InstanceResponse

# EC2 takes an instance store mapping (`DeviceName` + `VirtualName`, no `Ebs`) and lists no volume
# for it; moto refuses it with MissingParameter. Such mappings are left out of what moto sees, so
# a launch with one behaves as on EC2 (what was sent is still checked above, and in the proxy's log).
_parse_block_device_mapping = InstanceResponse._parse_block_device_mapping


def _parse_without_instance_store(self):
    get_param = self._get_param

    def without_instance_store(name, *args, **kwargs):
        value = get_param(name, *args, **kwargs)
        if name == "BlockDeviceMappings" and value:
            value = [m for m in value if not ("VirtualName" in m and "Ebs" not in m)]
        return value

    self._get_param = without_instance_store
    try:
        return _parse_block_device_mapping(self)
    finally:
        del self._get_param


InstanceResponse._parse_block_device_mapping = _parse_without_instance_store


# moto finds one resource's tags by scanning every tag of every resource with a regular expression
# per tag (TaggedEC2Resource.get_tags → describe_tags(resource-id)), and asks for them once per
# instance it filters and once per instance it serializes: a DescribeInstances page of 1,000 out of
# 10,000 instances took it minutes, a RunInstances seconds. The tags are read from the backend's
# own per-resource table instead: the same list in the same order, in constant time.
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix


def _own_tags(self):
    if not self.id:
        return []
    kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
    return [{"resource_id": self.id, "key": key, "value": value, "resource_type": kind}
            for key, value in self.ec2_backend.tags.get(self.id, {}).items()]


TaggedEC2Resource.get_tags = _own_tags


# Boot-delay mode (see the module's description): moto's Instance keeps its state in `_state`;
# while an instance boots, reads of it see `pending`, and writes (stop, terminate) go through.
BOOT_SECONDS = float(os.environ.get("TFY_MOTO_BOOT_SECONDS") or 0)
BOOT_AFTER_LAUNCHES = int(os.environ.get("TFY_MOTO_BOOT_AFTER_LAUNCHES") or 0)
boot = {"launched": 0, "released_by": None, "last_launch": 0.0}
boot_lock = threading.Lock()


class _Booting:
    """An instance's state as seen while it boots: `pending` where the real one says `running`."""

    def __init__(self, real):
        object.__setattr__(self, "_real", real)

    def __getattr__(self, key):
        real = object.__getattribute__(self, "_real")
        if real.name == "running" and key in ("name", "code"):
            return "pending" if key == "name" else 0
        return getattr(real, key)

    def __setattr__(self, key, value):
        setattr(object.__getattribute__(self, "_real"), key, value)

    def __copy__(self):
        return InstanceState(self.name, self.code)


def _still_booting(instance):
    with boot_lock:
        if BOOT_AFTER_LAUNCHES:
            # Once released, every instance runs. Without the N-th launch, the release waits for
            # B seconds in which no launch came: launches held back by booting instances stop
            # coming, while one wave on a slow machine keeps coming, however slowly.
            if boot["released_by"]:
                return False
            if boot["launched"] >= BOOT_AFTER_LAUNCHES:
                boot["released_by"] = "launches"
            elif time.monotonic() - boot["last_launch"] >= BOOT_SECONDS:
                boot["released_by"] = "time"
            return not boot["released_by"]
        if time.monotonic() - instance.__dict__["_tfy_launched"] >= BOOT_SECONDS:
            boot["released_by"] = boot["released_by"] or "time"
            return False
        return True


def _get_state(instance):
    real = instance.__dict__["_tfy_state"]
    return _Booting(real) if real.name == "running" and _still_booting(instance) else real


def _set_state(instance, value):
    if "_tfy_launched" not in instance.__dict__:
        instance.__dict__["_tfy_launched"] = time.monotonic()
        with boot_lock:
            boot["launched"] += 1
            boot["last_launch"] = instance.__dict__["_tfy_launched"]
    instance.__dict__["_tfy_state"] = value


if BOOT_SECONDS > 0:
    from moto.ec2.models.instances import Instance, InstanceState

    Instance._state = property(_get_state, _set_state)

app = DomainDispatcherApplication(create_backend_app)
# S3 checks If-None-Match / If-Match and writes in one step; moto checks, then writes, so two
# conditional PUTs served on two threads could both succeed. They are served one at a time here.
conditional_writes = threading.Lock()

# The EC2 requests received, for GET /__wire__: at most WIRE_KEPT of them, all of them counted.
WIRE_KEPT = 100_000
wire = []
wire_received = 0
wire_lock = threading.Lock()
contract_log = os.environ.get("TFY_WIRE_CONTRACT_LOG")


def ec2_parameters(command, headers, body):
    """The form parameters of an EC2 Query request, in order and as sent; None for anything else."""
    if command != "POST" or "x-www-form-urlencoded" not in (headers.get("Content-Type") or ""):
        return None
    parameters = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    keys = dict(parameters)
    signed_for_ec2 = "/ec2/aws4_request" in (headers.get("Authorization") or "")
    if signed_for_ec2 or ("Action" in keys and keys.get("Version") == ec2_contract.API_VERSION):
        return parameters
    return None


def contract_violation(violations):
    """EC2's error answer, naming every violation."""
    message = "; ".join(violations).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>TfyWireContractViolation</Code><Message>%s'
            '</Message></Error></Errors><RequestID>contract</RequestID></Response>' % message).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def reply(self, status, data, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        global wire_received
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "GET" and self.path == "/__boot__":
            with boot_lock:
                data = json.dumps(boot).encode()
            return self.reply(200, data, "application/json")
        if self.command == "GET" and self.path == "/__wire__":
            with wire_lock:
                data = json.dumps(wire).encode()
                received = wire_received
            return self.reply(200, data, "application/json", [("X-Tfy-Wire-Received", str(received))])
        parameters = ec2_parameters(self.command, self.headers, body)
        if parameters is not None:
            with wire_lock:
                wire_received += 1
                if len(wire) < WIRE_KEPT:
                    wire.append(parameters)
            violations = ec2_contract.violations(parameters)
            if violations:
                if contract_log:
                    line = json.dumps({"action": dict(parameters).get("Action"), "violations": violations}) + "\n"
                    with wire_lock, open(contract_log, "a") as log:
                        log.write(line)
                return self.reply(400, contract_violation(violations), "text/xml")
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
# The model loads (a second or so) while the test gets going; the first EC2 request waits for it.
threading.Thread(target=ec2_contract.contract, daemon=True).start()
print(server.server_address[1], flush=True)
try:
    sys.stdin.read()
finally:
    server.shutdown()
