#!/bin/bash
# Phase 7, every node: a Tachyon worker (its RAM disk mounted as the old tool did).
#
# From tfy: ROOT, INSTALL_SOFTWARE, NODE_NAME.
set -eu
: "${ROOT?}" "${INSTALL_SOFTWARE?}" "${NODE_NAME?}"

if [ "$INSTALL_SOFTWARE" = true ]; then
    pgrep -f tachyon.worker.TachyonWorker > /dev/null || "$ROOT/tachyon/bin/tachyon-start.sh" worker SudoMount
fi
echo "worker: $NODE_NAME is a Tachyon worker"
