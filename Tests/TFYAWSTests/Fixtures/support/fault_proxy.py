"""A fault-injecting HTTP proxy for tests, on 127.0.0.1, in front of one target (moto).

For a chosen fraction of requests it answers with EC2's throttling error (HTTP 503,
RequestLimitExceeded; S3's SlowDown for the verbs other than POST), with a server error (HTTP
500, an HTML page as moto sometimes sends), or drops the connection without answering; it can add
latency to every request, or hold every request until N are in flight together (a barrier: proof
of concurrency that no latency window can give on a loaded machine). With {"lose_next_answers": N} it forwards the next N requests and then
drops their answers: the call took effect, and the client never hears so. With {"reply": {"status":
N, "body": TEXT}} it answers every request itself with that status and XML body, forwarding
nothing (an error S3 gives that moto cannot model, such as a bucket in another region). With
{"invisible_seconds": N} (or --invisible-seconds N) it plays EC2's eventual consistency: an
instance (or security group) launched (created) through the proxy less than N seconds ago is left
out of DescribeInstances (DescribeSecurityGroups) answers, and naming it explicitly
(InstanceId.N, GroupId.N) answers InvalidInstanceID.NotFound (InvalidGroup.NotFound) as EC2 does.
With {"hide_instances": true} every DescribeInstances is answered with no instances at all,
without asking moto (a wait that can only time out). Everything else is forwarded, over
kept-alive connections. Faults are set with command-line options or at run time by POST
/__faults__ with a JSON body; GET /__stats__ reports what happened, and GET /__requests__ lists
every request it received, in order of arrival: its form parameters (EC2's Action and the rest;
for other requests the method and path) and when it arrived and was answered, in seconds on one
monotonic clock — what was sent, where moto ignores it, and which requests overlapped. Per EC2
action: {"fail_actions": {"ModifyInstanceAttribute": "InvalidParameterValue"}} answers every
request of that action with that error code (HTTP 400, not retried), and {"hold_actions":
["StartInstances"]} holds every request of those actions unanswered until a later POST
/__faults__ drops them from the list (stats "held" counts the requests held so far); a released
request meets the faults then set; {"lose_actions": ["CreateSecurityGroup"]} forwards the next
request of each listed action and drops its answer (once per action). {"hold_after": {"RunInstances":
4}} forwards the first 4 requests of that action (counted from when it was set) and holds every
later one until a POST drops the action from hold_after ("held" counts them): a run that stops at a
chosen point, however fast or slow the machine. {"succeed_actions": ["MonitorInstances"]} answers
every request of those actions with a bare success, forwarding nothing: calls moto does not
implement, whose wire form a test still checks. Prints its port, and
exits when its standard input closes (that is, when the test process exits).

  fault_proxy.py TARGET_PORT [--throttle F] [--error5xx F] [--drop F] [--latency-ms N] [--seed N]
                 [--hold-until-in-flight N] [--invisible-seconds N]
"""
import argparse
import http.client
import json
import random
import re
import urllib.parse
import xml.etree.ElementTree as ET
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("target_port", type=int)
parser.add_argument("--throttle", type=float, default=0.0)
parser.add_argument("--error5xx", type=float, default=0.0)
parser.add_argument("--drop", type=float, default=0.0)
parser.add_argument("--latency-ms", type=float, default=0.0)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--hold-until-in-flight", type=int, default=0)
parser.add_argument("--invisible-seconds", type=float, default=0.0)
options = parser.parse_args()

lock = threading.Lock()
# Signalled whenever a request starts: held requests wait on it for their company.
arrivals = threading.Condition(lock)
HOLD_TIMEOUT_SECONDS = 120
faults = {"throttle": options.throttle, "error5xx": options.error5xx, "drop": options.drop, "latency_ms": options.latency_ms,
          "lose_next_answers": 0, "hold_until_in_flight": options.hold_until_in_flight, "reply": None, "hide_instances": False,
          "invisible_seconds": options.invisible_seconds, "fail_actions": {}, "hold_actions": [], "lose_actions": [],
          "hold_after": {}, "succeed_actions": []}
# Requests of each hold_after action seen since hold_after was last set.
hold_after_seen = {}
stats = {"requests": 0, "forwarded": 0, "throttled": 0, "errors": 0, "dropped": 0, "answers_lost": 0, "max_in_flight": 0,
         "replied": 0, "hidden": 0, "failed_actions": 0, "held": 0}
# Object ID -> when the proxy saw it created (RunInstances, CreateSecurityGroup answers).
created = {}
# Signalled when the faults change: requests held by action wait on it to be let go.
faults_changed = threading.Condition(lock)
in_flight = 0
# Every request received, for GET /__requests__.
requests = []
rng = random.Random(options.seed)
local = threading.local()

