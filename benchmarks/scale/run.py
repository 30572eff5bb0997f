#!/usr/bin/env python3
"""Issue 21's scale table, measured end to end through the release `tfy` as a process.

Prints ONE table: for every row of the issue's table, the target, what was measured, the ratio
measured / target (above 1: the target is missed) and a note saying how it was measured. Rows:

  plan-10k       `tfy plan -refresh=false` of 10,000 instances, text to a file: wall and peak RSS
  plan-100k      the same with 100,000 instances
  show-json-10k  `tfy show -json` of the 10,000-instance saved plan: wall, peak RSS, sizes
  create-10      `tfy apply` of 10 instances (and their group) on a local moto
  create-100     the same with 100 instances
  destroy-100    `tfy destroy` of those 100: wall and the EC2 calls of its "API calls:" line
  s3-bytes       bytes PUT to S3 by an apply of N instances with the S3 backend (the sizes of all
                 object versions in a versioned bucket: whole state writes and journal records),
                 against 20 x the final state's size; N = --s3-instances (100; 1000 for the issue)
  boot-100       100 instances that take 20 s to boot (moto_helper's TFY_MOTO_BOOT_SECONDS=20),
                 50 ms of latency per EC2 call (fault_proxy --latency-ms 50), -parallelism=10
  nochange-plan  a no-change `tfy plan` of N live instances: EC2 calls and wall against the time
                 those calls took (TFY_LOG=debug), the instances launched one per RunInstances
                 with tfy's tags, and adopted by one `tfy apply`
  nochange-data  a no-change `tfy plan` of the cluster (a group, 10 instances) with one data source
                 of each type (aws_ami, aws_vpc, aws_subnets, aws_subnet, aws_availability_zones,
                 aws_security_group, aws_key_pair) feeding it: its EC2 calls, against 3 + one per type

Each row starts its own moto (and proxy) and stops it before the next; every process started
here is stopped on exit, however the script ends. `--only ROW[,ROW]` runs some rows alone;
`--terraform` adds the same stack timed with Terraform + the AWS provider (create-10, create-100,
the no-change plan of 100) when `terraform` and the provider mirror are on the machine.

  run.py [--tfy .build/release/tfy] [--only ROWS] [--terraform] [--repeat 3] [--timeout 900]
         [--s3-instances 100] [--live-instances 1000] [--mirror /opt/tf-plugins]

Timings depend on the machine and its load (printed with the table); nothing here is asserted
by a test.
"""
import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPPORT = os.path.join(ROOT, "Tests", "TFYAWSTests", "Fixtures", "support")
ROWS = ["plan-10k", "plan-100k", "show-json-10k", "create-10", "create-100", "destroy-100", "s3-bytes", "boot-100",
        "nochange-plan", "nochange-data"]

parser = argparse.ArgumentParser(description="Issue 21's scale table.")
parser.add_argument("--tfy", default=os.path.join(ROOT, ".build", "release", "tfy"))
parser.add_argument("--only", default="", help="comma-separated rows: " + ", ".join(ROWS))
parser.add_argument("--terraform", action="store_true", help="also time Terraform (slow: minutes)")
parser.add_argument("--repeat", type=int, default=3, help="runs of each fast measure; the best is kept")
parser.add_argument("--s3-instances", type=int, default=100)
parser.add_argument("--live-instances", type=int, default=1000)
parser.add_argument("--mirror", default="/opt/tf-plugins")
parser.add_argument("--timeout", type=float, default=900, help="seconds one tfy or terraform process may run before it is "
                    "stopped and its row reported as timed out")
options = parser.parse_args()
options.tfy = os.path.abspath(options.tfy)
selected = [row.strip() for row in options.only.split(",") if row.strip()] or ROWS
for row in selected:
    if row not in ROWS:
        sys.exit(f"unknown row {row!r}; rows: {', '.join(ROWS)}")
if not os.access(options.tfy, os.X_OK):
    sys.exit(f"{options.tfy} is not an executable; build it with `swift build -c release --product tfy`")

work = tempfile.mkdtemp(prefix="tfy-scale-")
started = []  # every helper process started here, stopped on exit


def cleanup():
    for process in reversed(started):
        stop(process)
    shutil.rmtree(work, ignore_errors=True)


