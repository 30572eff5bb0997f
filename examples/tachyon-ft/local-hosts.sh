#!/bin/bash
# Sourced by demo.sh and benchmarks/tachyon-bench.sh: a local EC2 emulator (moto) and five sshd
# hosts on 127.0.0.1 standing in for the nodes, and the example's variables that point at them.
# Sets: repo, work, tfy_bin, and the AWS_* variables; writes "$work/demo-vars.yml". Everything
# started here stops when the shell that sourced it exits (however it exits). `work` is
# .build/demo, or TFY_DEMO_WORK (a new directory under /tmp) when a test runs the demo.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
support="$repo/Tests/TFYAWSTests/Fixtures/support"
work="${TFY_DEMO_WORK:-$repo/.build/demo}"
# It is removed before and after: nothing but those two places will do.
case "$work" in
    "$repo/.build/demo" | /tmp/tfy-demo-*) ;;
    *) echo "refusing: TFY_DEMO_WORK \"$work\" is not /tmp/tfy-demo-*" >&2; exit 1 ;;
esac
case "$work" in */../* | */..) echo "refusing: TFY_DEMO_WORK \"$work\" has .. in it" >&2; exit 1 ;; esac
tfy_bin="${tfy_bin:-$repo/.build/debug/tfy}"
rm -rf "$work"
mkdir -p "$work/hosts" "$work/roots"

# The helpers live while this fifo has a writer: closing it stops them.
mkfifo "$work/lifeline"
exec 9<> "$work/lifeline"
stop_local_hosts() {
    status=$?
    exec 9>&-
    wait 2> /dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap stop_local_hosts EXIT INT TERM

start_helper() { # OUTPUT-FILE SCRIPT ARGS...: start a helper, wait for the port it prints
    local out=$1
    shift
    python3 "$support/$1" "${@:2}" < "$work/lifeline" > "$out" 2> "$out.log" 9>&- &
    for _ in $(seq 2400); do # up to 120 s: moto takes seconds to start on a loaded machine
        [ -s "$out" ] && return 0
        sleep 0.05
    done
    echo "$1 did not start; see $out.log" >&2
    return 1
}

echo "Starting the local EC2 emulator (moto) and five sshd hosts on 127.0.0.1..."
start_helper "$work/moto.port" moto_helper.py
export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo-secret-not-real AWS_REGION=us-east-1
AWS_ENDPOINT_URL_EC2="http://127.0.0.1:$(cat "$work/moto.port")"
export AWS_ENDPOINT_URL_EC2
export TFY_POLL_INTERVAL=0.2

ssh-keygen -q -t ed25519 -N "" -C "tfy demo" -f "$work/demo_key"
cp "$work/demo_key.pub" "$work/authorized_keys"
names=(TachyonMaster TachyonMaster2 TachyonWorker1 TachyonWorker2 TachyonWorker3)
endpoints=""
for i in "${!names[@]}"; do
    start_helper "$work/h$i.port" sshd_helper.py "$work/hosts/${names[$i]}" "$work/authorized_keys"
    endpoints="$endpoints  ${names[$i]}: \"127.0.0.1:$(cat "$work/h$i.port")\"
"
done

# The bootstrap scripts write authorized_keys, /etc/hosts and the hostname under host_root: an
# empty one would make them change this machine. Refuse anything but the demo's own directory.
case "$work/roots" in
    /*/.build/demo/roots | /tmp/tfy-demo-*/roots) [ -d "$work/roots" ] || { echo "refusing: no $work/roots" >&2; exit 1; } ;;
    *) echo "refusing: host_root \"$work/roots\" is not the demo's own directory" >&2; exit 1 ;;
esac

# The stand-ins (see the example's README), and a fault-tolerant cluster: 2 masters. The emulator
# has no real Amazon Linux images, so the image is pinned (AMI) and data.aws_ami is not read; the
# default VPC and its subnet are looked up in the emulator as on AWS.
cat > "$work/demo-vars.yml" <<VARS
Masters: 2
AMI: ami-1ecae776
Keypair: tfy-demo
Key_Path: $work/demo_key
install_software: false
host_root: $work/roots
ssh_user: $(id -un)
ssh_endpoints:
$endpoints
VARS