THROTTLE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
            b'<Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>')
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>'
             b'<RequestId>fault-proxy</RequestId></Error>')
NO_INSTANCES = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                b'<requestId>fault-proxy</requestId><reservationSet/></DescribeInstancesResponse>')
def not_found(code, ids):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>The ID \'%s\' does not exist'
            '</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>' % (code, ", ".join(ids))).encode()


def hidden_ids():
    """The IDs created less than invisible_seconds ago (call with lock held)."""
    window = faults["invisible_seconds"]
    if not window:
        return set()
    now = time.time()
    return {i for i, at in created.items() if now - at < window}


def local_name(element):
    return element.tag.rsplit("}", 1)[-1]


def child(element, name):
    for c in element:
        if local_name(c) == name:
            return c
    return None


def hide(data, action, hidden):
    """The Describe answer without the hidden objects' items, and how many were dropped."""
    match = re.search(r'xmlns="([^"]+)"', data.decode(errors="replace"))
    if match:
        ET.register_namespace("", match.group(1))
    root = ET.fromstring(data)
    dropped = 0
    if action == "DescribeInstances":
        reservations = child(root, "reservationSet")
        for reservation in list(reservations if reservations is not None else []):
            instances = child(reservation, "instancesSet")
            for item in list(instances if instances is not None else []):
                if (child(item, "instanceId").text or "") in hidden:
                    instances.remove(item)
                    dropped += 1
            if instances is not None and len(instances) == 0:
                reservations.remove(reservation)
    else:
        groups = child(root, "securityGroupInfo")
        for item in list(groups if groups is not None else []):
            if (child(item, "groupId").text or "") in hidden:
                groups.remove(item)
                dropped += 1
    if not dropped:
        return data, 0
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root), dropped


SERVER_ERROR = b"<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"


def ec2_action(body):
    """The EC2 Query API action a form-encoded request body names, or None."""
    for pair in body.split(b"&"):
        if pair.startswith(b"Action="):
            return pair[len(b"Action="):].decode(errors="replace")
    return None


