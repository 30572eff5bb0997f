#!/bin/bash
# Phase 1, every node: Java, the cluster key, /etc/hosts with every node, the hostname, extra
# disks. Idempotent: a second run changes nothing that is already right.
#
# From tfy: ROOT (prefix of every path written; empty on real instances), SUDO, STAGE (where tfy
# uploaded this phase's files), INSTALL_SOFTWARE, NODE_NAME, DISKS (extra disks' device names),
# DATA_DIR.
set -eu
: "${ROOT?}" "${SUDO?}" "${STAGE?}" "${INSTALL_SOFTWARE?}" "${NODE_NAME?}" "${DISKS?}" "${DATA_DIR?}"

if [ "$INSTALL_SOFTWARE" = true ]; then
    $SUDO yum install -y -q java-1.8.0-openjdk-devel rsync
fi

# The cluster key, made for this cluster by tfy: passwordless ssh between the nodes.
ssh_dir="$ROOT$HOME/.ssh"
mkdir -p "$ssh_dir"
chmod 700 "$ssh_dir"
install -m 600 "$STAGE/cluster_key" "$ssh_dir/id_cluster"
install -m 644 "$STAGE/cluster_key.pub" "$ssh_dir/id_cluster.pub"
touch "$ssh_dir/authorized_keys"
chmod 600 "$ssh_dir/authorized_keys"
if ! grep -qxF "$(cat "$STAGE/cluster_key.pub")" "$ssh_dir/authorized_keys"; then
    cat "$STAGE/cluster_key.pub" >> "$ssh_dir/authorized_keys"
fi
install -m 600 "$STAGE/ssh_config" "$ssh_dir/config"

# /etc/hosts: every node's private IP and name, in a block tfy owns (replaced, never appended).
hosts="$ROOT/etc/hosts"
$SUDO mkdir -p "$(dirname "$hosts")"
$SUDO touch "$hosts"
updated=$(mktemp)
sed '/^# BEGIN tfy cluster$/,/^# END tfy cluster$/d' "$hosts" > "$updated"
{ echo "# BEGIN tfy cluster"; cat "$STAGE/hosts"; echo "# END tfy cluster"; } >> "$updated"
$SUDO cp "$updated" "$hosts"
rm -f "$updated"

# The hostname.
if [ -z "$ROOT" ]; then
    $SUDO hostname "$NODE_NAME"
fi
echo "$NODE_NAME" | $SUDO tee "$ROOT/etc/hostname" > /dev/null

# The cluster's data (NameNode, ZooKeeper, markers), written by this user in the later phases.
$SUDO mkdir -p "$ROOT$DATA_DIR"
$SUDO chown "$(id -u):$(id -g)" "$ROOT$DATA_DIR"

# Extra disks: formatted once (never again: a disk with a filesystem is left as it is), mounted
# at /disk0, /disk1, …, recorded in fstab once.
n=0
for device in $DISKS; do
    # HVM instances name /dev/sdX as /dev/xvdX.
    [ -b "$device" ] || device="/dev/xvd${device#/dev/sd}"
    mount_point="$ROOT/disk$n"
    n=$((n + 1))
    if [ ! -b "$device" ]; then
        echo "no block device $device: skipped"
        continue
    fi
    if ! $SUDO blkid "$device" > /dev/null 2>&1; then
        $SUDO mkfs.ext4 -q "$device"
    fi
    $SUDO mkdir -p "$mount_point"
    if ! grep -q " $mount_point " "$ROOT/etc/fstab" 2> /dev/null; then
        echo "$device $mount_point ext4 defaults,nofail 0 2" | $SUDO tee -a "$ROOT/etc/fstab" > /dev/null
    fi
    mountpoint -q "$mount_point" || $SUDO mount "$mount_point"
done
echo "common: $NODE_NAME ready"
