import Foundation
import TFYAWS
import TFYCore

/// `aws_security_group`: name, description and VPC force replacement; rules and tags update in
/// place (Authorize/Revoke, UpdateSecurityGroupRuleDescriptionsIngress/Egress for a rule whose
/// description alone changed, CreateTags/DeleteTags). Behaviour as the AWS provider: rules and
/// their sources are sets, wait until the group is readable, an `egress` list replaces AWS's
/// default allow-all rule, delete is retried on `DependencyViolation`.
struct SecurityGroupResource: ManagedResourceType {
    /// A rule's port on its own; `ObjectCheck.ipPermissionPorts` narrows it by the protocol
    /// (TCP and UDP 0-65535, the ICMP type and code -1 to 255, protocol -1 only 0).
    static let port = NumberRange(0...65535, special: -1, meaning: "all ports")

    static let rule = ObjectSchema([
        "protocol": Attribute(.string, .required),
        "from_port": Attribute(.number, .required, check: .wholeNumber(port)),
        "to_port": Attribute(.number, .required, check: .wholeNumber(port)),
        "cidr_blocks": Attribute(.stringList, .optional, isSet: true),
        "ipv6_cidr_blocks": Attribute(.stringList, .optional, isSet: true),
        "security_groups": Attribute(.stringList, .optional, isSet: true),
        "self": Attribute(.bool, .optional),
        "description": Attribute(.string, .optional),
    ], check: .ipPermissionPorts)