def upstream():
    if getattr(local, "connection", None) is None:
        local.connection = http.client.HTTPConnection("127.0.0.1", options.target_port, timeout=60)
    return local.connection


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def done(self):
        """Marks the current request answered (or dropped). Called before the answer is written: a
        client that sends its next request as soon as it reads this answer must never seem to have
        had both in flight at once (in max_in_flight or in the request log)."""
        global in_flight
        entry = getattr(self, "entry", None)
        if entry is None or entry["end"] is not None:
            return
        with lock:
            in_flight -= 1
            entry["end"] = time.monotonic()

    def send_response(self, code, message=None):
        self.done()
        super().send_response(code, message)

    def reply(self, status, body, content_type="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.entry = None
        if self.path == "/__stats__":
            with lock:
                body = json.dumps(stats).encode()
            return self.reply(200, body, "application/json")
        if self.path == "/__requests__":
            with lock:
                body = json.dumps(requests).encode()
            return self.reply(200, body, "application/json")
        self.do_POST()

    def do_POST(self):
        self.entry = None
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/__faults__" and self.command == "POST":
            with lock:
                update = json.loads(body or b"{}")
                faults.update(update)
                if "hold_after" in update:
                    hold_after_seen.clear()
                for key in stats:
                    stats[key] = 0
                faults_changed.notify_all()
            return self.reply(200, b"{}", "application/json")
        global in_flight
        params = {}
        if self.command == "POST" and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        entry = self.entry = {"method": self.command, "path": self.path, "params": params, "start": time.monotonic(), "end": None}
        with lock:
            requests.append(entry)
            stats["requests"] += 1
            roll = rng.random()
            current = dict(faults)
            in_flight += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], in_flight)
            arrivals.notify_all()
            if current["hold_until_in_flight"]:
                # Released as soon as enough requests are in flight at once; a client that does not
                # send them together is let through after the timeout, and max_in_flight tells.
                arrivals.wait_for(lambda: stats["max_in_flight"] >= current["hold_until_in_flight"], timeout=HOLD_TIMEOUT_SECONDS)
        try:
            self.handle_request(body, roll, current, params)
        finally:
            self.done()

    def handle_request(self, body, roll, current, params):
        action = ec2_action(body)
        if action in current["hold_actions"]:
            with lock:
                stats["held"] += 1
                faults_changed.wait_for(lambda: action not in faults["hold_actions"], timeout=HOLD_TIMEOUT_SECONDS)
                # A released request meets the faults set when it was let go.
                current = dict(faults)
        if action in current["hold_after"]:
            with lock:
                hold_after_seen[action] = hold_after_seen.get(action, 0) + 1
                if hold_after_seen[action] > current["hold_after"][action]:
                    stats["held"] += 1
                    faults_changed.wait_for(lambda: action not in faults["hold_after"], timeout=HOLD_TIMEOUT_SECONDS)
                    current = dict(faults)
        if action in current["fail_actions"]:
            with lock:
                stats["failed_actions"] += 1
            code = current["fail_actions"][action].encode()
            return self.reply(400, b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>' + code
                              + b'</Code><Message>Injected by the fault proxy.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>')
        if action in current["succeed_actions"]:
            # A call moto does not implement (MonitorInstances, say), answered as EC2 answers a
            # success: what was sent is in /__requests__; moto's objects do not change.
            with lock:
                stats["replied"] += 1
            return self.reply(200, b'<?xml version="1.0" encoding="UTF-8"?>\n<' + action.encode() + b'Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fault-proxy</requestId><return>true</return></'
                              + action.encode() + b'Response>')
        if current["latency_ms"]:
            time.sleep(current["latency_ms"] / 1000.0)
        if current["reply"]:
            with lock:
                stats["replied"] += 1
            return self.reply(current["reply"]["status"], current["reply"]["body"].encode(), "application/xml")
        if current["hide_instances"] and params.get("Action") == "DescribeInstances":
            return self.reply(200, NO_INSTANCES)
        with lock:
            lose = faults["lose_next_answers"] > 0
            if lose:
                faults["lose_next_answers"] -= 1
                stats["answers_lost"] += 1
            elif action in faults["lose_actions"]:
                # Once per listed action: the call takes effect, its answer is lost.
                faults["lose_actions"] = [a for a in faults["lose_actions"] if a != action]
                stats["answers_lost"] += 1
                lose = True
        if lose:
            # The request reaches the server and takes effect; its answer never comes back.
            self.forward(body, answer=False)
            self.close_connection = True
            self.connection.close()
            return
        if roll < current["drop"]:
            with lock:
                stats["dropped"] += 1
            self.close_connection = True
            self.connection.close()
            return
        roll -= current["drop"]
        if roll < current["throttle"]:
            with lock:
                stats["throttled"] += 1
            # EC2 is POSTed to; S3 answers throttling with its own code.
            return self.reply(503, THROTTLE if self.command == "POST" else SLOW_DOWN)
        roll -= current["throttle"]
        if roll < current["error5xx"]:
            with lock:
                stats["errors"] += 1
            return self.reply(500, SERVER_ERROR, "text/html")
        form = urllib.parse.parse_qs(body.decode(errors="replace")) if self.command == "POST" else {}
        action = (form.get("Action") or [""])[0]
        if action in ("DescribeInstances", "DescribeSecurityGroups"):
            with lock:
                hidden = hidden_ids()
            prefix = "InstanceId." if action == "DescribeInstances" else "GroupId."
            named = sorted(v[0] for k, v in form.items() if k.startswith(prefix) and v[0] in hidden)
            if named:
                with lock:
                    stats["hidden"] += len(named)
                code = "InvalidInstanceID.NotFound" if action == "DescribeInstances" else "InvalidGroup.NotFound"
                return self.reply(400, not_found(code, named))
        self.forward(body, action=action)

    # S3 speaks PUT, DELETE and HEAD too; faults apply to them alike.
    do_PUT = do_POST
    do_DELETE = do_POST
    do_HEAD = do_POST

    def forward(self, body, answer=True, action=""):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive", "proxy-connection")}
        # As a forward proxy (the client's HTTP_PROXY) it receives absolute URIs.
        path = self.path
        if path.startswith("http://"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        for attempt in range(2):
            try:
                connection = upstream()
                connection.request(self.command, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                local.connection = None
                if attempt == 1:
                    raise
        with lock:
            stats["forwarded"] += 1
            if response.status == 200 and action in ("RunInstances", "CreateSecurityGroup"):
                name = "instanceId" if action == "RunInstances" else "groupId"
                for found in re.findall(r"<%s>([^<]+)</%s>" % (name, name), data.decode(errors="replace")):
                    created.setdefault(found, time.time())
            hidden = hidden_ids() if response.status == 200 and action in ("DescribeInstances", "DescribeSecurityGroups") else set()
        if hidden:
            data, dropped = hide(data, action, hidden)
            with lock:
                stats["hidden"] += dropped
        if not answer:
            return
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("content-length", "connection", "transfer-encoding", "keep-alive", "server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


# socketserver's default listen backlog is 5: a burst of connections on a loaded machine would
# overflow it, and a refused connection is a retry the test did not cause.
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_address[1], flush=True)
sys.stdin.read()
server.shutdown()
