<?xml version="1.0"?>
<!-- Written by tfy from examples/tachyon-ft/templates/hdfs-site.xml.tpl. -->
<configuration>
  <property><name>dfs.replication</name><value>${min(3, var.machines)}</value></property>
  <property><name>dfs.namenode.name.dir</name><value>${local.data_dir}/dfs/name</value></property>
  <property><name>dfs.datanode.data.dir</name><value>${local.data_dir}/dfs/data</value></property>
  <property><name>dfs.namenode.http-address</name><value>TachyonMaster:50070</value></property>
</configuration>
