#!/bin/bash
# Phase 5 (fault tolerant clusters), TachyonMaster: ZooKeeper on port 2181, once.
#
# From tfy: ROOT, SUDO, INSTALL_SOFTWARE, ZOOKEEPER_VERSION, DATA_DIR.
set -eu
: "${ROOT?}" "${SUDO?}" "${INSTALL_SOFTWARE?}" "${ZOOKEEPER_VERSION?}" "${DATA_DIR?}"

$SUDO mkdir -p "$ROOT/zookeeper/conf"
$SUDO chown -R "$(id -u):$(id -g)" "$ROOT/zookeeper"
mkdir -p "$ROOT$DATA_DIR/zookeeper"
printf 'tickTime=2000\ndataDir=%s\nclientPort=2181\n' "$DATA_DIR/zookeeper" > "$ROOT/zookeeper/conf/zoo.cfg"
if [ "$INSTALL_SOFTWARE" = true ]; then
    if [ ! -x "$ROOT/zookeeper/bin/zkServer.sh" ]; then
        curl -fsSL "https://archive.apache.org/dist/zookeeper/zookeeper-$ZOOKEEPER_VERSION/zookeeper-$ZOOKEEPER_VERSION.tar.gz" -o /tmp/tfy-zk.tgz
        tar -xzf /tmp/tfy-zk.tgz -C "$ROOT/zookeeper" --strip-components=1
        rm -f /tmp/tfy-zk.tgz
    fi
    "$ROOT/zookeeper/bin/zkServer.sh" status > /dev/null 2>&1 || "$ROOT/zookeeper/bin/zkServer.sh" start
fi
echo "zookeeper: configured on port 2181"
