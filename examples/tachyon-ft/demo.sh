#!/bin/bash
# The one-command demo (`make demo`): the Tachyon fault-tolerant cluster of examples/tachyon-ft,
# planned, created, checked, scaled from 3 to 5 machines, inspected and destroyed — by tfy, as a
# user runs it, with real output — against a local EC2 emulator (moto) and local sshd hosts
# standing in for the instances. Everything it starts, it stops.
#
# Two things differ from real EC2, each through a documented variable of the example (see
# demo-vars below), never through demo-only copies of the scripts:
#   install_software = false  there is no internet here: Java, Hadoop, ZooKeeper and Tachyon are
#                             not downloaded or started; everything else runs for real.
#   host_root = DIR           the stand-in hosts share this machine's filesystem: each writes
#                             under DIR/<node name>, never to this machine's /etc.
# and ssh_endpoints points each node's name at its local sshd.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
support="$repo/Tests/TFYAWSTests/Fixtures/support"
work="$repo/.build/demo"
tfy_bin="$repo/.build/debug/tfy"
rm -rf "$work"
mkdir -p "$work/hosts" "$work/roots" plans state
rm -f state/demo.* plans/demo.tfplan state/tachyon-ft.tfy_ssh_key.cluster.key*

# Helpers live while this fifo has a writer: closing it (at exit, however we exit) stops them.
mkfifo "$work/lifeline"
exec 9<> "$work/lifeline"
cleanup() {
    status=$?
    exec 9>&-
    wait 2> /dev/null || true
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT INT TERM

start_helper() { # OUTPUT-FILE SCRIPT ARGS...: start a helper, wait for the port it prints
    local out=$1
    shift
    python3 "$support/$1" "${@:2}" < "$work/lifeline" > "$out" 2> "$out.log" 9>&- &
    for _ in $(seq 200); do
        [ -s "$out" ] && return 0
        sleep 0.05
    done
    echo "demo: $1 did not start; see $out.log" >&2
    return 1
}

step() { # print a command as a user types it, then run it
    printf '\n\033[1m$ %s\033[0m\n' "$*"
    "$@"
}
tfy() { "$tfy_bin" "$@"; }

echo "Starting the local EC2 emulator (moto) and five sshd hosts on 127.0.0.1..."
start_helper "$work/moto.port" moto_helper.py
export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo-secret-not-real AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_EC2="http://127.0.0.1:$(cat "$work/moto.port")"
export TFY_POLL_INTERVAL=0.2

ssh-keygen -q -t ed25519 -N "" -C "tfy demo" -f "$work/demo_key"
cp "$work/demo_key.pub" "$work/authorized_keys"
names=(TachyonMaster TachyonMaster2 TachyonWorker1 TachyonWorker2 TachyonWorker3)
endpoints=""
for i in "${!names[@]}"; do
    start_helper "$work/h$i.port" sshd_helper.py "$work/hosts/${names[$i]}" "$work/authorized_keys"
    endpoints="$endpoints    ${names[$i]}: \"127.0.0.1:$(cat "$work/h$i.port")\"
"
done

# The demo's values: the stand-ins, plus a fault-tolerant cluster (2 masters).
cat > "$work/demo-vars.yml" <<EOF
Masters: 2
Keypair: tfy-demo
Key_Path: $work/demo_key
install_software: false
host_root: $work/roots
ssh_user: $(id -un)
ssh_endpoints:
$endpoints
EOF
echo "Demo variables ($work/demo-vars.yml):"
sed 's/^/  /' "$work/demo-vars.yml"

vars=(-var-file "$work/demo-vars.yml" -state state/demo.tfstate)
step tfy validate examples/tachyon-ft
step tfy plan examples/tachyon-ft "${vars[@]}" -var machines=3 -out plans/demo.tfplan
step tfy apply plans/demo.tfplan -var-file "$work/demo-vars.yml" -var machines=3 -state state/demo.tfstate
step tfy plan examples/tachyon-ft "${vars[@]}" -var machines=3 -detailed-exitcode
step tfy apply examples/tachyon-ft "${vars[@]}" -var machines=5 -auto-approve
step tfy output -state state/demo.tfstate
step tfy ssh TachyonMaster -state state/demo.tfstate -- hostname
step tfy ssh TachyonWorker3 -state state/demo.tfstate -- cat "$work/roots/TachyonWorker3/etc/hosts"
step tfy destroy examples/tachyon-ft "${vars[@]}" -var machines=5 -auto-approve
printf '\nThe demo is over: the cluster is destroyed, and every process it started is stopped.\n'
