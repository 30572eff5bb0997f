import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// `for_each` against moto: instances keyed by string, their `tfy:address` tags as sent on the
/// wire (the fault proxy's request log), and a removed key terminating exactly its instance.
@Suite(.timeLimit(.minutes(30)))
struct ForEachApplyTests {
    static let configuration = """
        variable:
          stack_tag: {type: string}
          nodes: {type: "set(string)", default: [a, b]}
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            node:
              for_each: "${var.nodes}"
              ami: ami-1ecae776
              instance_type: t2.small
              tags: {Name: "node-${each.key}"}
        output:
          ids: {value: "${{for k, n in aws_instance.node : k => n.id}}"}
        """

    /// Each RunInstances' instance tags (TagSpecification 1), key → value.
    static func launchedTags(_ requests: [ProxiedRequest]) -> [[String: String]] {
        requests.filter { $0.action == "RunInstances" }.map { request in
            var tags: [String: String] = [:]
            for (name, key) in request.params where name.hasPrefix("TagSpecification.1.Tag.") && name.hasSuffix(".Key") {
                tags[key] = request.params[String(name.dropLast(4)) + ".Value"]
            }
            return tags
        }.sorted { ($0["Name"] ?? "") < ($1["Name"] ?? "") }
    }

    @Test func removingAKeyTerminatesExactlyThatInstanceAndLeavesTheOtherUntouched() async throws {
        let world = try await World()
        let proxy = try await InstanceWireTests.proxied(world)
        try world.configure(Self.configuration)

        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(created.status == 0, "\(created.err)")
        let ids = try world.stateInstances()
        #expect(ids.keys.sorted() == [#"aws_instance.node["a"]"#, #"aws_instance.node["b"]"#])
        let a = try #require(ids[#"aws_instance.node["a"]"#]), b = try #require(ids[#"aws_instance.node["b"]"#])
        let launches = try await proxyRequests(proxy)
        #expect(Self.launchedTags(launches) == [
            ["Name": "node-a", "tfy:stack": world.stack, "tfy:address": #"aws_instance.node["a"]"#],
            ["Name": "node-b", "tfy:stack": world.stack, "tfy:address": #"aws_instance.node["b"]"#],
        ])
        // The state records the key as Terraform does: `index_key` a string.
        let stateText = try String(contentsOfFile: world.statePath, encoding: .utf8)
        #expect(stateText.contains(#""index_key": "a""#))
        #expect(stateText.contains(#""index_key": "b""#))
        #expect(await world.tfy(["state", "list", "-state", world.statePath]).out == "aws_instance.node[\"a\"]\naws_instance.node[\"b\"]\n")
        // An import names a key, not an index.
        let imported = await world.tfy(["import", "aws_instance.node[0]", a, "-chdir", "cluster", "-no-color"])
        #expect(imported.status == 1)
        #expect(imported.err == "Error: Invalid address\n\naws_instance.node has for_each: import to an instance of it, such as aws_instance.node[\"KEY\"].\n\n")
        // `tfy ssh` names instances by their addresses, string keys quoted.
        let none = await world.tfy(["ssh", #"aws_instance.node["z"]"#, "-chdir", "cluster", "-no-color"])
        #expect(none.status == 1)
        #expect(none.err.contains(#"No instance named "aws_instance.node[\"z\"]""#))
        #expect(none.err.contains("  node-a (aws_instance.node[\"a\"])\n  node-b (aws_instance.node[\"b\"])"))

        let plan = await world.tfy(["plan", "cluster", "-no-color", "-var", "nodes=[a]"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("  # aws_instance.node[\"b\"] will be destroyed\n  # (because key [\"b\"] is not in for_each map)\n"))
        #expect(plan.out.contains("Plan: 0 to add, 0 to change, 1 to destroy."))
        #expect(!plan.out.contains(#"aws_instance.node["a"]"#))

        let before = try await proxyRequests(proxy).count
        let removed = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color", "-var", "nodes=[a]"])
        #expect(removed.status == 0, "\(removed.err)")
        let calls = Array(try await proxyRequests(proxy).dropFirst(before))
        let changing = calls.filter { !$0.action.hasPrefix("Describe") }
        #expect(changing.map(\.action) == ["TerminateInstances"])
        #expect(changing.first?.params.filter { $0.key.hasPrefix("InstanceId.") } == ["InstanceId.1": b])
        #expect(try world.stateInstances() == [#"aws_instance.node["a"]"#: a])
        let live = try await world.liveInstances()
        #expect(live.map(\.id) == [a])
        #expect(try await world.instance(b)["State"].flatMap { ($0 as? [String: Any])?["Name"] as? String } == "terminated")
        let tags = (try await world.instance(a)["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
        #expect(tags == ["Name": "node-a", "tfy:stack": world.stack, "tfy:address": #"aws_instance.node["a"]"#])

        // A string key moves like any address, its tag with it.
        let moved = await world.tfy(["state", "mv", #"aws_instance.node["a"]"#, #"aws_instance.node["c"]"#, "-chdir", "cluster"])
        #expect(moved.status == 0, "\(moved.err)")
        #expect(moved.out == "Move \"aws_instance.node[\\\"a\\\"]\" to \"aws_instance.node[\\\"c\\\"]\"\nSet the tfy:address tag of \(a) to the new address.\nSuccessfully moved 1 object(s).\n")
        #expect(try world.stateInstances() == [#"aws_instance.node["c"]"#: a])
        #expect(try await OwnershipTests.instances(world, [a])[a]?.tags["tfy:address"] == #"aws_instance.node["c"]"#)
    }
}