atexit.register(cleanup)
# A stopped run (kill, Ctrl-C) still stops its helpers and removes its directory.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def stop(process):
    if process.poll() is None:
        try:
            process.stdin.close()  # the helpers exit when their standard input closes
            process.wait(timeout=10)
        except Exception:
            process.kill()
            process.wait()


def helper(script, *arguments, env=None):
    """Starts a support helper; returns (process, port)."""
    process = subprocess.Popen([sys.executable, os.path.join(SUPPORT, script), *map(str, arguments)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=dict(os.environ, **(env or {})))
    started.append(process)
    line = process.stdout.readline()
    if not line.strip().isdigit():
        sys.exit(f"{script} did not start (printed {line!r})")
    return process, int(line)


class Moto:
    """moto (EC2 and S3), optionally behind the fault proxy; stopped when the row ends."""

    def __init__(self, latency_ms=0, boot_seconds=0):
        env = {"TFY_MOTO_BOOT_SECONDS": str(boot_seconds)} if boot_seconds else {}
        self.process, self.port = helper("moto_helper.py", env=env)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proxy = None
        self.ec2_url = self.url
        if latency_ms:
            self.proxy, proxy_port = helper("fault_proxy.py", self.port, "--latency-ms", latency_ms)
            self.ec2_url = f"http://127.0.0.1:{proxy_port}"

    def __enter__(self):
        return self

    def warm_backend(self):
        """Has moto build its EC2 backend (AMIs, instance types, the default VPC), which it does on
        the first EC2 request: seconds of moto's start-up that no row should count."""
        ec2 = self.client("ec2")
        ec2.describe_vpcs()
        ec2.describe_instances()
        ec2.describe_security_groups()

    def warm(self):
        """moto builds its EC2 backend (AMIs, instance types, default VPC) on the first request and
        compiles each action's code path on its first call: seconds that are moto's start-up, not
        tfy's. An untimed one-instance stack is applied and destroyed first."""
        directory = stack_directory(f"warm-{self.port}", 1)
        tfy(["apply", "cluster", "-auto-approve", "-no-color"], directory, self.environment())
        tfy(["destroy", "cluster", "-auto-approve", "-no-color"], directory, self.environment())

    def __exit__(self, *exc):
        for process in (self.proxy, self.process):
            if process:
                stop(process)
                started.remove(process)

    def ec2_requests(self):
        """How many EC2 requests moto has received (moto_helper's X-Tfy-Wire-Received)."""
        with urllib.request.urlopen(self.url + "/__wire__") as answer:
            return int(answer.headers.get("X-Tfy-Wire-Received") or len(json.loads(answer.read())))

    def client(self, service):
        import boto3
        from botocore.config import Config
        # Launching thousands at once keeps moto busy for minutes on a loaded machine.
        return boto3.session.Session(aws_access_key_id="AKIDSCALE", aws_secret_access_key="scale",
                                     region_name="us-east-1").client(service, endpoint_url=self.url,
                                                                     config=Config(read_timeout=900, retries={"max_attempts": 1}))

    def environment(self, **extra):
        env = dict(os.environ)
        for name in ("TFY_LOG", "TFY_POLL_INTERVAL", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
            env.pop(name, None)
        env.update({"AWS_ACCESS_KEY_ID": "AKIDSCALE", "AWS_SECRET_ACCESS_KEY": "scale", "AWS_ENDPOINT_URL_EC2": self.ec2_url,
                    "AWS_ENDPOINT_URL_S3": self.url, "NO_COLOR": "1"})
        env.update(extra)
        return env


def offline_environment():
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "AKIDSCALE", "AWS_SECRET_ACCESS_KEY": "scale", "NO_COLOR": "1",
                "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"})
    env.pop("TFY_LOG", None)
    return env


def timed(command, cwd, env, stdout=None, timeout=None):
    """Runs a process to its end; returns (status, wall seconds, peak RSS in MB, stdout, stderr),
    and leaves its CPU time (user + system) in `timed.cpu`.

    Peak RSS is the child's own ru_maxrss, from wait4 on its pid (not the maximum over all children)."""
    out = open(stdout, "w") if stdout else subprocess.PIPE
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
    err_chunks = []
    reader = threading.Thread(target=lambda: err_chunks.append(process.stderr.read()))
    reader.start()
    # wait4 cannot time out, so a timer stops a process that runs too long; the row then says so.
    expired = []
    timer = threading.Timer(timeout or options.timeout, lambda: (expired.append(True), process.kill()))
    timer.start()
    out_text = "" if stdout else process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if stdout:
        out.close()
    timed.cpu = usage.ru_utime + usage.ru_stime
    if expired:
        raise TimeoutError(f"{os.path.basename(command[0])} {command[1]} stopped after {timeout or options.timeout:.0f} s "
                           f"(CPU {timed.cpu:.0f} s by then)")
    return process.returncode, wall, usage.ru_maxrss / 1024, out_text, "".join(err_chunks)


