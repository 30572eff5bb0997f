import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Issue 17's rows for security-group rules, key-pair tags and empty tags: what tfy sends EC2,
/// parameter by parameter (the fault proxy's request log, in front of moto), what AWS then holds
/// (the AWS CLI's independent view) and what the state reads back; and that the next plan is
/// empty.
@Suite(.timeLimit(.minutes(30)))
struct SecurityGroupRulesOnTheWireTests {
    static let provider = """
        provider:
          aws: {region: us-east-1}
        """

    /// A public key moto accepts (ImportKeyPair checks its format).
    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII2pUrEGyohiGST3mGlqROiy8GBoemEclaXjLtSLfNDi"

    @Test func ruleDescriptionsReachEC2ForEverySourceKindAndAreReadBackPerSource() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        try world.configure(Self.provider + """

            resource:
              aws_security_group:
                lb: {name: lb}
                web:
                  name: web
                  ingress:
                    - {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: ["198.51.100.0/24", "10.0.0.0/8"], ipv6_cidr_blocks: ["2001:db8::/32"], description: admins}
                    - {protocol: tcp, from_port: 8080, to_port: 8080, security_groups: ["${aws_security_group.lb.id}"], description: from the balancer}
                    - {protocol: "-1", from_port: 0, to_port: 0, self: true, description: the nodes among themselves}
            """)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let web = try #require(try world.attributes("aws_security_group.web")["id"]?.stringValue)
        let lb = try #require(try world.attributes("aws_security_group.lb")["id"]?.stringValue)

