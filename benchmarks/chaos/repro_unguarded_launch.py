#!/usr/bin/env python3
"""Reproduces the chaos campaign's failure (seed 1, rounds 52, 62, 72, 94, 136, 178; fixed, with
ApplyLifecycleTests' dependentsOfAGroupReplacedDeleteFirstGetTheNewGroup as its regression test):
after a run killed while its security group was being created (and not yet visible), the rerun
replaced the tainted group and launched the instances with NO SecurityGroupId (see the printed request
log: RunInstances without SecurityGroupId.1), so they land in no group on moto (in the VPC's
default group on real EC2), and the next plan shows vpc_security_group_ids [] -> [sg-...].
Timing-dependent: run with several kill delays, e.g. `repro_unguarded_launch.py 1.2 0.8 1.5`.
Each argument is one iteration: apply n=3 through the fault proxy (20 ms latency, instances and
groups invisible for 5 s), kill -9 after that many seconds, rerun, plan, print moto's view and
the proxy's request log, destroy. TFY names the binary (default .build/debug/tfy).
"""
import subprocess, sys, os, json, time, signal, urllib.request, tempfile
ROOT=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUP=ROOT+"/Tests/TFYAWSTests/Fixtures/support"
def helper(s,*a):
    p=subprocess.Popen([sys.executable,f"{SUP}/{s}",*map(str,a)],stdin=subprocess.PIPE,stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
    return p,int(p.stdout.readline())
m,mp=helper("moto_helper.py"); px,pp=helper("fault_proxy.py",mp)
d=tempfile.mkdtemp()
open(d+"/main.yml","w").write('''stack: chaos
variable:
  n: {type: number, default: 1}
provider:
  aws: {region: us-east-1}
resource:
  aws_security_group:
    g: {name: chaos-g, description: chaos}
  aws_instance:
    node:
      count: "${var.n}"
      ami: ami-1ecae776
      instance_type: t2.micro
      vpc_security_group_ids: ["${aws_security_group.g.id}"]
      tags: {Name: "chaos-${count.index}"}
''')
env=dict(os.environ,AWS_ACCESS_KEY_ID="A",AWS_SECRET_ACCESS_KEY="s",AWS_ENDPOINT_URL_EC2=f"http://127.0.0.1:{pp}",TFY_POLL_INTERVAL="0.1",AWS_MAX_ATTEMPTS="6")
def faults(**f): urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{pp}/__faults__",data=json.dumps(f).encode(),method="POST")).read()
tfy=os.environ.get("TFY", ROOT+"/.build/debug/tfy")
for kill in [float(x) for x in sys.argv[1:]]:
    faults(latency_ms=20, invisible_seconds=5)
    print("--- iteration")
    p=subprocess.Popen([tfy,"apply",".","-auto-approve","-no-color","-var","n=3"],cwd=d,env=env,stdout=subprocess.PIPE,stderr=subprocess.PIPE,text=True)
    try: o,e=p.communicate(timeout=kill); print("finished",p.returncode)
    except subprocess.TimeoutExpired: p.kill(); o,e=p.communicate(); print("killed at",kill)
    faults(latency_ms=0)
    r=subprocess.run([tfy,"apply",".","-auto-approve","-no-color","-var","n=3"],cwd=d,env=env,capture_output=True,text=True)
    print("rerun",r.returncode); print(r.stdout[-1500:]); print(r.stderr[-800:])
    r=subprocess.run([tfy,"plan",".","-detailed-exitcode","-no-color","-var","n=3"],cwd=d,env=env,capture_output=True,text=True)
    print("plan",r.returncode)
    import boto3
    ec2=boto3.client("ec2",endpoint_url=f"http://127.0.0.1:{mp}",region_name="us-east-1",aws_access_key_id="A",aws_secret_access_key="s")
    for res in ec2.describe_instances()["Reservations"]:
        for i in res["Instances"]: print("moto", i["InstanceId"], i["State"]["Name"], [g["GroupId"] for g in i.get("SecurityGroups",[])])
    print("sgs", [(g["GroupId"], g["GroupName"]) for g in ec2.describe_security_groups()["SecurityGroups"]])
    r=subprocess.run([tfy,"plan",".","-detailed-exitcode","-no-color","-var","n=3"],cwd=d,env=dict(env,AWS_ENDPOINT_URL_EC2=f"http://127.0.0.1:{mp}"),capture_output=True,text=True)
    print("plan direct",r.returncode)
    reqs=json.load(urllib.request.urlopen(f"http://127.0.0.1:{pp}/__requests__"))
    for q in reqs:
        a=q["params"].get("Action")
        if a in ("RunInstances","CreateSecurityGroup","DeleteSecurityGroup","ModifyInstanceAttribute","TerminateInstances"):
            print("req", a, {k:v for k,v in q["params"].items() if "Group" in k or "Token" in k or "InstanceId" in k})
    subprocess.run([tfy,"destroy",".","-auto-approve","-no-color"],cwd=d,env=env,capture_output=True,text=True)
