#!/bin/bash
# The one-command demo (`make demo`): the tour of README.md ("A five-minute tour"), run exactly as
# written there, line by line: the Tachyon fault-tolerant cluster of examples/tachyon-ft planned,
# created, checked, scaled from 3 to 5 machines, inspected and destroyed — by tfy, as a user runs
# it, with real output — against a local EC2 emulator (moto) and local sshd hosts standing in for
# the instances. Everything it starts, it stops; it leaves no state, plan or key in the checkout.
#
# The emulator and the hosts come from local-hosts.sh. Two things differ from real EC2, each
# through a documented variable of the example, never through demo-only copies of the scripts:
#   install_software = false  there is no internet here: Java, Hadoop, ZooKeeper and Tachyon are
#                             not downloaded or started; everything else runs for real.
#   host_root = DIR           the stand-in hosts share this machine's filesystem: each writes
#                             under DIR/<node name>, never to this machine's /etc.
# and ssh_endpoints points each node's name at its local sshd. These variables reach tfy as a
# Terraform user passes them without typing them: a `local.auto.tfvars.yml` file beside the
# configuration, which tfy reads automatically.
set -euo pipefail

cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR/../..
source examples/tachyon-ft/local-hosts.sh

# The tour's commands: the README's first `sh` block after its heading, comments removed.
mapfile -t tour < <(awk '/^## A five-minute tour/ { inside = 1 } inside && /^```sh/ { block = 1; next }
                         block && /^```/ { exit } block { sub(/[ \t]+#.*$/, ""); if (length) print }' README.md)
[ "${#tour[@]}" -gt 0 ] || { echo "README.md has no tour to run" >&2; exit 1; }

# A scratch copy laid out as the checkout is, so the tour's relative paths mean what they say.
tour_dir="$work/tour"
mkdir -p "$tour_dir/examples" "$tour_dir/plans"
cp -R examples/tachyon-ft "$tour_dir/examples/"
rm -rf "$tour_dir/examples/tachyon-ft/state"
cp "$work/demo-vars.yml" "$tour_dir/examples/tachyon-ft/local.auto.tfvars.yml"
cd "$tour_dir"

echo "Demo variables (examples/tachyon-ft/local.auto.tfvars.yml):"
sed 's/^/  /' examples/tachyon-ft/local.auto.tfvars.yml

tfy() { "$tfy_bin" "$@"; }
for command in "${tour[@]}"; do
    printf '\n\033[1m$ %s\033[0m\n' "$command"
    # Where tfy asks for confirmation, the demo answers "yes" as a user would.
    eval "$command" <<< yes
done
printf '\nThe demo is over: the cluster is destroyed, and every process it started is stopped.\n'
