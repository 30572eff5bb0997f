#!/usr/bin/env python3
"""A seeded chaos campaign for tfy's ownership guarantees (not part of `make test`).

Each round applies, scales or destroys the stack `chaos` through a fault proxy in front of moto,
with random faults (throttling, 5xx, dropped connections, answers lost after the call took
effect, latency, instances invisible to DescribeInstances for a while after launch) and, in most
rounds, a `kill -9` at a random moment. Then it reruns the same operation as a user would (faults
cleared but the invisibility window kept, a stale S3 lock force-unlocked with the ID tfy printed)
and checks the invariants with boto3, talking to moto directly:

  - exactly the wanted instances of the stack are live, one per address, none duplicated;
  - the state records exactly the live instances (by ID), and its security group is live;
  - a plan afterwards shows no changes (`plan -detailed-exitcode` exits 0);
  - stack `alpha`, applied once at the start, is untouched: same instances, running, same tags;
  - now and then, running `destroy` of this configuration with alpha's state is refused (exit 1)
    and touches nothing.

Rounds alternate between the local backend and S3 (a bucket in moto, `use_lockfile`). A failed
invariant prints the round, its seed and what differs, and the campaign goes on; the exit status
is 1 if any round failed.

  chaos.py [--rounds 200] [--seed 1] [--tfy .build/release/tfy] [--backends local,s3]

Run it with `make chaos` (ROUNDS=… SEED=…).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUPPORT = os.path.join(ROOT, "Tests", "TFYAWSTests", "Fixtures", "support")
ALIVE = ["pending", "running", "stopping", "stopped"]
BUCKET = "tfy-chaos"

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=200)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--tfy", default=os.path.join(ROOT, ".build", "release", "tfy"))
parser.add_argument("--backends", default="local,s3")
parser.add_argument("--max-instances", type=int, default=8)
parser.add_argument("--verbose", action="store_true")
options = parser.parse_args()
options.tfy = os.path.abspath(options.tfy)


def helper(script, *arguments):
    process = subprocess.Popen([sys.executable, os.path.join(SUPPORT, script), *map(str, arguments)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.strip().isdigit():
        sys.exit(f"{script} did not start (printed {line!r})")
    return process, int(line)


moto, moto_port = helper("moto_helper.py")
proxy, proxy_port = helper("fault_proxy.py", moto_port)
MOTO = f"http://127.0.0.1:{moto_port}"
PROXY = f"http://127.0.0.1:{proxy_port}"
session = boto3.session.Session(aws_access_key_id="AKIDCHAOS", aws_secret_access_key="chaos", region_name="us-east-1")
ec2 = session.client("ec2", endpoint_url=MOTO)
s3 = session.client("s3", endpoint_url=MOTO)
s3.create_bucket(Bucket=BUCKET)
s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

def set_faults(**faults):
    request = urllib.request.Request(PROXY + "/__faults__", data=json.dumps(faults).encode(), method="POST")
    try:
        urllib.request.urlopen(request).read()
    except Exception as error:  # an unknown fault name: ignored by old proxies
        print(f"warning: setting faults {faults}: {error}", file=sys.stderr)


CONFIG = """stack: {stack}
variable:
  n: {{type: number, default: 1}}
provider:
  aws: {{region: us-east-1}}
resource:
  aws_security_group:
    g: {{name: {stack}-g, description: chaos}}
  aws_instance:
    node:
      count: "${{var.n}}"
      ami: ami-1ecae776
      instance_type: t2.micro
      vpc_security_group_ids: ["${{aws_security_group.g.id}}"]
      tags: {{Name: "{stack}-${{count.index}}"}}