def tfy(arguments, cwd, env, stdout=None, check=True):
    status, wall, rss, out, err = timed([options.tfy, *arguments], cwd, env, stdout)
    if check and status not in (0, 2):
        raise RuntimeError(f"tfy {' '.join(arguments)} exited {status}: {(err or out)[-2000:]}")
    return status, wall, rss, out, err


def configuration(stack, instances, backend=None):
    text = f"""stack: {stack}
provider:
  aws: {{region: us-east-1}}
resource:
  aws_security_group:
    cluster:
      name: {stack}-cluster
      ingress:
        - {{protocol: tcp, from_port: 0, to_port: 65535, cidr_blocks: ["0.0.0.0/0"]}}
  aws_instance:
    node:
      count: {instances}
      ami: ami-1ecae776
      instance_type: t2.micro
      vpc_security_group_ids: ["${{aws_security_group.cluster.id}}"]
      tags: {{Name: "node-${{count.index}}"}}
"""
    if backend:
        text += f"backend:\n  s3: {{bucket: {backend}, key: stacks/{stack}.tfstate, region: us-east-1, use_lockfile: true}}\n"
    return text


def stack_directory(name, instances, backend=None):
    """A directory holding `cluster/main.yml`; tfy runs in it, and keeps the state in `cluster/state/`."""
    directory = os.path.join(work, name)
    os.makedirs(os.path.join(directory, "cluster"), exist_ok=True)
    with open(os.path.join(directory, "cluster", "main.yml"), "w") as f:
        f.write(configuration(name, instances, backend))
    return directory


def api_calls(text):
    """The numbers of tfy's `API calls: DescribeInstances 3, RunInstances 1 (2 retries)` line."""
    line = next((l for l in reversed(text.splitlines()) if l.startswith("API calls: ")), "")
    calls = {m.group(1): int(m.group(2)) for m in re.finditer(r"(\w+) (\d+)", line[len("API calls: "):])}
    return calls, line[len("API calls: "):]


def debug_calls(log):
    """`[DEBUG] ec2 Action ok in 12.3ms, 1 attempt` lines: [(action, milliseconds)]."""
    made = []
    for line in log.splitlines():
        parts = line.split(" ")
        if len(parts) >= 6 and parts[0] == "[DEBUG]" and parts[3] == "ok" and parts[4] == "in" and parts[5].endswith("ms,"):
            made.append((parts[2], float(parts[5][:-3])))
    return made


def where_time_went(log):
    """tfy's CPU time and what the EC2 calls cost (from TFY_LOG=debug): the part of a wall time
    that is moto's, and the part that is tfy's."""
    made = debug_calls(log)
    slowest = max(made, key=lambda call: call[1], default=("none", 0))
    return (f"tfy CPU {timed.cpu:.2f} s; EC2 calls {sum(ms for _, ms in made) / 1000:.2f} s in sum, "
            f"slowest {slowest[0]} {slowest[1] / 1000:.2f} s")


results = []  # (row, target, measured, ratio, note)


def add(row, target, measured, ratio, note):
    results.append((row, target, measured, "—" if ratio is None else f"{ratio:.2f}", note))
    print(f"  {row}: {measured} (target {target}, ratio {results[-1][3]}) — {note}", flush=True)


def mb(size):
    return f"{size / 1e6:.1f} MB"


# --- rows -----------------------------------------------------------------------------------------

