#!/usr/bin/env python3
"""Runs tfy on every hostile input of issue 18 and prints, for each, the exit status, the wall
time, the peak memory and the first line tfy printed about it.

    benchmarks/hostile/run.py [--tfy .build/release/tfy]

Every case must end as the table's `expect` column says (exit 1 with a located message for bad
input) within 2 s and 500 MB; the script exits 1 if one does not. It times and measures and is
therefore a benchmark, not a test: the tests assert the messages themselves.
"""
import argparse, os, resource, shutil, subprocess, sys, tempfile, time

SG = """resource:
  aws_security_group:
    web:
      name: web
      description: web
      ingress:
        - {{protocol: tcp, from_port: {from_port}, to_port: {to_port}, cidr_blocks: ["0.0.0.0/0"]}}
"""
BOOTSTRAP = """resource:
  tfy_bootstrap:
    setup:
      instance_id: i-0123456789abcdef0
      connection: {{host: 192.0.2.1, port: {port}, bastion_host: 192.0.2.2, bastion_port: {bastion_port}}}
      inline: ["true"]
"""
INSTANCE = """resource:
  aws_instance:
    web:
      ami: ami-0123456789abcdef0
      instance_type: t3.micro
      {extra}
"""

def blocks(n):
    lines = ["resource:", "  aws_security_group:"]
    for i in range(n):
        lines += [f"    g{i}:", f"      name: g{i}", f"      description: group {i}", f'      tags: {{Name: "${{var.tag}}-{i}"}}']
    return "variable:\n  tag: {default: bench}\n" + "\n".join(lines) + "\n"

def alias_bomb():
    scalar = "x" * (1024 * 1024)
    return "locals:\n  big: &a " + scalar + "\n  many:\n" + "".join("    - *a\n" for _ in range(90_000))

