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
}