def plan_rows(instances, row, wall_target, rss_target):
    directory = stack_directory(f"plan-{instances}", instances)
    env = offline_environment()
    runs = []
    for _ in range(options.repeat if instances <= 10000 else 1):
        status, wall, rss, _, err = tfy(["plan", "cluster", "-refresh=false", "-no-color"], directory, env,
                                        stdout=os.path.join(directory, "plan.txt"))
        runs.append((wall, rss, timed.cpu))
    wall, rss, cpu = min(runs)
    size = os.path.getsize(os.path.join(directory, "plan.txt"))
    add(row, f"≤ {wall_target} s, ≤ {rss_target} MB", f"{wall:.2f} s, {rss:.0f} MB",
        max(wall / wall_target, rss / rss_target),
        f"best of {len(runs)} (walls {', '.join(f'{w:.2f}' for w, _, _ in runs)} s); CPU {cpu:.2f} s; text {mb(size)}; exit {status}")


def show_json_row():
    directory = stack_directory("plan-10000", 10000)
    env = offline_environment()
    # The plan is saved with -format json: what is measured is `show`, and the text renderer is
    # plan-10k's row.
    tfy(["plan", "cluster", "-refresh=false", "-no-color", "-format", "json", "-out", "plan.tfplan"], directory, env,
        stdout=os.path.join(directory, "plan-out.json"))
    runs = []
    for _ in range(options.repeat):
        status, wall, rss, _, _ = tfy(["show", "-json", "plan.tfplan"], directory, env, stdout=os.path.join(directory, "plan.json"))
        runs.append((wall, rss, timed.cpu))
    wall, rss, cpu = min(runs)
    add("show-json-10k", "≤ 0.3 s", f"{wall:.2f} s, {rss:.0f} MB", wall / 0.3,
        f"best of {len(runs)}; CPU {cpu:.2f} s; saved plan {mb(os.path.getsize(os.path.join(directory, 'plan.tfplan')))}, "
        f"JSON {mb(os.path.getsize(os.path.join(directory, 'plan.json')))}; exit {status}")


def create_row(instances, target, destroy=False):
    with Moto() as moto:
        moto.warm()
        directory = stack_directory(f"create-{instances}", instances)
        env = moto.environment(TFY_LOG="debug")
        status, wall, rss, out, err = tfy(["apply", "cluster", "-auto-approve", "-no-color"], directory, env)
        calls, line = api_calls(out + err)
        add(f"create-{instances}", f"≤ {target} s", f"{wall:.2f} s", wall / target,
            f"moto, TFY_POLL_INTERVAL default; {where_time_went(err)}; {sum(calls.values())} calls ({line})")
        if destroy:
            status, wall, rss, out, err = tfy(["destroy", "cluster", "-auto-approve", "-no-color"], directory, env)
            calls, line = api_calls(out + err)
            total = sum(calls.values())
            add("destroy-100", "≤ 1 s, ≤ 10 calls", f"{wall:.2f} s, {total} calls", max(wall / 1, total / 10),
                f"{where_time_went(err)}; {line}")


def s3_row():
    instances = options.s3_instances
    with Moto() as moto:
        moto.warm()
        s3 = moto.client("s3")
        s3.create_bucket(Bucket="scale-state")
        s3.put_bucket_versioning(Bucket="scale-state", VersioningConfiguration={"Status": "Enabled"})
        directory = stack_directory("s3", instances, backend="scale-state")
        status, wall, rss, out, err = tfy(["apply", "cluster", "-auto-approve", "-no-color"], directory, moto.environment())
        if status != 0:
            raise RuntimeError(f"tfy apply exited {status}: {(err or out).strip().splitlines()[-1:]}")
        versions = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket="scale-state"):
            versions += page.get("Versions", [])
        uploaded = sum(v["Size"] for v in versions)
        state = [v for v in versions if v["Key"] == "stacks/s3.tfstate"]
        final = next(v["Size"] for v in state if v["IsLatest"])
        records = [v for v in versions if v["Key"].startswith("stacks/s3.tfstate.journal/")]
        others = [v["Key"] for v in versions if v["Key"] != "stacks/s3.tfstate" and v not in records]
        left = s3.list_objects_v2(Bucket="scale-state", Prefix="stacks/s3.tfstate.journal/").get("KeyCount", 0)
        calls, _ = api_calls(out + err)
        s3_calls = ", ".join(f"{action} {calls[action]}" for action in ("PutObject", "HeadObject", "GetObject", "DeleteObject", "ListObjectsV2") if action in calls)
        add("s3-bytes", "≤ 20 × final state", f"{mb(uploaded)} = {uploaded / final:.1f} × {final / 1e3:.0f} kB",
            uploaded / (20 * final),
            f"N={instances}{'' if instances >= 1000 else ' (the issue asks for 1,000: --s3-instances 1000, minutes on moto)'}; "
            f"{len(state)} whole state writes ({mb(sum(v['Size'] for v in state))}), {len(records)} journal records "
            f"({sum(v['Size'] for v in records) / 1e3:.0f} kB, {left} left after the apply), {len(others)} other uploads "
            f"({', '.join(sorted(set(others))) or 'none'}); S3 calls: {s3_calls}; apply {wall:.1f} s")