"""

work = tempfile.mkdtemp(prefix="tfy-chaos-")


def stack_directory(stack, backend):
    directory = os.path.join(work, f"{stack}-{backend}")
    os.makedirs(directory, exist_ok=True)
    text = CONFIG.format(stack=stack)
    if backend == "s3":
        text += f"backend:\n  s3: {{bucket: {BUCKET}, key: stacks/{stack}.tfstate, region: us-east-1, use_lockfile: true}}\n"
    with open(os.path.join(directory, "main.yml"), "w") as f:
        f.write(text)
    return directory


def environment(endpoint):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "AKIDCHAOS", "AWS_SECRET_ACCESS_KEY": "chaos", "AWS_ENDPOINT_URL_EC2": endpoint,
                "AWS_ENDPOINT_URL_S3": MOTO, "TFY_POLL_INTERVAL": "0.1", "AWS_MAX_ATTEMPTS": "6", "NO_COLOR": "1"})
    return env


def tfy(directory, arguments, endpoint=PROXY, timeout=300):
    """Runs tfy in the configuration directory ("." as DIR), to its end."""
    result = subprocess.run([options.tfy, *arguments], cwd=directory, env=environment(endpoint), capture_output=True,
                            text=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr


def operation_arguments(operation, n):
    if operation == "destroy":
        return ["destroy", ".", "-auto-approve", "-no-color"]
    return ["apply", ".", "-auto-approve", "-no-color", "-var", f"n={n}"]


def live_instances(stack):
    found = {}
    for page in ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag:tfy:stack", "Values": [stack]}, {"Name": "instance-state-name", "Values": ALIVE}]):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                found[instance["InstanceId"]] = (tags.get("tfy:address"), instance["State"]["Name"], tags)
    return found


def live_groups(stack):
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:tfy:stack", "Values": [stack]}])["SecurityGroups"]
    return {g["GroupId"] for g in groups}


def read_state(directory, stack, backend):
    if backend == "s3":
        try:
            data = s3.get_object(Bucket=BUCKET, Key=f"stacks/{stack}.tfstate")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return json.loads(data)
    path = os.path.join(directory, "state", f"{stack}.tfstate")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def state_ids(state, resource_type):
    ids = {}
    for resource in (state or {}).get("resources", []):
        if resource.get("type") != resource_type:
            continue
        for instance in resource.get("instances", []):
            identifier = instance.get("attributes", {}).get("id")
            if identifier:
                key = instance.get("index_key")
                ids[identifier] = f'{resource["type"]}.{resource["name"]}' + ("" if key is None else f"[{json.dumps(key)}]")
    return ids


def unlock_if_stale(directory, stderr):
    """A kill -9 leaves an S3 lock behind: a user force-unlocks it with the ID tfy printed."""
    match = re.search(r"ID:\s+([0-9a-f-]{36})", stderr)
    if match and "Error acquiring the state lock" in stderr:
        code, out, err = tfy(directory, ["force-unlock", match.group(1), "-chdir", "."], endpoint=MOTO)
        return code == 0
    return False


rng = random.Random(options.seed)
backends = options.backends.split(",")
failures = []
counts = {"rounds": 0, "killed": 0, "faulty_runs_failed": 0, "reruns_after_unlock": 0, "foreign_state_refused": 0}

# Stack alpha: applied once, without faults, then watched.
alpha = stack_directory("alpha", "local")
code, out, err = tfy(alpha, ["apply", ".", "-auto-approve", "-no-color", "-var", "n=3"], endpoint=MOTO)
if code != 0:
    sys.exit(f"applying alpha failed:\n{out}\n{err}")
alpha_live = live_instances("alpha")
alpha_state = os.path.join(alpha, "state", "alpha.tfstate")

started = time.monotonic()
wanted = {backend: 0 for backend in backends}
for round_number in range(1, options.rounds + 1):
    seed = rng.randrange(1 << 30)
    r = random.Random(seed)
    backend = backends[round_number % len(backends)]
    directory = stack_directory("chaos" + ("" if backend == "local" else "-s3"), backend)
    stack = "chaos" + ("" if backend == "local" else "-s3")
    operation = "destroy" if r.random() < 0.25 else "apply"
    n = 0 if operation == "destroy" else r.randint(0, options.max_instances)
    faults = {"throttle": r.choice([0, 0, 0.1, 0.3]), "error5xx": r.choice([0, 0, 0.05, 0.1]), "drop": r.choice([0, 0, 0.05]),
              "latency_ms": r.choice([0, 0, 20, 100]), "lose_next_answers": r.choice([0, 0, 1, 2]),
              "invisible_seconds": r.choice([0, 0, 2, 5])}
    kill_after = r.uniform(0.05, 3.0) if r.random() < 0.7 else None
    counts["rounds"] += 1

    # The faulty run, maybe killed.
    set_faults(**faults)
    process = subprocess.Popen([options.tfy, *operation_arguments(operation, n)], cwd=directory, env=environment(PROXY),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=kill_after if kill_after is not None else 300)
        if process.returncode != 0:
            counts["faulty_runs_failed"] += 1
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.communicate()
        counts["killed"] += 1

    # The rerun, as a user would: the same command, faults gone (instances may still be invisible).
    set_faults(throttle=0, error5xx=0, drop=0, latency_ms=0, lose_next_answers=0)
    code, out, err = tfy(directory, operation_arguments(operation, n))
    if code != 0 and unlock_if_stale(directory, err):
        counts["reruns_after_unlock"] += 1
        code, out, err = tfy(directory, operation_arguments(operation, n))
    problems = []
    if code != 0:
        problems.append(f"rerun exited {code}: {err.strip()[-800:]}")
    else:
        wanted[backend] = n

    live = live_instances(stack)
    addresses = [address for address, _, _ in live.values()]
    if len(live) != n:
        problems.append(f"{len(live)} live instances, {n} wanted: {sorted(addresses)}")
    if len(set(addresses)) != len(addresses):
        problems.append(f"duplicated addresses: {sorted(addresses)}")
    state = read_state(directory, stack, backend)
    recorded = state_ids(state, "aws_instance")
    if set(recorded) != set(live):
        problems.append(f"state records {sorted(recorded.values())} ({sorted(recorded)}), live {sorted(live)}")
    groups = state_ids(state, "aws_security_group")
    if operation == "destroy" and (groups or live_groups(stack)):
        problems.append(f"security groups left after destroy: state {sorted(groups)}, live {sorted(live_groups(stack))}")
    if operation == "apply" and (len(groups) != 1 or not set(groups) <= live_groups(stack)):
        problems.append(f"security group: state {sorted(groups)}, live {sorted(live_groups(stack))}")
    if operation == "apply":
        code, out, err = tfy(directory, ["plan", ".", "-detailed-exitcode", "-no-color", "-var", f"n={n}"], endpoint=MOTO)
        if code != 0:
            problems.append(f"plan after the rerun exited {code}: {(out + err).strip()[-800:]}")

    # Another stack's state is refused, and alpha is untouched.
    if r.random() < 0.1 and backend == "local":
        code, out, err = tfy(directory, ["destroy", ".", "-auto-approve", "-no-color", "-state", alpha_state], endpoint=MOTO)
        if code == 1:
            counts["foreign_state_refused"] += 1
        else:
            problems.append(f"destroy with alpha's state exited {code}: {(out + err).strip()[-400:]}")
    if live_instances("alpha") != alpha_live:
        problems.append("stack alpha changed")
        alpha_live = live_instances("alpha")

    summary = f"round {round_number} seed {seed} {backend} {operation} n={n} faults={ {k: v for k, v in faults.items() if v and k != 'seed'} } kill={'%.2fs' % kill_after if kill_after else 'no'}"
    if problems:
        failures.append((summary, problems))
        print("FAIL " + summary)
        for problem in problems:
            print("  " + problem)
    elif options.verbose:
        print("ok   " + summary)
    if round_number % 10 == 0:
        print(f"{round_number} rounds, {len(failures)} failed, {time.monotonic() - started:.0f} s", flush=True)

print(json.dumps({**counts, "failed_rounds": len(failures), "seconds": round(time.monotonic() - started)}))
for process in (proxy, moto):
    process.stdin.close()
    process.wait(timeout=30)
shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failures else 0)
