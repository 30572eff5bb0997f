#!/bin/bash
# Phase 6, every master: point TACHYON_MASTER_ADDRESS at itself; the first master formats the
# journal the first time only (the old tool let every master format it at once); start the master.
#
# From tfy: ROOT, INSTALL_SOFTWARE, NODE_NAME, MASTER_INDEX, DATA_DIR.
set -eu
: "${ROOT?}" "${INSTALL_SOFTWARE?}" "${NODE_NAME?}" "${MASTER_INDEX?}" "${DATA_DIR?}"

env_file="$ROOT/tachyon/conf/tachyon-env.sh"
sed -i "s/^export TACHYON_MASTER_ADDRESS=.*/export TACHYON_MASTER_ADDRESS=$NODE_NAME/" "$env_file"
marker="$ROOT$DATA_DIR/tachyon-journal-formatted"
if [ "$MASTER_INDEX" = 0 ] && [ ! -f "$marker" ]; then
    if [ "$INSTALL_SOFTWARE" = true ]; then
        "$ROOT/tachyon/bin/tachyon" format
    fi
    mkdir -p "$(dirname "$marker")"
    date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"
    echo "master: journal formatted"
fi
if [ "$INSTALL_SOFTWARE" = true ]; then
    pgrep -f tachyon.master.TachyonMaster > /dev/null || "$ROOT/tachyon/bin/tachyon-start.sh" master
fi
echo "master: $NODE_NAME is a Tachyon master"