def boot_row():
    with Moto(latency_ms=50, boot_seconds=20) as moto:
        moto.warm_backend()
        directory = stack_directory("boot", 100)
        status, wall, rss, out, err = tfy(["apply", "cluster", "-auto-approve", "-no-color", "-parallelism=10"], directory,
                                          moto.environment(TFY_LOG="debug"))
        calls, line = api_calls(out + err)
        add("boot-100", "≤ 23 s", f"{wall:.1f} s", wall / 23,
            f"boot 20 s, +50 ms per EC2 call (fault proxy), parallelism 10, TFY_POLL_INTERVAL default; {where_time_went(err)}; {line}")


def adopt_live(moto, name, instances):
    """A stack of `instances` live instances in tfy's state, set up without tfy launching them:
    tfy creates the group, the instances are launched one per RunInstances (eight at a time),
    tagged as tfy tags them, and one `tfy apply` adopts them by their tags.

    One per call because moto pages DescribeInstances by reservation: 10,000 instances launched
    1,000 per call were 10 reservations, all in the first page of `MaxResults=1000`, which moto
    then took longer to serialize than tfy's 60 s request timeout (it retried the page until it
    gave up). moto serializes a page of 1,000 in about 4 s (moto_helper's tag lookup; it was
    minutes when moto scanned every tag for each instance), longer on a loaded machine:
    TFY_REQUEST_TIMEOUT is raised to 900 s for this stack. Launching 10,000 takes moto about 25
    minutes (7 a second)."""
    directory = stack_directory(name, instances)
    env = moto.environment(TFY_REQUEST_TIMEOUT="900")
    tfy(["apply", "cluster", "-auto-approve", "-no-color", "-target", "aws_security_group.cluster"], directory, env)
    with open(os.path.join(directory, "cluster", "state", f"{name}.tfstate")) as f:
        group = re.search(r'"(sg-[0-9a-f]+)"', f.read()).group(1)
    ec2 = moto.client("ec2")

    def launch(index):
        tags = [{"Key": "Name", "Value": f"node-{index}"}, {"Key": "tfy:stack", "Value": name},
                {"Key": "tfy:address", "Value": f"aws_instance.node[{index}]"}]
        ec2.run_instances(ImageId="ami-1ecae776", InstanceType="t2.micro", MinCount=1, MaxCount=1, SecurityGroupIds=[group],
                          TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(launch, range(instances)))
    tfy(["apply", "cluster", "-auto-approve", "-no-color"], directory, env)
    return directory, env


