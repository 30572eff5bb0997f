import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYPlan

/// Reads during apply and modules: a module call that refers to a data source read during apply
/// makes every resource of its instances (nested modules' too) wait for the read.
@Suite(.timeLimit(.minutes(5)))
struct DeferredReadPlanTests {
    @Test func everyResourceOfAModuleWhoseCallRefersToADeferredReadWaitsForIt() throws {
        let directory = NSTemporaryDirectory() + "tfy-deferred-read-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: planFixtures + "/plan-configs/modules/modules", toPath: directory + "/modules")
        let main = try String(contentsOfFile: planFixtures + "/plan-configs/modules/main.yml", encoding: .utf8)
        let changed = main
            .replacingOccurrences(of: "    instance_type: t2.micro\n    security_group: \"${aws_security_group.cluster.id}\"",
                                  with: "    instance_type: t2.micro\n    security_group: \"${data.aws_security_group.cluster.id}\"")
            + "data:\n  aws_security_group:\n    cluster: {id: \"${aws_security_group.cluster.id}\"}\n"
        // The workers' call refers to the read; the master's does not.
        #expect(changed.components(separatedBy: "${data.aws_security_group.cluster.id}").count == 2)
        try changed.write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        let (loaded, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: directory)
        let configuration = try #require(loaded, "\(loadDiagnostics)")
        let (planned, diagnostics) = plan(configuration)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let read = try #require(planned?.dataReads.first)
        #expect(read.dependencies == ["aws_security_group.cluster"])
        #expect(read.dependents == [
            "module.workers[0].aws_instance.node", "module.workers[0].module.firewall.aws_security_group.own",
            "module.workers[1].aws_instance.node", "module.workers[1].module.firewall.aws_security_group.own",
        ])
        let graph = ApplyGraph(try #require(planned))
        let node = ApplyGraph.Node(read.address, .read)
        #expect(graph.dependencies(of: node) == [ApplyGraph.Node(ResourceAddress(type: "aws_security_group", name: "cluster"), .apply)])
        let worker = ApplyGraph.Node(try #require(ResourceAddress(parsing: "module.workers[1].aws_instance.node")), .apply)
        #expect(graph.dependencies(of: worker).contains(node))
        let master = ApplyGraph.Node(try #require(ResourceAddress(parsing: "module.master.aws_instance.node")), .apply)
        #expect(!graph.dependencies(of: master).contains(node))
    }
}
