import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// A module applied for real against moto: its instances are launched tagged with their module
/// addresses, recorded in state with Terraform's `module` field, found again by refresh, and
/// reachable by `-target`, `state list` and `tfy ssh` through those addresses.
@Suite(.timeLimit(.minutes(30)))
struct ModuleApplyTests {
    static let node = """
        variable:
          role: {type: string}
        resource:
          aws_instance:
            node:
              ami: ami-1ecae776
              instance_type: t2.small
              tags: {Name: "my-${var.role}"}
        output:
          name: {value: "my-${var.role}"}
          id: {value: "${aws_instance.node.id}"}
        """

    @Test func aModuleWithCountIsLaunchedTaggedWithItsAddressesAndRecordedWithItsModule() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            module:
              workers: {source: ./modules/node, count: 2, role: "w${count.index}"}
            output:
              names: {value: "${module.workers[*].name}"}
            """)
        try FileManager.default.createDirectory(atPath: world.directory + "/cluster/modules/node", withIntermediateDirectories: true)
        try Self.node.write(toFile: world.directory + "/cluster/modules/node/main.yml", atomically: true, encoding: .utf8)

        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(applied.out.contains("names = [\n  \"my-w0\",\n  \"my-w1\",\n]"), "\(applied.out)")

        // The tags each RunInstances sent: the Name from the module, tfy's address with the module path.
        let launches = try await proxyRequests(proxy).filter { $0.action == "RunInstances" }
        let tags = launches.map { launch in
            var tags: [String: String] = [:]
            for (key, name) in launch.params where key.hasPrefix("TagSpecification.1.Tag.") && key.hasSuffix(".Key") {
                tags[name] = launch.params[String(key.dropLast(4)) + ".Value"]
            }
            return tags
        }.sorted { ($0["Name"] ?? "") < ($1["Name"] ?? "") }
        #expect(tags == [
            ["Name": "my-w0", "tfy:stack": world.stack, "tfy:address": "module.workers[0].aws_instance.node"],
            ["Name": "my-w1", "tfy:stack": world.stack, "tfy:address": "module.workers[1].aws_instance.node"],
        ])

        // The state: Terraform's `module` field on each resource, and the IDs the CLI sees.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: world.statePath))) as? [String: Any])
        let resources = try #require(json["resources"] as? [[String: Any]])
        #expect(resources.map { "\($0["module"] as? String ?? "-") \($0["type"] as? String ?? "") \($0["name"] as? String ?? "")" } == [
            "module.workers[0] aws_instance node", "module.workers[1] aws_instance node",
        ])
        let recorded = try world.stateInstances()
        let live = try await world.liveInstances()
        #expect(live.map(\.name) == ["my-w0", "my-w1"])
        #expect(recorded == [
            "module.workers[0].aws_instance.node": live[0].id,
            "module.workers[1].aws_instance.node": live[1].id,
        ])

        // Refresh finds them at their module addresses: nothing to do, in one call.
        let again = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("No changes."), "\(again.out)")
        #expect(again.out.split(separator: "\n").last { $0.hasPrefix("API calls:") } == "API calls: DescribeInstances 1", "\(again.out)")

        let listed = await world.tfy(["state", "list", "-state", world.statePath, "module.workers"])
        #expect(listed.out == "module.workers[0].aws_instance.node\nmodule.workers[1].aws_instance.node\n", "\(listed.err)")
        let one = await world.tfy(["state", "list", "-state", world.statePath, "module.workers[1]"])
        #expect(one.out == "module.workers[1].aws_instance.node\n", "\(one.err)")

        // tfy ssh knows the instances by their module addresses.
        let ssh = await world.tfy(["ssh", "-state", world.statePath, "module.workers[2].aws_instance.node", "-no-color"])
        #expect(ssh.status == 1)
        #expect(ssh.err.contains("  my-w0 (module.workers[0].aws_instance.node)\n  my-w1 (module.workers[1].aws_instance.node)"), "\(ssh.err)")

        // -target a module instance: only its objects go.
        let destroyed = await world.tfy(["destroy", "cluster", "-auto-approve", "-no-color", "-target", "module.workers[1]"])
        #expect(destroyed.status == 0, "\(destroyed.out)\(destroyed.err)")
        #expect(destroyed.out.contains("Destroy complete! Resources: 1 destroyed."), "\(destroyed.out)")
        #expect(try await world.liveInstances().map(\.id) == [live[0].id])
        #expect(try world.stateInstances() == ["module.workers[0].aws_instance.node": live[0].id])
    }

    /// A module call with `for_each`: each instance launched tagged with its string-keyed module
    /// address, in state as Terraform records it, reachable by `state list`, `tfy ssh` and
    /// `-target`; removing a key terminates exactly that instance's objects.
    @Test func aModuleWithForEachIsKeyedByStringAndARemovedKeyTerminatesExactlyItsInstance() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
              roles: {type: "set(string)", default: [a, b]}
            provider:
              aws: {region: us-east-1}
            module:
              workers: {source: ./modules/node, for_each: "${var.roles}", role: "${each.key}"}
            output:
              names: {value: "${{for k, m in module.workers : k => m.name}}"}
            """)
        try FileManager.default.createDirectory(atPath: world.directory + "/cluster/modules/node", withIntermediateDirectories: true)
        try Self.node.write(toFile: world.directory + "/cluster/modules/node/main.yml", atomically: true, encoding: .utf8)
        let proxy = try await InstanceWireTests.proxied(world)

        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(applied.out.contains("names = {\"a\" = \"my-a\", \"b\" = \"my-b\"}"), "\(applied.out)")
        #expect(ForEachApplyTests.launchedTags(try await proxyRequests(proxy)) == [
            ["Name": "my-a", "tfy:stack": world.stack, "tfy:address": #"module.workers["a"].aws_instance.node"#],
            ["Name": "my-b", "tfy:stack": world.stack, "tfy:address": #"module.workers["b"].aws_instance.node"#],
        ])
        // The state: Terraform's `module` field with the key quoted.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: world.statePath))) as? [String: Any])
        let resources = try #require(json["resources"] as? [[String: Any]])
        #expect(resources.map { "\($0["module"] as? String ?? "-") \($0["type"] as? String ?? "") \($0["name"] as? String ?? "")" } == [
            #"module.workers["a"] aws_instance node"#, #"module.workers["b"] aws_instance node"#,
        ])
        let ids = try world.stateInstances()
        let a = try #require(ids[#"module.workers["a"].aws_instance.node"#]), b = try #require(ids[#"module.workers["b"].aws_instance.node"#])
        #expect(ids.count == 2)

        let listed = await world.tfy(["state", "list", "-state", world.statePath, "module.workers"])
        #expect(listed.out == "module.workers[\"a\"].aws_instance.node\nmodule.workers[\"b\"].aws_instance.node\n", "\(listed.err)")
        let one = await world.tfy(["state", "list", "-state", world.statePath, #"module.workers["b"]"#])
        #expect(one.out == "module.workers[\"b\"].aws_instance.node\n", "\(one.err)")
        let ssh = await world.tfy(["ssh", "-state", world.statePath, #"module.workers["z"].aws_instance.node"#, "-no-color"])
        #expect(ssh.status == 1)
        #expect(ssh.err.contains("  my-a (module.workers[\"a\"].aws_instance.node)\n  my-b (module.workers[\"b\"].aws_instance.node)"), "\(ssh.err)")

        // A targeted plan of one instance names only its objects.
        let targeted = await world.tfy(["plan", "cluster", "-no-color", "-var", "roles=[a]", "-target", #"module.workers["a"]"#])
        #expect(targeted.status == 0, "\(targeted.err)")
        #expect(targeted.out.contains("No changes."), "\(targeted.out)")

        let plan = await world.tfy(["plan", "cluster", "-no-color", "-var", "roles=[a]"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("  # module.workers[\"b\"].aws_instance.node will be destroyed\n  # (because module.workers[\"b\"] is not in configuration)\n"), "\(plan.out)")
        #expect(plan.out.contains("Plan: 0 to add, 0 to change, 1 to destroy."), "\(plan.out)")

        let before = try await proxyRequests(proxy).count
        let removed = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color", "-var", "roles=[a]"])
        #expect(removed.status == 0, "\(removed.out)\(removed.err)")
        #expect(removed.out.contains("Apply complete! Resources: 0 added, 0 changed, 1 destroyed."), "\(removed.out)")
        let changing = Array(try await proxyRequests(proxy).dropFirst(before)).filter { !$0.action.hasPrefix("Describe") }
        #expect(changing.map(\.action) == ["TerminateInstances"])
        #expect(changing.first?.params.filter { $0.key.hasPrefix("InstanceId.") } == ["InstanceId.1": b])
        #expect(try world.stateInstances() == [#"module.workers["a"].aws_instance.node"#: a])
        #expect(try await world.liveInstances().map(\.id) == [a])
        let tags = (try await world.instance(a)["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
        #expect(tags == ["Name": "my-a", "tfy:stack": world.stack, "tfy:address": #"module.workers["a"].aws_instance.node"#])

        // -target the call without a key: every instance of it.
        let destroyed = await world.tfy(["destroy", "cluster", "-auto-approve", "-no-color", "-var", "roles=[a]", "-target", "module.workers"])
        #expect(destroyed.status == 0, "\(destroyed.out)\(destroyed.err)")
        #expect(destroyed.out.contains("Destroy complete! Resources: 1 destroyed."), "\(destroyed.out)")
        #expect(try await world.liveInstances().isEmpty)
    }
}