        // One permission per protocol and ports; every source carries its description, a group's
        // as `Groups.N.Description` (botocore's wire name for UserIdGroupPairs, as the AWS CLI sends it).
        let authorized = try await proxyRequests(proxy).filter { $0.action == "AuthorizeSecurityGroupIngress" }.map(\.params)
        #expect(authorized == [[
            "Action": "AuthorizeSecurityGroupIngress", "Version": "2016-11-15", "GroupId": web,
            "IpPermissions.1.IpProtocol": "-1",
            "IpPermissions.1.Groups.1.GroupId": web, "IpPermissions.1.Groups.1.Description": "the nodes among themselves",
            "IpPermissions.2.IpProtocol": "tcp", "IpPermissions.2.FromPort": "22", "IpPermissions.2.ToPort": "22",
            "IpPermissions.2.IpRanges.1.CidrIp": "10.0.0.0/8", "IpPermissions.2.IpRanges.1.Description": "admins",
            "IpPermissions.2.IpRanges.2.CidrIp": "198.51.100.0/24", "IpPermissions.2.IpRanges.2.Description": "admins",
            "IpPermissions.2.Ipv6Ranges.1.CidrIpv6": "2001:db8::/32", "IpPermissions.2.Ipv6Ranges.1.Description": "admins",
            "IpPermissions.3.IpProtocol": "tcp", "IpPermissions.3.FromPort": "8080", "IpPermissions.3.ToPort": "8080",
            "IpPermissions.3.Groups.1.GroupId": lb, "IpPermissions.3.Groups.1.Description": "from the balancer",
        ]])
        #expect(try await world.ruleSources(web) == [
            "-1 - group \(web) the nodes among themselves",
            "tcp 22 ipv4 10.0.0.0/8 admins", "tcp 22 ipv4 198.51.100.0/24 admins", "tcp 22 ipv6 2001:db8::/32 admins",
            "tcp 8080 group \(lb) from the balancer",
        ])
        #expect(Set(try world.attributes("aws_security_group.web")["ingress"]?.listValue ?? []) == [
            Self.rule("-1", 0, self: true, description: "the nodes among themselves"),
            Self.rule("tcp", 22, cidrs: ["10.0.0.0/8", "198.51.100.0/24"], ipv6: ["2001:db8::/32"], description: "admins"),
            Self.rule("tcp", 8080, groups: [lb], description: "from the balancer"),
        ])
        #expect(await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"]).status == 0)

        // A description changed outside tfy on the IPv6 range alone is read back, and put right
        // by the dedicated call.
        _ = try await world.cli(["ec2", "update-security-group-rule-descriptions-ingress", "--group-id", web, "--ip-permissions",
                                 "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=2001:db8::/32,Description=changed}]"])
        let drifted = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(drifted.status == 2, "\(drifted.out)\(drifted.err)")
        #expect(drifted.out.contains("  # aws_security_group.web will be updated in-place\n"), "\(drifted.out)")
        #expect(drifted.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(drifted.out)")
        let before = try await proxyRequests(proxy).count
        let fixed = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(fixed.status == 0, "\(fixed.out)\(fixed.err)")
        #expect(try await proxyRequests(proxy).dropFirst(before).map(\.action).filter { !$0.hasPrefix("Describe") } == ["UpdateSecurityGroupRuleDescriptionsIngress"])
        #expect(try await world.ruleSources(web).contains("tcp 22 ipv6 2001:db8::/32 admins"))
        #expect(await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"]).status == 0)
    }

    @Test func onlyADescriptionChangeIsSentWithTheUpdateDescriptionCallsNotRevokeAndAuthorize() async throws {
        let world = try await World()
        try world.configure(Self.provider + """

            variable:
              note: {type: string, default: first}
            resource:
              aws_security_group:
                web:
                  name: web
                  ingress:
                    - {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: ["10.0.0.0/8"], ipv6_cidr_blocks: ["2001:db8::/32"], description: "${var.note}"}
                    - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: ["0.0.0.0/0"]}
                  egress:
                    - {protocol: tcp, from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"], description: "${var.note}"}
            """)
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        let web = try #require(try world.attributes("aws_security_group.web")["id"]?.stringValue)

        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let updated = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "note=second", "-no-color"])
        try #require(updated.status == 0, "\(updated.out)\(updated.err)")
        #expect(updated.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(updated.out)")
        let sent = try await proxyRequests(proxy).filter { !$0.action.hasPrefix("Describe") }.map(\.params)
        #expect(sent == [
            ["Action": "UpdateSecurityGroupRuleDescriptionsIngress", "Version": "2016-11-15", "GroupId": web,
             "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "22", "IpPermissions.1.ToPort": "22",
             "IpPermissions.1.IpRanges.1.CidrIp": "10.0.0.0/8", "IpPermissions.1.IpRanges.1.Description": "second",
             "IpPermissions.1.Ipv6Ranges.1.CidrIpv6": "2001:db8::/32", "IpPermissions.1.Ipv6Ranges.1.Description": "second"],
            ["Action": "UpdateSecurityGroupRuleDescriptionsEgress", "Version": "2016-11-15", "GroupId": web,
             "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "443", "IpPermissions.1.ToPort": "443",
             "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0", "IpPermissions.1.IpRanges.1.Description": "second"],
        ])
        #expect(try await world.ruleSources(web) == ["tcp 22 ipv4 10.0.0.0/8 second", "tcp 22 ipv6 2001:db8::/32 second", "tcp 80 ipv4 0.0.0.0/0 -"])
        #expect(try await world.ruleSources(web, egress: true) == ["tcp 443 ipv4 0.0.0.0/0 second"])
        let state = try world.attributes("aws_security_group.web")
        #expect(Set(state["ingress"]?.listValue ?? []) == [
            Self.rule("tcp", 22, cidrs: ["10.0.0.0/8"], ipv6: ["2001:db8::/32"], description: "second"), Self.rule("tcp", 80, cidrs: ["0.0.0.0/0"]),
        ])
        #expect(state["egress"] == .list([Self.rule("tcp", 443, cidrs: ["0.0.0.0/0"], description: "second")]))
        #expect(await world.tfy(["plan", "cluster", "-detailed-exitcode", "-var", "note=second", "-no-color"]).status == 0)
    }

    /// A group source's (and `self`'s) new description goes as `Groups.N.Description`. moto
    /// matches a group pair with its old description included, so it keeps the old text: only
    /// the request is checked here; the read-back of group descriptions is checked above.
    @Test func aGroupSourcesDescriptionChangeIsSentAsGroupsDescription() async throws {
        let world = try await World()
        try world.configure(Self.provider + """

            variable:
              note: {type: string, default: first}
            resource:
              aws_security_group:
                lb: {name: lb}
                web:
                  name: web
                  ingress:
                    - {protocol: tcp, from_port: 8080, to_port: 8080, security_groups: ["${aws_security_group.lb.id}"], self: true, description: "${var.note}"}
            """)
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        let web = try #require(try world.attributes("aws_security_group.web")["id"]?.stringValue)
        let lb = try #require(try world.attributes("aws_security_group.lb")["id"]?.stringValue)
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let updated = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "note=second", "-no-color"])
        try #require(updated.status == 0, "\(updated.out)\(updated.err)")
        let (first, second) = lb < web ? (lb, web) : (web, lb)
        #expect(try await proxyRequests(proxy).filter { !$0.action.hasPrefix("Describe") }.map(\.params) == [
            ["Action": "UpdateSecurityGroupRuleDescriptionsIngress", "Version": "2016-11-15", "GroupId": web,
             "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": "8080", "IpPermissions.1.ToPort": "8080",
             "IpPermissions.1.Groups.1.GroupId": first, "IpPermissions.1.Groups.1.Description": "second",
             "IpPermissions.1.Groups.2.GroupId": second, "IpPermissions.1.Groups.2.Description": "second"],
        ])
    }

    @Test func rulesAndCIDRsInAnotherOrderPlanNoChange() async throws {
        let world = try await World()
        func configure(reversed: Bool) throws {
            let cidrs = reversed ? #"["10.0.0.0/8", "198.51.100.0/24"]"# : #"["198.51.100.0/24", "10.0.0.0/8"]"#
            let rules = ["- {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: \(cidrs), description: ssh}",
                         "- {protocol: udp, from_port: 53, to_port: 53, cidr_blocks: [\"10.0.0.0/8\"]}"]
            try world.configure(Self.provider + """

                resource:
                  aws_security_group:
                    web:
                      name: web
                      ingress:
                        \((reversed ? rules.reversed() : rules).joined(separator: "\n        "))
                """)
        }
        try configure(reversed: false)
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")

        try configure(reversed: true)
        let plan = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("No changes. Your infrastructure matches the configuration."), "\(plan.out)")
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(try await proxyRequests(proxy).map(\.action).filter { !$0.hasPrefix("Describe") } == [])
    }

    @Test func keyPairTagChangesAreSentWithCreateTagsAndDeleteTagsOnTheKeyPairID() async throws {
        let world = try await World()
        func configure(_ tags: String) throws {
            try world.configure(Self.provider + """

                resource:
                  aws_key_pair:
                    deployer: {key_name: deployer, public_key: "\(Self.publicKey)", tags: \(tags)}
                """)
        }
        try configure("{Team: a, Old: x}")
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        let id = try #require(try world.attributes("aws_key_pair.deployer")["key_pair_id"]?.stringValue)

        try configure("{Team: b, New: y}")
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let updated = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(updated.status == 0, "\(updated.out)\(updated.err)")
        #expect(updated.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(updated.out)")
        #expect(try await proxyRequests(proxy).filter { !$0.action.hasPrefix("Describe") }.map(\.params) == [
            ["Action": "DeleteTags", "Version": "2016-11-15", "ResourceId.1": id, "Tag.1.Key": "Old"],
            ["Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": id, "Tag.1.Key": "New", "Tag.1.Value": "y", "Tag.2.Key": "Team", "Tag.2.Value": "b"],
        ])
        let pair = try #require((try await world.cli(["ec2", "describe-key-pairs", "--key-pair-ids", id])["KeyPairs"] as? [[String: Any]])?.first)
        #expect((pair["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
                == ["New": "y", "Team": "b", "tfy:stack": world.stack, "tfy:address": "aws_key_pair.deployer"])
        #expect(try world.attributes("aws_key_pair.deployer")["tags"] == .map(["New": .string("y"), "Team": .string("b")]))
        let before = try await proxyRequests(proxy).count
        let unchanged = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(unchanged.status == 0, "\(unchanged.out)\(unchanged.err)")
        // Refresh reads the key pairs with one call, by the stack's tag.
        let refreshed = try await proxyRequests(proxy).dropFirst(before)
        #expect(refreshed.map(\.params) == [["Action": "DescribeKeyPairs", "Version": "2016-11-15", "Filter.1.Name": "tag:tfy:stack", "Filter.1.Value.1": world.stack]])

        // Refresh reads the key pair's tags: one changed outside tfy is put back.
        _ = try await world.cli(["ec2", "create-tags", "--resources", id, "--tags", "Key=Team,Value=c"])
        let drifted = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(drifted.status == 2, "\(drifted.out)\(drifted.err)")
        #expect(drifted.out.contains("  # aws_key_pair.deployer will be updated in-place\n"), "\(drifted.out)")
        #expect(drifted.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(drifted.out)")
    }

    @Test func emptyTagsAndNoTagsPlanNoChangeForEveryResourceType() async throws {
        let world = try await World()
        func configure(_ tags: String) throws {
            try world.configure(Self.provider + """

                resource:
                  aws_security_group:
                    web: {name: web\(tags)}
                  aws_key_pair:
                    deployer: {key_name: deployer, public_key: "\(Self.publicKey)"\(tags)}
                  aws_instance:
                    box: {ami: ami-1ecae776, instance_type: t2.micro\(tags)}
                """)
        }
        try configure(", tags: {}")
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let plan = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("No changes. Your infrastructure matches the configuration."), "\(plan.out)")
        let again = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(again.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(again.out)")
        // No tags at all mean the same as an empty map, in both directions.
        try configure("")
        #expect(await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"]).status == 0)
        #expect(try await proxyRequests(proxy).map(\.action).filter { !$0.hasPrefix("Describe") } == [])
    }

    /// A rule object as the state records it.
    static func rule(_ proto: String, _ port: Int, cidrs: [String] = [], ipv6: [String] = [], groups: [String] = [], self isSelf: Bool = false,
                     description: String? = nil) -> Value {
        func list(_ items: [String]) -> Value { items.isEmpty ? .null : .list(items.map { .string($0) }) }
        return .map([
            "protocol": .string(proto), "from_port": .number(Double(port)), "to_port": .number(Double(port)),
            "cidr_blocks": list(cidrs), "ipv6_cidr_blocks": list(ipv6), "security_groups": list(groups),
            "self": isSelf ? .bool(true) : .null, "description": description.map { .string($0) } ?? .null,
        ])
    }
}

