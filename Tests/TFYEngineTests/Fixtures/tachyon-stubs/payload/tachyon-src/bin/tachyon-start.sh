#!/bin/bash
echo "$NODE_NAME: tachyon-start.sh $*" >> "$STUB_LOG"
case "$1" in
    master) touch "$STUB_RUNNING/$NODE_NAME.tachyon.master.TachyonMaster" ;;
    worker) touch "$STUB_RUNNING/$NODE_NAME.tachyon.worker.TachyonWorker" ;;
esac
