<?xml version="1.0"?>
<!-- Written by tfy from examples/tachyon-ft/templates/core-site.xml.tpl. -->
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://TachyonMaster:9000</value></property>
  <property><name>fs.tachyon.impl</name><value>tachyon.hadoop.TFS</value></property>
  <property><name>fs.tachyon-ft.impl</name><value>tachyon.hadoop.TFSFT</value></property>
  <property><name>hadoop.tmp.dir</name><value>${local.data_dir}/hadoop-tmp</value></property>
</configuration>