CASES = [
    # name, files, arguments, expected exit status
    ("from_port 1e30", {"main.yml": SG.format(from_port="1e30", to_port=22)}, ["validate"], 1),
    ("to_port 1e30", {"main.yml": SG.format(from_port=22, to_port="1e30")}, ["validate"], 1),
    ("connection.port 1e30", {"main.yml": BOOTSTRAP.format(port="1e30", bastion_port=22)}, ["validate"], 1),
    ("bastion_port 1e30", {"main.yml": BOOTSTRAP.format(port=22, bastion_port="1e30")}, ["validate"], 1),
    ("volume_size 1e30", {"main.yml": INSTANCE.format(extra="root_block_device: {volume_size: 1e30}")}, ["validate"], 1),
    ("max_retries 1e30", {"main.yml": "provider:\n  aws: {region: us-east-1, max_retries: 1e30}\n" + SG.format(from_port=22, to_port=22)}, ["validate"], 1),
    ("templatefile of itself", {"main.yml": 'output:\n  x: {value: \'${templatefile("self.tpl", {})}\'}\n',
                                "self.tpl": '${templatefile("self.tpl", {})}\n'}, ["validate"], 1),
    # 6.9 MB of text, within the budget: it must succeed, and quickly (it aborted allocating 6.9 TB).
    ("join over range(1e6) (within budget)", {"main.yml": 'output:\n  x: {value: \'${join(",", range(1e6))}\'}\n'}, ["validate"], 0),
    ("join over range(1e6), 20-byte separator", {"main.yml": 'output:\n  x: {value: \'${join("--------------------", range(1e6))}\'}\n'}, ["validate"], 1),
    ("for over 1e6 x 1e6", {"main.yml": "output:\n  x: {value: '${[for i in range(1e6) : [for j in range(1e6) : j]]}'}\n"}, ["validate"], 1),
    ("for over range(20) of length(range(1e6))", {"main.yml": "locals:\n  a: '${[for i in range(20): length(range(1000000))]}'\n"}, ["validate"], 1),
    ("5,000 lists nested through locals", {"main.yml": "locals:\n  a0: \"${[1]}\"\n" + "".join(f'  a{i}: "${{[local.a{i - 1}]}}"\n' for i in range(1, 5001))}, ["validate"], 1),
    ("1 MB scalar aliased 90,000 times", {"main.yml": alias_bomb()}, ["validate"], 1),
    ("file() of a FIFO", {"main.yml": 'output:\n  x: {value: \'${file("pipe")}\'}\n', "pipe": None}, ["validate"], 1),
    ("unclosed quote", {"main.yml": 'resource:\n  aws_instance:\n    web:\n      ami: "ami-123\n      instance_type: t3.micro\n'}, ["validate"], 1),
    ("bad indent", {"main.yml": "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n     instance_type: t3.micro\n"}, ["validate"], 1),
    ("dedented tags", {"main.yml": "resource:\n  aws_instance:\n    web:\n      ami: ami-1\n      instance_type: t3.micro\n  tags:\n    Name: web\n"}, ["validate"], 1),
    ("unquoted ${a ? b : c}", {"main.yml": 'variable:\n  a: {default: true}\nresource:\n  aws_instance:\n    web:\n      ami: ${var.a ? "b" : "c"}\n      instance_type: t3.micro\n'}, ["validate"], 1),
    ("ami: var.ami (a warning)", {"main.yml": "variable:\n  ami: {default: ami-1}\n" + INSTANCE.format(extra="").replace("ami-0123456789abcdef0", "var.ami")}, ["validate"], 0),
    ("plan -chdir web", {"main.yml": SG.format(from_port=22, to_port=22)}, ["plan", "-chdir", "web"], 1),
    ("plan -detailed-exitcode -chdir web", {"main.yml": SG.format(from_port=22, to_port=22)}, ["plan", "-detailed-exitcode", "-chdir", "web"], 1),
    ("apply -chdir web -auto-approve", {"main.yml": SG.format(from_port=22, to_port=22)}, ["apply", "-chdir", "web", "-auto-approve"], 1),
    ("plan -lock-timeout abc", {"main.yml": SG.format(from_port=22, to_port=22)}, ["plan", "-lock-timeout", "abc"], 1),
    ("apply -parallelism 0", {"main.yml": SG.format(from_port=22, to_port=22)}, ["apply", "-parallelism", "0", "-auto-approve"], 1),
    ("refused endpoint", {"main.yml": SG.format(from_port=22, to_port=22)}, ["plan"], 1),
    ("unresolvable endpoint", {"main.yml": SG.format(from_port=22, to_port=22)}, ["plan"], 1),
    # Issue 20's functions: work and size bounded before the time or memory is spent.
    ("regex (a+)+$ on 40 a's and a b", {"main.yml": "locals:\n  a: '${regex(\"(a+)+$\", \"" + "a" * 40 + "b\")}'\n"}, ["validate"], 1),
    ("5,000 ordinary regex calls (within budget)", {"main.yml": "locals:\n  a: '${length([for i in range(5000) : regex(\"^([a-z]+)-(\\\\d+)$\", \"node-${i}\")])}'\n"}, ["validate"], 0),
    ("setproduct of three range(1000)", {"main.yml": "locals:\n  a: '${setproduct(range(1000), range(1000), range(1000))}'\n"}, ["validate"], 1),
    ("yamldecode of 10^7 aliased nodes", {"main.yml": "locals:\n  a: '${yamldecode(\"" + "\\n".join(
        [f"l0: &l0 [{', '.join(['x'] * 10)}]"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 7)]) + "\")}'\n"}, ["validate"], 1),
    ("jsondecode of 100,000 nested lists", {"main.yml": "locals:\n  a: '${jsondecode(\"" + "[" * 100_000 + "]" * 100_000 + "\")}'\n"}, ["validate"], 1),
    ("templatestring rendering itself", {"main.yml": "locals:\n  t: '$${templatestring(t, {t = t})}'\n  a: '${templatestring(local.t, {t = local.t})}'\n"}, ["validate"], 1),
    ("object for over range(100000) (within budget)", {"main.yml": "locals:\n  a: '${length({for i in range(100000) : i => i})}'\n"}, ["validate"], 0),
    ("10,000 blocks", {"main.yml": blocks(10_000)}, ["validate"], 0),
    ("20,000 blocks", {"main.yml": blocks(20_000)}, ["validate"], 0),
    ("40,000 blocks", {"main.yml": blocks(40_000)}, ["validate"], 0),
]
# Cases with a tighter time target than the default.
TIME_LIMITS = {"40,000 blocks": 1.0}
ENDPOINTS = {"refused endpoint": "http://127.0.0.1:9", "unresolvable endpoint": "http://ec2.tfy-bench.invalid"}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tfy", default=".build/release/tfy")
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--memory-limit-mb", type=float, default=500.0)
    args = parser.parse_args()
    tfy = os.path.abspath(args.tfy)
    failures = 0
    print(f"{'case':<42} {'expect':>6} {'exit':>4} {'wall s':>7} {'peak MB':>8}  first line")
    for name, files, arguments, expected in CASES:
        directory = tempfile.mkdtemp(prefix="tfy-hostile-")
        try:
            for file, text in files.items():
                if text is None:
                    os.mkfifo(os.path.join(directory, file))
                else:
                    with open(os.path.join(directory, file), "w") as handle:
                        handle.write(text)
            env = dict(os.environ, NO_COLOR="1", AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret", AWS_REGION="us-east-1")
            env["AWS_ENDPOINT_URL_EC2"] = ENDPOINTS.get(name, "http://127.0.0.1:9")
            command = ["/usr/bin/time", "-f", "%e %M", tfy] + arguments
            start = time.monotonic()
            # A session of its own, so a case that hangs is killed with tfy, not only with `time`.
            process = subprocess.Popen(command, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, start_new_session=True)
            try:
                stdout, stderr = process.communicate(timeout=60)
                done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
                wall = time.monotonic() - start
                *output, measured = done.stderr.rstrip("\n").split("\n")
                try:
                    seconds, kilobytes = measured.split()
                    peak = int(kilobytes) / 1024
                except ValueError:  # killed by a signal: time prints "Command terminated by signal N" first
                    peak = float("nan")
                status = done.returncode
                lines = [l for l in output + done.stdout.split("\n") if l.strip() and not l.startswith("Command ")]
                first = lines[0][:90] if lines else ""
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.communicate()
                wall, peak, status, first = 60.0, float("nan"), "hung", "(killed after 60 s)"
            ok = status == expected and wall <= TIME_LIMITS.get(name, args.time_limit) and not (peak > args.memory_limit_mb)
            failures += not ok
            print(f"{name:<42} {expected:>6} {status:>4} {wall:>7.2f} {peak:>8.0f}  {'' if ok else 'MISSED '}{first}")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"{len(CASES) - failures} of {len(CASES)} cases within {args.time_limit} s (40,000 blocks: 1 s) and {args.memory_limit_mb:.0f} MB with the expected exit status")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
