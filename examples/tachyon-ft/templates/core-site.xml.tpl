<?xml version="1.0"?>
<!-- Written by tfy from examples/tachyon-ft/templates/core-site.xml.tpl. -->
<configuration>
  <property><name>fs.defaultFS</name><value>${local.underfs_address}</value></property>
  <property><name>fs.tachyon.impl</name><value>tachyon.hadoop.TFS</value></property>
  <property><name>fs.tachyon-ft.impl</name><value>tachyon.hadoop.TFSFT</value></property>
  <property><name>hadoop.tmp.dir</name><value>${local.data_dir}/hadoop-tmp</value></property>
${local.ufs_type == "s3" ? "  <property><name>fs.s3n.awsAccessKeyId</name><value>${var.s3_access_key_id}</value></property>\n  <property><name>fs.s3n.awsSecretAccessKey</name><value>${var.s3_secret_access_key}</value></property>\n" : ""}</configuration>
