#!/bin/bash
# Phases 2 and 3: Hadoop and Tachyon on a node, with the configuration tfy rendered from the
# templates (the same files on every node). Runs on TachyonMaster first, then on the other nodes.
# Idempotent: software already in place is not downloaded again; files are replaced, not appended.
#
# From tfy: ROOT, SUDO, STAGE, INSTALL_SOFTWARE, NODE_NAME, HADOOP_VERSION, TACHYON_VERSION.
set -eu
: "${ROOT?}" "${SUDO?}" "${STAGE?}" "${INSTALL_SOFTWARE?}" "${NODE_NAME?}" "${HADOOP_VERSION?}" "${TACHYON_VERSION?}"

fetch() { # URL DIRECTORY: unpack a release tarball into DIRECTORY, once.
    if [ ! -d "$2" ]; then
        curl -fsSL "$1" -o /tmp/tfy-download.tgz
        $SUDO mkdir -p "$2"
        $SUDO tar -xzf /tmp/tfy-download.tgz -C "$2" --strip-components=1
        rm -f /tmp/tfy-download.tgz
    fi
}
if [ "$INSTALL_SOFTWARE" = true ]; then
    fetch "https://archive.apache.org/dist/hadoop/common/hadoop-$HADOOP_VERSION/hadoop-$HADOOP_VERSION.tar.gz" "$ROOT/hadoop"
    fetch "https://github.com/amplab/tachyon/releases/download/v$TACHYON_VERSION/tachyon-$TACHYON_VERSION-bin.tar.gz" "$ROOT/tachyon"
    $SUDO chown -R "$(id -u):$(id -g)" "$ROOT/hadoop" "$ROOT/tachyon"
fi

mkdir -p "$ROOT/tachyon/conf" "$ROOT/hadoop/etc/hadoop"
install -m 644 "$STAGE/tachyon-env.sh" "$ROOT/tachyon/conf/tachyon-env.sh"
install -m 644 "$STAGE/workers" "$ROOT/tachyon/conf/workers"
install -m 644 "$STAGE/core-site.xml" "$ROOT/hadoop/etc/hadoop/core-site.xml"
install -m 644 "$STAGE/hdfs-site.xml" "$ROOT/hadoop/etc/hadoop/hdfs-site.xml"
install -m 644 "$STAGE/workers" "$ROOT/hadoop/etc/hadoop/slaves"
echo "configure: $NODE_NAME has Hadoop $HADOOP_VERSION and Tachyon $TACHYON_VERSION configuration"
