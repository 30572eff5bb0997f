${join("\n", [for name in local.names : "${local.private_ips[name]} ${name}"])}
