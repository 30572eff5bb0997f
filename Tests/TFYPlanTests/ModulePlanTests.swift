import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYPlan
import TFYState

/// Planning with modules: `-target` of a module path, and destroy order across modules from the
/// dependencies a real apply recorded.
@Suite(.timeLimit(.minutes(5)))
struct ModulePlanTests {
    static let configuration = ConfigurationLoader(resourceTypes: .standard).load(directory: planFixtures + "/plan-configs/modules").0!
    static func prior() throws -> State {
        try State.decode(Array(try Data(contentsOf: URL(fileURLWithPath: planFixtures + "/plan-cases/module-scale-down/prior.tfstate")))).get()
    }

    /// `module.workers` stands for every instance of the call; what they depend on comes along.
    @Test func targetingAModuleWithoutAKeyTakesEveryInstance() throws {
        var options = PlanOptions()
        options.targets = ["module.workers"]
        let (planned, diagnostics) = plan(Self.configuration, options: options)
        #expect(diagnostics.errors.isEmpty, "\(diagnostics)")
        #expect(try #require(planned).changes.map(\.address.description) == [
            "aws_security_group.cluster",
            "module.master.aws_instance.node",
            "module.workers[0].aws_instance.node",
            "module.workers[1].aws_instance.node",
            "module.master.module.firewall.aws_security_group.own",
            "module.workers[0].module.firewall.aws_security_group.own",
            "module.workers[1].module.firewall.aws_security_group.own",
        ])
        options.targets = ["module.workers[5]"]
        let (none, errors) = plan(Self.configuration, options: options)
        #expect(none == nil)
        #expect(errors.errors.map(\.summary) == ["Invalid -target address"])
    }

    /// Destroy inverts the recorded dependencies across module boundaries: an instance goes before
    /// the security group of the module it calls, and before the root's group its call reads.
    @Test func destroyOrderCrossesModules() throws {
        var options = PlanOptions()
        options.destroy = true
        let (planned, diagnostics) = plan(Self.configuration, prior: try Self.prior(), options: options)
        #expect(diagnostics.errors.isEmpty, "\(diagnostics)")
        let graph = ApplyGraph(try #require(planned))
        func delete(_ text: String) throws -> ApplyGraph.Node { ApplyGraph.Node(try #require(ResourceAddress(parsing: text)), .delete) }
        let firewall = try delete("module.workers[1].module.firewall.aws_security_group.own")
        #expect(graph.dependencies(of: firewall).contains(try delete("module.workers[1].aws_instance.node")))
        #expect(graph.dependencies(of: try delete("aws_security_group.cluster")).isSuperset(of: [
            try delete("module.master.aws_instance.node"), try delete("module.workers[0].aws_instance.node"), firewall,
        ]))
    }
}