extension World {
    /// The state's attributes of the object at `address`.
    func attributes(_ address: String) throws -> [String: Value] {
        let parsed = try #require(ResourceAddress(parsing: address))
        return try #require(try state().instance(parsed)).attributes
    }

    /// A group's rules as the AWS CLI describes them, one line per source, sorted:
    /// "PROTOCOL FROM-PORT KIND SOURCE DESCRIPTION" ("-" for none).
    func ruleSources(_ groupId: String, egress: Bool = false) async throws -> [String] {
        let json = try await cli(["ec2", "describe-security-groups", "--group-ids", groupId])
        let group = try #require((json["SecurityGroups"] as? [[String: Any]])?.first)
        var lines: [String] = []
        for permission in group[egress ? "IpPermissionsEgress" : "IpPermissions"] as? [[String: Any]] ?? [] {
            let head = "\(permission["IpProtocol"] as? String ?? "?") \((permission["FromPort"] as? Int).map(String.init) ?? "-")"
            for (kind, list, key) in [("ipv4", "IpRanges", "CidrIp"), ("ipv6", "Ipv6Ranges", "CidrIpv6"), ("group", "UserIdGroupPairs", "GroupId")] {
                for source in permission[list] as? [[String: Any]] ?? [] {
                    lines.append("\(head) \(kind) \(source[key] as? String ?? "?") \(source["Description"] as? String ?? "-")")
                }
            }
        }
        return lines.sorted()
    }
}
