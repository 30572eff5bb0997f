#!/bin/bash
echo "$NODE_NAME: start-dfs.sh $*" >> "$STUB_LOG"
touch "$STUB_RUNNING/$NODE_NAME.org.apache.hadoop.hdfs.server.namenode.NameNode"
