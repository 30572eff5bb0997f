import TFYConfig
import TFYCore

/// `-target`: keep only the changes to the targeted resources and what they depend on (or, when
/// destroying, what depends on them).
public enum Targeting {
    static let warning = Diagnostic.warning(
        "Resource targeting is in effect",
        detail: "You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when tfy specifically suggests to use it as part of an error message.")

    /// What apply says when it applied a targeted plan, in Terraform's words.
    public static let appliedWarning = Diagnostic.warning(
        "Applied changes may be incomplete",
        detail: "The plan was created with the -target option in effect, so some changes requested in the configuration may have been ignored and the output values may not be fully updated. Run the following command to verify that no other changes are pending:\n    tfy plan\n\nNote that the -target option is not suitable for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when tfy specifically suggests to use it as part of an error message.")

    static func filter(_ changes: [PlannedChange], targets: [String], destroy: Bool, configuration: EvaluatedConfiguration, diagnostics: inout Diagnostics) -> [PlannedChange] {
        var graph = DependencyGraph<String>()
        for resource in configuration.resources {
            graph.add(resource.address)
            for dependency in resource.dependencies { graph.add(resource.address, dependsOn: dependency) }
        }
        for change in changes {
            graph.add(change.address.resource)
            for dependency in change.dependencies { graph.add(change.address.resource, dependsOn: dependency) }
        }
        let instances = Set(changes.map(\.address.description))
        let walk = destroy ? graph.reversed : graph
        var resources = Set<String>()
        var exactInstances = Set<String>()
        for target in targets {
            if graph.nodes.contains(target) {
                resources.insert(target)
                resources.formUnion(walk.transitiveDependencies(of: target))
            } else if let module = ModuleStep.parsePath(target), case let inside = graph.nodes.filter({ Self.isInside($0, module) }), !inside.isEmpty {
                // A module (`module.workers`, every instance; `module.workers[0]`, one): everything in it.
                for node in inside {
                    resources.insert(node)
                    resources.formUnion(walk.transitiveDependencies(of: node))
                }
            } else if instances.contains(target) {
                exactInstances.insert(target)
                if let address = ResourceAddress(parsing: target) { resources.formUnion(walk.transitiveDependencies(of: address.resource)) }
            } else {
                diagnostics.append(.error("Invalid -target address", detail: "There is no resource or resource instance \(Value.quoted(target)) in the configuration or the state.\(Suggestion.didYouMean(target, among: graph.nodes.union(instances)))"))
            }
        }
        return changes.filter { resources.contains($0.address.resource) || exactInstances.contains($0.address.description) }
    }

    /// True when the resource `node` (`module.workers[0].aws_instance.node`) is inside the module
    /// `path`: a step without a key stands for every instance of its call.
    static func isInside(_ node: String, _ path: [ModuleStep]) -> Bool {
        guard let address = ResourceAddress(parsing: node), address.module.count >= path.count else { return false }
        return zip(address.module, path).allSatisfy { step, wanted in step.name == wanted.name && (wanted.key == nil || step.key == wanted.key) }
    }
}