    static let schema = ResourceSchema(type: "aws_security_group", body: ObjectSchema([
        "name": Attribute(.string, .required, forcesReplacement: true),
        "description": Attribute(.string, .optional, forcesReplacement: true, default: .string("Managed by tfy")),
        "vpc_id": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "ingress": Attribute(.objectList(rule), .optional, isSet: true),
        "egress": Attribute(.objectList(rule), .optionalComputed, isSet: true),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "owner_id": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    var carriesOwnershipTags: Bool { true }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        SecurityGroupProvider(context: context)
    }
}

struct SecurityGroupProvider: ResourceProvider {
    let context: EngineContext
    var ec2: EC2Client { context.ec2 }

    func liveTags(id: String) async throws(AWSError) -> [String: String]? {
        try await ec2.describeSecurityGroups(filters: [EC2Filter("group-id", [id])]).first { $0.groupId == id }?.tags
    }

    /// One DescribeSecurityGroups by the stack's tag: the groups the state records (a group
    /// deleted outside tfy is simply absent) and the groups of this stack it does not track
    /// (`untracked`, for the planner to adopt). Only a recorded group missing from that answer
    /// costs a second call, by its ID: it may be tagged for another stack (refused, never read
    /// into this state), untagged, not visible yet (polled within the visibility grace) or gone.
    func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError) {
        guard !entries.isEmpty || result.configuredTypes.contains(SecurityGroupResource.schema.type) else { return }
        let ids = Set(entries.compactMap { $0.instance.attributes["id"]?.stringValue })
        var byId: [String: EC2SecurityGroup] = [:]
        for group in try await ec2.describeSecurityGroups(filters: [EC2Filter("tag:tfy:stack", [context.stack])]) { byId[group.groupId] = group }
        let tagged = byId
        let missing = ids.subtracting(byId.keys)
        if !missing.isEmpty {
            for group in try await ec2.describeSecurityGroups(filters: [EC2Filter("group-id", missing.sorted())]) { byId[group.groupId] = group }
        }
        var invisible: [String: Date] = [:]
        for (_, instance) in entries {
            guard let id = instance.attributes["id"]?.stringValue, byId[id] == nil, let deadline = context.visibilityDeadline(instance) else { continue }
            invisible[id] = deadline
        }
        if !invisible.isEmpty {
            let ec2 = self.ec2
            let appeared = try await context.awaitVisible(invisible) { (ids) async throws(AWSError) -> [String: EC2SecurityGroup] in
                Dictionary(try await ec2.describeSecurityGroups(filters: [EC2Filter("group-id", ids)]).map { ($0.groupId, $0) }, uniquingKeysWith: { a, _ in a })
            }
            byId.merge(appeared) { a, _ in a }
        }
        for (address, instance) in entries {
            guard let id = instance.attributes["id"]?.stringValue else { continue }
            if let found = byId[id], result.refuse(address, id: id, tags: found.tags, stack: context.stack) { continue }
            let updated = byId[id].map { AWSAttributes.securityGroupAttributes($0, region: context.region, prior: instance.attributes) }
            result.record(address, instance, updated)
        }
        for group in tagged.values.sorted(by: { $0.groupId < $1.groupId }) where !ids.contains(group.groupId) {
            guard let tag = group.tags["tfy:address"], let address = ResourceAddress(parsing: tag), address.type == SecurityGroupResource.schema.type else { continue }
            result.untracked.append(UntrackedObject(address: address, id: group.groupId,
                                                    attributes: AWSAttributes.securityGroupAttributes(group, region: context.region, prior: [:])))
        }
    }

    func defaultVPC() async throws -> String? {
        try await ec2.describeVpcs(filters: [EC2Filter("is-default", ["true"])]).first?.vpcId
    }

    func read(_ id: String) async throws -> EC2SecurityGroup? {
        // Just after creation a group may not be readable yet: retry NotFound a few times.
        for attempt in 0..<10 {
            do {
                if let group = try await ec2.describeSecurityGroups(filters: [EC2Filter("group-id", [id])]).first { return group }
            } catch {
                guard error.code == "InvalidGroup.NotFound" else { throw error }
            }
            try await Task.sleep(nanoseconds: UInt64(0.2 * Double(attempt + 1) * 1e9))
        }
        return nil
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let tags = context.tags(desired["tags"], for: address)
        // A group this stack created for this address but failed to record is adopted, not duplicated.
        var id = try await ec2.describeSecurityGroups(filters: [EC2Filter("tag:tfy:stack", [context.stack]), EC2Filter("tag:tfy:address", [address.description])]).first?.groupId
        if id == nil {
            var vpc = desired["vpc_id"]?.stringValue
            if vpc == nil { vpc = try await defaultVPC() }
            do {
                id = try await ec2.createSecurityGroup(name: desired["name"]?.stringValue ?? address.name, description: desired["description"]?.stringValue ?? "Managed by tfy",
                                                       vpcId: vpc, tags: tags)
            } catch {
                guard error.code == "InvalidGroup.Duplicate" else { throw error }
                // Ours after all: a create whose answer was lost, or one EC2 did not list by its
                // tags yet. It carries this stack's and this address's tags (they are set by the
                // create itself), so it is taken, never duplicated; anything else is refused.
                if let ours = try await ownGroup(named: desired["name"]?.stringValue ?? address.name, vpc: vpc, address: address) {
                    id = ours
                } else {
                    throw EngineError(description: "a security group named \(Value.quoted(desired["name"]?.stringValue ?? "")) already exists in this VPC and does not belong to stack \(Value.quoted(context.stack)); tfy never adopts another stack's objects. Choose another name, or bring it under this address with: tfy import \(address) GROUP_ID")
                }
            }
        }
        guard let id else { throw EngineError(description: "CreateSecurityGroup returned no group ID") }
        try await record.created(["id": .string(id)])
        guard let group = try await read(id) else { throw EngineError(description: "security group \(id) was created but cannot be read") }
        try await syncRules(group, desired: desired)
        guard let final = try await read(id) else { throw EngineError(description: "security group \(id) disappeared") }
        return AWSAttributes.securityGroupAttributes(final, region: context.region, prior: desired)
    }

    /// The group of this name in `vpc` when it is tagged for this stack and `address`; looked for
    /// by name (EC2 answered Duplicate, so it exists) until it is listed, within the create timeout.
    func ownGroup(named name: String, vpc: String?, address: ResourceAddress) async throws -> String? {
        let deadline = Date().addingTimeInterval(context.timeouts.create)
        while true {
            let filters = [EC2Filter("group-name", [name])] + (vpc.map { [EC2Filter("vpc-id", [$0])] } ?? [])
            if let group = try await ec2.describeSecurityGroups(filters: filters).first {
                return group.tags["tfy:stack"] == context.stack && group.tags["tfy:address"] == address.description ? group.groupId : nil
            }
            guard Date() < deadline else { return nil }
            try await Task.sleep(nanoseconds: UInt64(context.pollInterval * 1e9))
        }
    }

    /// Authorizes and revokes so the group's rules are exactly the configured ones, and updates
    /// the descriptions of rules that stay. An `egress` left to the provider (unknown) keeps what
    /// AWS has, the default allow-all rule included.
    func syncRules(_ group: EC2SecurityGroup, desired: [String: Value]) async throws {
        let wantedIngress = AWSAttributes.tuples(ofRules: desired["ingress"], selfGroup: group.groupId)
        let haveIngress = AWSAttributes.tuples(ofPermissions: group.ingress)
        try await apply(want: wantedIngress, have: haveIngress, groupId: group.groupId, egress: false)
        if let egress = desired["egress"], !egress.isUnknown {
            let wanted = AWSAttributes.tuples(ofRules: egress, selfGroup: group.groupId)
            try await apply(want: wanted, have: AWSAttributes.tuples(ofPermissions: group.egress), groupId: group.groupId, egress: true)
        }
    }

    /// A rule whose source stays and whose description alone changes is not revoked and
    /// authorized again (the rule would be missing in between): the description is set with
    /// UpdateSecurityGroupRuleDescriptions, which names the rule by protocol, ports and source.
    func apply(want: Set<AWSAttributes.RuleTuple>, have: Set<AWSAttributes.RuleTuple>, groupId: String, egress: Bool) async throws {
        func key(_ t: AWSAttributes.RuleTuple) -> AWSAttributes.RuleTuple { var k = t; k.description = nil; return k }
        let haveKeys = Set(have.map(key)), wantKeys = Set(want.map(key))
        let revoke = have.filter { !wantKeys.contains(key($0)) }
        let authorize = want.filter { !haveKeys.contains(key($0)) }
        let describe = want.filter { haveKeys.contains(key($0)) && !have.contains($0) }
        if !revoke.isEmpty {
            let permissions = AWSAttributes.permissions(Set(revoke))
            if egress { try await ec2.revokeSecurityGroupEgress(groupId: groupId, permissions: permissions) } else { try await ec2.revokeSecurityGroupIngress(groupId: groupId, permissions: permissions) }
        }
        if !authorize.isEmpty {
            let permissions = AWSAttributes.permissions(Set(authorize))
            if egress { try await ec2.authorizeSecurityGroupEgress(groupId: groupId, permissions: permissions) } else { try await ec2.authorizeSecurityGroupIngress(groupId: groupId, permissions: permissions) }
        }
        if !describe.isEmpty {
            let permissions = AWSAttributes.permissions(Set(describe))
            if egress {
                try await ec2.updateSecurityGroupRuleDescriptionsEgress(groupId: groupId, permissions: permissions)
            } else {
                try await ec2.updateSecurityGroupRuleDescriptionsIngress(groupId: groupId, permissions: permissions)
            }
        }
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        guard let id = prior["id"]?.stringValue, let group = try await read(id) else { throw EngineError(description: "security group \(prior["id"]?.stringValue ?? "?") no longer exists") }
        try await syncRules(group, desired: desired)
        try await syncTags(resource: id, have: group.tags, desired: desired, address: address)
        guard let final = try await read(id) else { throw EngineError(description: "security group \(id) disappeared") }
        return AWSAttributes.securityGroupAttributes(final, region: context.region, prior: desired)
    }

    func syncTags(resource: String, have: [String: String], desired: [String: Value], address: ResourceAddress) async throws {
        try await TagSync.sync(ec2: ec2, resource: resource, have: have, want: context.tags(desired["tags"], for: address))
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let id = prior["id"]?.stringValue else { return }
        let deadline = Date().addingTimeInterval(context.timeouts.delete)
        var delay = 1.0
        while true {
            do {
                try await ec2.deleteSecurityGroup(id: id)
                return
            } catch {
                if error.code == "InvalidGroup.NotFound" { return }
                guard error.code == "DependencyViolation", Date() < deadline else { throw error }
            }
            // Instances that used the group may still be terminating.
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            delay = min(delay * 2, 20)
        }
    }
}

// MARK: Attributes

extension AWSAttributes {
    // MARK: Security group rules