def nochange_row():
    instances = options.live_instances
    with Moto() as moto:
        start = time.monotonic()
        directory, env = adopt_live(moto, f"live-{instances}", instances)
        setup = time.monotonic() - start
        runs = []
        # At 10,000 a plan takes moto about 40 s (ten pages of about 4 s): one run.
        for _ in range(max(options.repeat, 3) if instances < 10000 else 1):
            before = moto.ec2_requests()
            status, wall, rss, out, err = tfy(["plan", "cluster", "-no-color", "-detailed-exitcode"], directory,
                                              dict(env, TFY_LOG="debug"))
            made = debug_calls(err)
            emulator = sum(ms for _, ms in made) / 1000
            runs.append((wall / max(emulator, 1e-6), wall, emulator, len(made), moto.ec2_requests() - before, status, made))
        runs.sort(key=lambda run: run[0])
        ratio, wall, emulator, count, received, status, made = runs[len(runs) // 2]
        pages = sum(1 for action, _ in made if action == "DescribeInstances")
        add("nochange-plan", "≤ 3 + pages calls, wall ≤ 1.2 × emulator", f"{count} calls, {wall:.2f} s = {ratio:.2f} × {emulator:.2f} s",
            max(count / (3 + pages), ratio / 1.2),
            f"N={instances}{'' if instances >= 10000 else ' (the issue: 10,000, --live-instances 10000)'}; median of {len(runs)}; "
            f"{', '.join(a for a, _ in made)}; moto received {received}; exit {status}; setup {setup:.0f} s")


DATA_SOURCES = """data:
  aws_ami:
    image:
      most_recent: true
      owners: [self]
      filter: [{name: "tag:role", values: [node]}]
      name_regex: "^node-"
  aws_vpc:
    default: {default: true}
  aws_subnets:
    default: {filter: [{name: vpc-id, values: ["${data.aws_vpc.default.id}"]}]}
  aws_subnet:
    a: {vpc_id: "${data.aws_vpc.default.id}", availability_zone: us-east-1a, default_for_az: true}
  aws_availability_zones:
    available: {state: available}
  aws_security_group:
    ssh: {name: ssh, vpc_id: "${data.aws_vpc.default.id}"}
  aws_key_pair:
    deployer: {key_name: deployer}
"""

DATA_TYPES = 7


def nochange_data_row():
    """The cluster of 10 instances with its image, subnet, key pair and an extra group found by
    data sources (and the zones and subnet list as outputs): a no-change plan's EC2 calls."""
    instances = 10
    with Moto() as moto:
        moto.warm_backend()
        ec2 = moto.client("ec2")
        image = ec2.register_image(Name="node-2024", RootDeviceName="/dev/sda1")["ImageId"]
        ec2.create_tags(Resources=[image], Tags=[{"Key": "role", "Value": "node"}])
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        ec2.create_security_group(GroupName="ssh", Description="SSH", VpcId=vpc)
        ec2.create_key_pair(KeyName="deployer")
        directory = stack_directory("data", instances)
        path = os.path.join(directory, "cluster", "main.yml")
        with open(path) as f:
            text = f.read()
        text = text.replace("ami: ami-1ecae776", "ami: ${data.aws_ami.image.id}")
        text = text.replace('vpc_security_group_ids: ["${aws_security_group.cluster.id}"]',
                            'vpc_security_group_ids: ["${aws_security_group.cluster.id}", "${data.aws_security_group.ssh.id}"]\n'
                            '      subnet_id: ${data.aws_subnet.a.id}\n      key_name: ${data.aws_key_pair.deployer.key_name}')
        text += DATA_SOURCES + """output:
  zones: {value: "${data.aws_availability_zones.available.names}"}
  subnets: {value: "${data.aws_subnets.default.ids}"}
"""
        with open(path, "w") as f:
            f.write(text)
        env = moto.environment()
        tfy(["apply", "cluster", "-auto-approve", "-no-color"], directory, env)
        before = moto.ec2_requests()
        status, wall, rss, out, err = tfy(["plan", "cluster", "-no-color", "-detailed-exitcode"], directory, dict(env, TFY_LOG="debug"))
        made = debug_calls(err)
        received = moto.ec2_requests() - before
        target = 3 + DATA_TYPES
        add("nochange-data", f"≤ 3 + {DATA_TYPES} calls (one per data source type)", f"{len(made)} calls, {wall:.2f} s", len(made) / target,
            f"N={instances}; {', '.join(sorted(a for a, _ in made))}; moto received {received}; exit {status}")


# --- Terraform ------------------------------------------------------------------------------------

TERRAFORM_CONFIG = """terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "5.100.0" }}
  }}
}}
variable "n" {{ type = number }}
provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "AKIDSCALE"
  secret_key                  = "scale"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {{ ec2 = "{endpoint}" }}
}}
resource "aws_security_group" "cluster" {{
  name = "{stack}-cluster"
  ingress {{
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
resource "aws_instance" "node" {{
  count                  = var.n
  ami                    = "ami-1ecae776"
  instance_type          = "t2.micro"
  vpc_security_group_ids = [aws_security_group.cluster.id]
  tags                   = {{ Name = "node-${{count.index}}" }}
}}
"""


def terraform_rows():
    wanted = [row for row in ("create-10", "create-100", "nochange-plan") if row in selected]
    if not wanted:
        return
    if not shutil.which("terraform") or not os.path.isdir(options.mirror):
        for row in wanted:
            add(f"terraform {row}", "—", "terraform: not available", None, f"no `terraform` on PATH or no mirror at {options.mirror}")
        return
    cli_config = os.path.join(work, "terraform.rc")
    with open(cli_config, "w") as f:
        f.write(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{options.mirror}"\n  }}\n}}\n')
    with Moto() as moto:
        directory = os.path.join(work, "terraform")
        os.makedirs(directory)
        with open(os.path.join(directory, "main.tf"), "w") as f:
            f.write(TERRAFORM_CONFIG.format(endpoint=moto.url, stack="tf"))
        env = dict(os.environ, TF_CLI_CONFIG_FILE=cli_config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        env.pop("TF_LOG", None)

        def terraform(*arguments):
            status, wall, rss, out, err = timed(["terraform", *arguments, "-no-color"], directory, env)
            if status not in (0, 2):
                raise RuntimeError(f"terraform {' '.join(arguments)} exited {status}: {(err or out)[-2000:]}")
            return wall, rss

        terraform("init", "-input=false")
        for n in (10, 100):
            if f"create-{n}" not in wanted and not (n == 100 and "nochange-plan" in wanted):
                continue
            before = moto.ec2_requests()
            wall, _ = terraform("apply", "-auto-approve", "-input=false", "-var", f"n={n}")
            if f"create-{n}" in wanted:
                add(f"terraform create-{n}", "—", f"{wall:.1f} s", None,
                    f"terraform 1.11 + AWS provider 5.100.0, same moto; {moto.ec2_requests() - before} EC2 calls")
            if n == 100 and "nochange-plan" in wanted:
                before = moto.ec2_requests()
                wall, rss = terraform("plan", "-input=false", "-detailed-exitcode", "-var", "n=100")
                add("terraform nochange-plan", "—", f"{moto.ec2_requests() - before} calls, {wall:.1f} s", None,
                    f"N=100 (tfy's row uses N={options.live_instances}); {rss:.0f} MB")
            terraform("destroy", "-auto-approve", "-input=false", "-var", f"n={n}")


# --- main -----------------------------------------------------------------------------------------

def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


print(f"tfy scale table: {options.tfy}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
      f"{os.cpu_count()} cores, load average {load()} at the start", flush=True)
TARGETS = {"plan-10k": "≤ 0.4 s, ≤ 100 MB", "plan-100k": "≤ 4 s, ≤ 600 MB", "show-json-10k": "≤ 0.3 s", "create-10": "≤ 0.5 s",
           "create-100": "≤ 1.2 s", "destroy-100": "≤ 1 s, ≤ 10 calls", "s3-bytes": "≤ 20 × final state", "boot-100": "≤ 23 s",
           "nochange-plan": "≤ 3 + pages calls, wall ≤ 1.2 × emulator",
           "nochange-data": "≤ 3 + 7 calls (one per data source type)"}
steps = {
    "plan-10k": lambda: plan_rows(10000, "plan-10k", 0.4, 100),
    "plan-100k": lambda: plan_rows(100000, "plan-100k", 4, 600),
    "show-json-10k": show_json_row,
    "create-10": lambda: create_row(10, 0.5),
    "create-100": lambda: create_row(100, 1.2, destroy="destroy-100" in selected),
    "destroy-100": lambda: None if "create-100" in selected else create_row(100, 1.2, destroy=True),
    "s3-bytes": s3_row,
    "boot-100": boot_row,
    "nochange-plan": nochange_row,
    "nochange-data": nochange_data_row,
}
failed = False
for row in selected:
    try:
        steps[row]()
    except Exception as error:  # one row failing still prints the others
        failed = True
        add(row, TARGETS[row], "timed out" if isinstance(error, TimeoutError) else "failed", None,
            str(error).splitlines()[0][:200] if str(error) else type(error).__name__)
if options.terraform:
    try:
        terraform_rows()
    except Exception as error:
        failed = True
        add("terraform", "—", "failed", None, str(error).splitlines()[0][:200])
else:
    add("terraform", "—", "not run", None, "pass --terraform (minutes) to time the same stacks with Terraform")

if "destroy-100" in selected and "create-100" not in selected:
    # create_row added a create-100 line to set destroy up; keep only the row that was asked for.
    results[:] = [r for r in results if r[0] != "create-100"]
print(f"\nload average {load()} at the end\n")
print("| row | target | measured | ratio | note |")
print("|---|---|---|---|---|")
for row in results:
    print("| " + " | ".join(row) + " |")
sys.exit(1 if failed else 0)
