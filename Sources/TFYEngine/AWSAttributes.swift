/// The engine: what tfy does to real objects. Reads them (refresh), creates, updates and deletes
/// them through the EC2 client, waits for them, and walks a plan's changes in dependency order
/// with bounded parallelism, persisting state after every operation.
import TFYAWS
import TFYCore

/// Conversions between EC2's shapes and the attribute objects of state and plans.
enum AWSAttributes {
    static let reservedTagPrefix = "tfy:"

    /// User tags only: tfy's own `tfy:*` tags are not part of the `tags` attribute.
    static func userTags(_ tags: [String: String]) -> Value {
        let user = tags.filter { !$0.key.hasPrefix(reservedTagPrefix) }
        return user.isEmpty ? .null : .map(user.mapValues { .string($0) })
    }

    static func stringMap(_ value: Value?) -> [String: String] {
        (value?.mapValue ?? [:]).compactMapValues { $0.stringValue ?? $0.numberValue.map(Value.format(number:)) }
    }

    static func strings(_ value: Value?) -> [String] {
        (value?.listValue ?? []).compactMap(\.stringValue)
    }

    // MARK: Security group rules

    /// One (protocol, ports, source) of a rule: rules compare as sets of these, since EC2 merges
    /// the sources of rules with the same protocol and ports into one permission.
    struct RuleTuple: Hashable, Comparable {
        var ipProtocol: String
        var fromPort: Int
        var toPort: Int
        var kind: Int  // 0 cidr, 1 ipv6, 2 group
        var source: String
        var description: String?

        static func < (a: RuleTuple, b: RuleTuple) -> Bool {
            (a.ipProtocol, a.fromPort, a.toPort, a.kind, a.source) < (b.ipProtocol, b.fromPort, b.toPort, b.kind, b.source)
        }
    }

    static func canonicalProtocol(_ text: String) -> String {
        switch text.lowercased() {
        case "6": return "tcp"
        case "17": return "udp"
        case "1": return "icmp"
        case "all", "-1": return "-1"
        default: return text.lowercased()
        }
    }