    /// One (protocol, ports, source) of a rule, with that source's description: rules compare as
    /// sets of these, since EC2 merges the sources of rules with the same protocol and ports into
    /// one permission and keeps a description per source.
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
            let from = all ? 0 : (int(r["from_port"]) ?? 0)
            let to = all ? 0 : (int(r["to_port"]) ?? 0)
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
            for (kind, sources) in [(0, p.ipRanges), (1, p.ipv6Ranges), (2, p.groups)] {
                for source in sources {
                    result.insert(RuleTuple(ipProtocol: proto, fromPort: from, toPort: to, kind: kind, source: source.id, description: source.description))
                }
            }
        }
        return result
    }

    /// The permissions that grant `tuples`: one per protocol and ports, as the AWS provider
    /// sends a rule, each source with its own description.
    static func permissions(_ tuples: Set<RuleTuple>) -> [EC2IpPermission] {
        var result: [EC2IpPermission] = []
        var last: (String, Int, Int)?
        for t in tuples.sorted() {
            let all = t.ipProtocol == "-1"
            if last.map({ $0 != (t.ipProtocol, t.fromPort, t.toPort) }) ?? true {
                result.append(EC2IpPermission(ipProtocol: t.ipProtocol, fromPort: all ? nil : t.fromPort, toPort: all ? nil : t.toPort))
                last = (t.ipProtocol, t.fromPort, t.toPort)
            }
            let source = EC2IpPermission.Source(t.source, description: t.description)
            switch t.kind {
            case 0: result[result.count - 1].ipRanges.append(source)
            case 1: result[result.count - 1].ipv6Ranges.append(source)
            default: result[result.count - 1].groups.append(source)
            }
        }
        return result
    }

    /// Rules as the attribute objects the schema describes, one per (protocol, ports,
    /// description), as the AWS provider reads them: `selfGroup` as a source is `self: true`.
    static func rules(_ permissions: [EC2IpPermission], selfGroup: String) -> Value {
        struct RuleKey: Hashable { var ipProtocol: String, fromPort: Int, toPort: Int, description: String? }
        let grouped = Dictionary(grouping: tuples(ofPermissions: permissions).sorted()) {
            RuleKey(ipProtocol: $0.ipProtocol, fromPort: $0.fromPort, toPort: $0.toPort, description: $0.description)
        }
        return .list(grouped.map { key, tuples in
            func list(_ kind: Int) -> Value {
                let items = tuples.filter { $0.kind == kind && !(kind == 2 && $0.source == selfGroup) }.map { Value.string($0.source) }
                return items.isEmpty ? .null : .list(items)
            }
            return .map([
                "protocol": .string(key.ipProtocol), "from_port": .number(Double(key.fromPort)), "to_port": .number(Double(key.toPort)),
                "cidr_blocks": list(0), "ipv6_cidr_blocks": list(1), "security_groups": list(2),
                "self": tuples.contains { $0.kind == 2 && $0.source == selfGroup } ? .bool(true) : .null,
                "description": key.description.map { .string($0) } ?? .null,
            ])
        })
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
        // Keep the prior representation of rules when they mean the same (every source with the
        // same description), so state diffs stay quiet; either way in the sets' canonical order.
        for (name, actual) in [("ingress", group.ingress), ("egress", group.egress)] {
            let same = prior[name].map { tuples(ofRules: $0, selfGroup: group.groupId) == tuples(ofPermissions: actual) } ?? false
            // An object with nothing known of it (adopted) records "no rules" as create does: null.
            let value = same ? prior[name]! : prior[name] == nil && actual.isEmpty ? .null : rules(actual, selfGroup: group.groupId)
            a[name] = SecurityGroupResource.schema.body.attributes[name]!.canonical(value)
        }
        for key in a.keys where a[key]!.isUnknown { a[key] = .null }
        // Whatever the configuration marked sensitive (a tag's value) stays so when read back.
        return Value.map(a).markedLike(.map(prior)).mapValue ?? a
    }
}
