# written by tfy
${join("\n", formatlist("%s %s", aws_instance.node[*].private_ip, aws_instance.node[*].tags.Name))}