    /// The tuples of configured rules; `selfGroup` stands in for `self: true`.
    static func tuples(ofRules rules: Value?, selfGroup: String?) -> Set<RuleTuple> {
        var result = Set<RuleTuple>()
        for rule in rules?.listValue ?? [] {
            let r = rule.mapValue ?? [:]
            let proto = canonicalProtocol(r["protocol"]?.stringValue ?? "-1")
            let all = proto == "-1"
            let from = all ? 0 : Int(r["from_port"]?.numberValue ?? 0)
            let to = all ? 0 : Int(r["to_port"]?.numberValue ?? 0)
            let description = r["description"]?.stringValue
            for cidr in strings(r["cidr_blocks"]) { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 0, source: cidr, description: description)) }
            for cidr in strings(r["ipv6_cidr_blocks"]) { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 1, source: cidr, description: description)) }
            for group in strings(r["security_groups"]) { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 2, source: group, description: description)) }
            if r["self"]?.boolValue == true, let selfGroup {
                result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 2, source: selfGroup, description: description))
            }
        }
        return result
    }

    static func tuples(ofPermissions permissions: [EC2IpPermission]) -> Set<RuleTuple> {
        var result = Set<RuleTuple>()
        for p in permissions {
            let proto = canonicalProtocol(p.ipProtocol)
            let all = proto == "-1"
            let from = all ? 0 : (p.fromPort ?? 0), to = all ? 0 : (p.toPort ?? 0)
            for cidr in p.cidrBlocks { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 0, source: cidr, description: p.description)) }
            for cidr in p.ipv6CidrBlocks { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 1, source: cidr, description: p.description)) }
            for group in p.groupIds { result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: 2, source: group, description: p.description)) }
        }
        return result
    }

    static func sameRules(_ a: Set<RuleTuple>, _ b: Set<RuleTuple>) -> Bool {
        func key(_ t: RuleTuple) -> RuleTuple { var k = t; k.description = nil; return k }
        return Set(a.map(key)) == Set(b.map(key))
    }

    static func permissions(_ tuples: Set<RuleTuple>) -> [EC2IpPermission] {
        tuples.sorted().map { t in
            EC2IpPermission(ipProtocol: t.ipProtocol, fromPort: t.ipProtocol == "-1" ? nil : t.fromPort, toPort: t.ipProtocol == "-1" ? nil : t.toPort,
                            cidrBlocks: t.kind == 0 ? [t.source] : [], ipv6CidrBlocks: t.kind == 1 ? [t.source] : [],
                            groupIds: t.kind == 2 ? [t.source] : [], description: t.description)
        }
    }

    /// Rules as the attribute objects the schema describes, one per (protocol, ports).
    static func rules(_ permissions: [EC2IpPermission]) -> Value {
        let ordered = permissions.sorted { ($0.ipProtocol, $0.fromPort ?? 0, $0.toPort ?? 0) < ($1.ipProtocol, $1.fromPort ?? 0, $1.toPort ?? 0) }
        return .list(ordered.map { p in
            let proto = canonicalProtocol(p.ipProtocol)
            func list(_ items: [String]) -> Value { items.isEmpty ? .null : .list(items.sorted().map { .string($0) }) }
            return .map([
                "protocol": .string(proto),
                "from_port": .number(Double(proto == "-1" ? 0 : (p.fromPort ?? 0))),
                "to_port": .number(Double(proto == "-1" ? 0 : (p.toPort ?? 0))),
                "cidr_blocks": list(p.cidrBlocks), "ipv6_cidr_blocks": list(p.ipv6CidrBlocks), "security_groups": list(p.groupIds),
                "self": .null, "description": p.description.map { .string($0) } ?? .null,
            ])
        })
    }

    // MARK: Instances

    /// The attributes EC2 reports for an instance, laid over `base` (what tfy knows otherwise:
    /// user data, block devices, market options, settings only the configuration holds).
    static func instanceAttributes(_ instance: EC2Instance, region: String, base: [String: Value]) -> [String: Value] {
        var a = base
        a["id"] = .string(instance.instanceId)
        a["arn"] = .string("arn:aws:ec2:\(region):\(instance.ownerId ?? "000000000000"):instance/\(instance.instanceId)")
        a["ami"] = .string(instance.imageId)
        a["instance_type"] = .string(instance.instanceType)
        a["instance_state"] = .string(instance.state)
        a["availability_zone"] = instance.availabilityZone.map { .string($0) } ?? .null
        a["subnet_id"] = instance.subnetId.map { .string($0) } ?? .null
        a["key_name"] = instance.keyName.map { .string($0) } ?? .null
        a["private_ip"] = instance.privateIpAddress.map { .string($0) } ?? .null
        a["public_ip"] = instance.publicIpAddress.map { .string($0) } ?? .null
        a["private_dns"] = instance.privateDnsName.map { .string($0) } ?? .null
        a["public_dns"] = instance.publicDnsName.map { .string($0) } ?? .null
        a["associate_public_ip_address"] = .bool(instance.publicIpAddress != nil)
        a["vpc_security_group_ids"] = .list(instance.securityGroupIds.sorted().map { .string($0) })
        a["tags"] = userTags(instance.tags)
        if a["root_block_device"] == nil || a["root_block_device"]!.isUnknown || a["root_block_device"]!.isNull {
            a["root_block_device"] = .map(["volume_size": .number(8), "volume_type": .string("gp2"), "delete_on_termination": .bool(true),
                                           "encrypted": .bool(false), "iops": .number(100)])
        }
        for key in a.keys where a[key]!.isUnknown { a[key] = .null }
        // An adopted instance has no configuration behind it: settable attributes take their defaults.
        for (name, attribute) in Schemas.instance.body.attributes where a[name] == nil {
            a[name] = attribute.defaultValue ?? .null
        }
        return a
    }

    static func securityGroupAttributes(_ group: EC2SecurityGroup, region: String, prior: [String: Value]) -> [String: Value] {
        var a = prior
        a["id"] = .string(group.groupId)
        a["arn"] = .string("arn:aws:ec2:\(region):\(group.ownerId ?? "000000000000"):security-group/\(group.groupId)")
        a["owner_id"] = group.ownerId.map { .string($0) } ?? .null
        a["name"] = .string(group.groupName)
        a["description"] = .string(group.description)
        a["vpc_id"] = group.vpcId.map { .string($0) } ?? .null
        a["tags"] = userTags(group.tags)
        // Keep the prior representation of rules when they mean the same, so state diffs stay quiet.
        for (name, actual) in [("ingress", group.ingress), ("egress", group.egress)] {
            let same = prior[name].map { sameRules(tuples(ofRules: $0, selfGroup: group.groupId), tuples(ofPermissions: actual)) } ?? false
            a[name] = same ? prior[name]! : rules(actual)
        }
        for key in a.keys where a[key]!.isUnknown { a[key] = .null }
        return a
    }
}
