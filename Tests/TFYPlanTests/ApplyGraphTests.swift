import Testing
import TFYCore
import TFYPlan

/// A change to `address` (`type.name` or `type.name[i]`) that depends on the resources `on`.
func change(_ address: String, _ action: ChangeAction, on dependencies: [String] = []) -> PlannedChange {
    PlannedChange(address: ResourceAddress(parsing: address)!, action: action, before: nil, after: nil, dependencies: dependencies)
}

func apply(_ address: String) -> ApplyGraph.Node { ApplyGraph.Node(ResourceAddress(parsing: address)!, .apply) }
func delete(_ address: String) -> ApplyGraph.Node { ApplyGraph.Node(ResourceAddress(parsing: address)!, .delete) }

/// The graph's edges as (node, what it waits for), for exact comparison.
func edges(_ graph: ApplyGraph) -> Set<DependencyGraph<ApplyGraph.Node>.Edge> { graph.graph.edges }
func edge(_ node: ApplyGraph.Node, after dependency: ApplyGraph.Node) -> DependencyGraph<ApplyGraph.Node>.Edge { .init(node, dependsOn: dependency) }

@Suite(.timeLimit(.minutes(10)))
struct ApplyGraphTests {
    @Test func appliesFollowTheAppliesOfWhatTheyDependOn() {
        let graph = ApplyGraph([
            change("aws_security_group.g", .create),
            change("aws_instance.m[0]", .create, on: ["aws_security_group.g"]),
            change("aws_instance.m[1]", .update, on: ["aws_security_group.g"]),
            change("tfy_bootstrap.b", .create, on: ["aws_instance.m"]),
        ])
        #expect(graph.nodes == [apply("aws_security_group.g"), apply("aws_instance.m[0]"), apply("aws_instance.m[1]"), apply("tfy_bootstrap.b")])
        #expect(edges(graph) == [
            edge(apply("aws_instance.m[0]"), after: apply("aws_security_group.g")),
            edge(apply("aws_instance.m[1]"), after: apply("aws_security_group.g")),
            edge(apply("tfy_bootstrap.b"), after: apply("aws_instance.m[0]")),
            edge(apply("tfy_bootstrap.b"), after: apply("aws_instance.m[1]")),
        ])
    }

    /// A data source read during apply waits for the resources its arguments refer to and goes
    /// before what refers to it: a resource, and another read. Its node does not merge with the
    /// managed resource of the same type and name.
    @Test func aReadDuringApplyGoesBetweenWhatItWaitsForAndWhatRefersToIt() {
        func read(_ address: String, on dependencies: [String], dependents: [String]) -> PlannedChange {
            var read = change(address, .read, on: dependencies)
            read.dependents = dependents
            return read
        }
        func reading(_ address: String) -> ApplyGraph.Node { ApplyGraph.Node(ResourceAddress(parsing: address)!, .read) }
        let graph = ApplyGraph([
            change("aws_security_group.g", .create),
            change("aws_instance.m[0]", .create, on: ["aws_security_group.g"]),
            change("aws_instance.other", .create),
        ], reads: [
            read("aws_security_group.g", on: ["aws_security_group.g"], dependents: ["aws_instance.m", "data.aws_subnet.s"]),
            read("aws_subnet.s", on: ["aws_security_group.g"], dependents: ["aws_instance.m"]),
        ])
        #expect(graph.nodes == [apply("aws_security_group.g"), apply("aws_instance.m[0]"), apply("aws_instance.other"),
                                reading("aws_security_group.g"), reading("aws_subnet.s")])
        #expect(edges(graph) == [
            edge(apply("aws_instance.m[0]"), after: apply("aws_security_group.g")),
            edge(reading("aws_security_group.g"), after: apply("aws_security_group.g")),
            edge(reading("aws_subnet.s"), after: apply("aws_security_group.g")),
            edge(apply("aws_instance.m[0]"), after: reading("aws_security_group.g")),
            edge(reading("aws_subnet.s"), after: reading("aws_security_group.g")),
            edge(apply("aws_instance.m[0]"), after: reading("aws_subnet.s")),
        ])
        #expect(graph.named.nodes.contains("data.aws_security_group.g"))
    }

    @Test func deletesGoDependentsFirst() {
        let graph = ApplyGraph([
            change("aws_security_group.g", .delete),
            change("aws_instance.m", .delete, on: ["aws_security_group.g"]),
        ])
        #expect(edges(graph) == [edge(delete("aws_security_group.g"), after: delete("aws_instance.m"))])
    }

    @Test func noOpsHaveNoNodeAndAnEdgeNeedsBothEnds() {
        // The update has no delete and the delete no apply: nothing orders one after the other.
        let graph = ApplyGraph([
            change("aws_security_group.g", .delete),
            change("aws_security_group.h", .noOp),
            change("aws_instance.m", .update, on: ["aws_security_group.g", "aws_security_group.h"]),
        ])
        #expect(graph.nodes == [delete("aws_security_group.g"), apply("aws_instance.m")])
        #expect(edges(graph).isEmpty)
    }

    @Test func aReplacementCreatesAfterItsOwnDelete() {
        let graph = ApplyGraph([
            change("aws_security_group.g", .noOp),
            change("aws_instance.m", .replace(createFirst: false), on: ["aws_security_group.g"]),
            change("tfy_bootstrap.b", .replace(createFirst: false), on: ["aws_instance.m"]),
        ])
        #expect(edges(graph) == [
            edge(apply("aws_instance.m"), after: delete("aws_instance.m")),
            edge(apply("tfy_bootstrap.b"), after: delete("tfy_bootstrap.b")),
            edge(apply("tfy_bootstrap.b"), after: apply("aws_instance.m")),
            edge(delete("aws_instance.m"), after: delete("tfy_bootstrap.b")),
        ])
    }

    @Test func aCreateBeforeDestroyReplacementGoesAfterItsDependentsMoved() {
        let graph = ApplyGraph([
            change("aws_security_group.g", .replace(createFirst: true)),
            change("aws_instance.m[0]", .update, on: ["aws_security_group.g"]),
            change("aws_instance.m[1]", .replace(createFirst: false), on: ["aws_security_group.g"]),
        ])
        #expect(edges(graph) == [
            edge(delete("aws_security_group.g"), after: apply("aws_security_group.g")),
            edge(delete("aws_security_group.g"), after: apply("aws_instance.m[0]")),
            edge(delete("aws_security_group.g"), after: apply("aws_instance.m[1]")),
            edge(delete("aws_security_group.g"), after: delete("aws_instance.m[1]")),
            edge(apply("aws_instance.m[0]"), after: apply("aws_security_group.g")),
            edge(apply("aws_instance.m[1]"), after: apply("aws_security_group.g")),
            edge(apply("aws_instance.m[1]"), after: delete("aws_instance.m[1]")),
        ])
    }

    @Test func namedAsTfyGraphPrintsIt() {
        let graph = ApplyGraph([
            change("aws_security_group.g", .replace(createFirst: true)),
            change("aws_instance.m", .create, on: ["aws_security_group.g"]),
            change("aws_instance.old", .delete, on: ["aws_security_group.g"]),
        ])
        #expect(graph.named.nodes == ["aws_security_group.g", "aws_security_group.g (destroy)", "aws_instance.m", "aws_instance.old"])
        #expect(graph.named.edges == [
            .init("aws_security_group.g (destroy)", dependsOn: "aws_security_group.g"),
            .init("aws_security_group.g (destroy)", dependsOn: "aws_instance.m"),
            .init("aws_security_group.g (destroy)", dependsOn: "aws_instance.old"),
            .init("aws_instance.m", dependsOn: "aws_security_group.g"),
        ])
    }
}
