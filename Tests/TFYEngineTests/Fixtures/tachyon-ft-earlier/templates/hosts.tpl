${join("\n", formatlist("%s %s", local.private_ips, local.names))}
