#!/bin/bash
echo "$NODE_NAME: zkServer.sh $*" >> "$STUB_LOG"
case "$1" in
    status) [ -e "$STUB_RUNNING/$NODE_NAME.zookeeper" ] ;;
    start) touch "$STUB_RUNNING/$NODE_NAME.zookeeper" ;;
esac
