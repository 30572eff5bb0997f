#!/bin/bash
# The one-command demo (`make demo`): the Tachyon fault-tolerant cluster of examples/tachyon-ft,
# planned, created, checked, scaled from 3 to 5 machines, inspected and destroyed — by tfy, as a
# user runs it, with real output — against a local EC2 emulator (moto) and local sshd hosts
# standing in for the instances. Everything it starts, it stops.
#
# The emulator and the hosts come from local-hosts.sh. Two things differ from real EC2, each
# through a documented variable of the example, never through demo-only copies of the scripts:
#   install_software = false  there is no internet here: Java, Hadoop, ZooKeeper and Tachyon are
#                             not downloaded or started; everything else runs for real.
#   host_root = DIR           the stand-in hosts share this machine's filesystem: each writes
#                             under DIR/<node name>, never to this machine's /etc.
# and ssh_endpoints points each node's name at its local sshd.
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR/../..
source examples/tachyon-ft/local-hosts.sh
mkdir -p plans state
rm -f state/demo.* plans/demo.tfplan state/tachyon-ft.tfy_ssh_key.cluster.key*

step() { # print a command as a user types it, then run it
    printf '\n\033[1m$ %s\033[0m\n' "$*"
    "$@"
}
tfy() { "$tfy_bin" "$@"; }

echo "Demo variables ($work/demo-vars.yml):"
sed 's/^/  /' "$work/demo-vars.yml"

vars=(-var-file "$work/demo-vars.yml" -state state/demo.tfstate)
step tfy validate examples/tachyon-ft
step tfy plan examples/tachyon-ft "${vars[@]}" -var machines=3 -out plans/demo.tfplan
step tfy apply plans/demo.tfplan -state state/demo.tfstate
step tfy plan examples/tachyon-ft "${vars[@]}" -var machines=3 -detailed-exitcode
step tfy apply examples/tachyon-ft "${vars[@]}" -var machines=5 -auto-approve
step tfy output -state state/demo.tfstate
step tfy ssh TachyonMaster -state state/demo.tfstate -- hostname
step tfy ssh TachyonWorker3 -state state/demo.tfstate -- cat "$work/roots/TachyonWorker3/etc/hosts"
step tfy destroy examples/tachyon-ft "${vars[@]}" -var machines=5 -auto-approve
printf '\nThe demo is over: the cluster is destroyed, and every process it started is stopped.\n'
