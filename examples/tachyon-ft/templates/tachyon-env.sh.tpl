#!/usr/bin/env bash
# Written by tfy from examples/tachyon-ft/templates/tachyon-env.sh.tpl: change it there and apply.
export JAVA="$${JAVA_HOME:-/usr/lib/jvm/java}/bin/java"
export TACHYON_MASTER_ADDRESS=TachyonMaster
export TACHYON_UNDERFS_ADDRESS=${local.underfs_address}
export TACHYON_WORKER_MEMORY_SIZE=${var.WorkerMemory}
export TACHYON_UNDERFS_HDFS_IMPL=org.apache.hadoop.hdfs.DistributedFileSystem
export TACHYON_RAM_FOLDER=/mnt/ramdisk
export TACHYON_JAVA_OPTS="-Dtachyon.master.hostname=$TACHYON_MASTER_ADDRESS -Dtachyon.underfs.address=$TACHYON_UNDERFS_ADDRESS -Dtachyon.worker.memory.size=$TACHYON_WORKER_MEMORY_SIZE -Dtachyon.underfs.hdfs.impl=$TACHYON_UNDERFS_HDFS_IMPL${local.fault_tolerant_options}${local.s3_options}"
