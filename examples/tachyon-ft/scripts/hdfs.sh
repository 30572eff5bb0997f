#!/bin/bash
# Phase 4, TachyonMaster: format the NameNode the first time only, then start HDFS.
#
# From tfy: ROOT, INSTALL_SOFTWARE, DATA_DIR.
set -eu
: "${ROOT?}" "${INSTALL_SOFTWARE?}" "${DATA_DIR?}"

name_dir="$ROOT$DATA_DIR/dfs/name"
if [ ! -f "$name_dir/current/VERSION" ]; then
    if [ "$INSTALL_SOFTWARE" = true ]; then
        "$ROOT/hadoop/bin/hdfs" namenode -format -nonInteractive
    else
        mkdir -p "$name_dir/current"
        echo "formatted by tfy (software not installed)" > "$name_dir/current/VERSION"
    fi
    echo "hdfs: NameNode formatted"
else
    echo "hdfs: NameNode already formatted; not formatting again"
fi
if [ "$INSTALL_SOFTWARE" = true ]; then
    pgrep -f org.apache.hadoop.hdfs.server.namenode.NameNode > /dev/null || "$ROOT/hadoop/sbin/start-dfs.sh"
fi
