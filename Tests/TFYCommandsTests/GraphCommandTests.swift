import Foundation
import Testing
import TFYCore
import TFYPlan

@Suite(.timeLimit(.minutes(10)))
struct GraphCommandTests {
    /// The nodes and edges of `tfy graph`'s DOT output.
    static func parse(_ dot: String) -> DependencyGraph<String> {
        var graph = DependencyGraph<String>()
        for line in dot.split(separator: "\n") where line.hasPrefix("  \"") && line.hasSuffix(";") {
            let names = line.dropLast().components(separatedBy: " -> ").map { String($0.trimmingCharacters(in: .whitespaces).dropFirst().dropLast()) }
            if names.count == 2 { graph.add(names[0], dependsOn: names[1]) } else { graph.add(names[0]) }
        }
        return graph
    }

    @Test func graphPrintsTheGraphApplyWalksForReplacements() async throws {
        let state = PlanGoldenTests.fixtures + "/plan-cases/no-changes/prior.tfstate"
        // A new AMI replaces the instances (delete first); a new description replaces the
        // create_before_destroy group (create first), which the instances depend on.
        let variables = ["-var", "AMI=ami-0fe0b2cf0e1f25c8a", "-var", "group_description=Tachyon cluster (fault tolerant)"]
        let planFile = NSTemporaryDirectory() + "tfy-graph-\(UUID().uuidString).tfplan"
        defer { try? FileManager.default.removeItem(atPath: planFile) }
        let planned = await GraphAndColourTests().tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", state, "-out", planFile] + variables)
        #expect(planned.status == 0)
        // What `tfy apply PLANFILE` hands the executor, whose scheduler walks ApplyGraph(plan).
        let plan = try Plan.decode([UInt8](try #require(FileManager.default.contents(atPath: planFile)))).get()
        #expect(plan.changes.map(\.action) == [.replace(createFirst: false), .replace(createFirst: false), .replace(createFirst: false), .replace(createFirst: true)])
        let walked = ApplyGraph(plan)

        let run = await GraphAndColourTests().tfy(["graph", "cluster", "-type", "plan", "-state", state] + variables)
        #expect(run.status == 0)
        let printed = Self.parse(run.out)
        #expect(printed.nodes == walked.named.nodes)
        #expect(printed.edges == walked.named.edges)
        #expect(walked.graph.edges.count == printed.edges.count)

        var expected: [DependencyGraph<String>.Edge] = [.init("aws_security_group.cluster (destroy)", dependsOn: "aws_security_group.cluster")]
        for instance in ["aws_instance.master[0]", "aws_instance.master[1]", "aws_instance.worker[0]"] {
            expected += [
                .init(instance, dependsOn: "aws_security_group.cluster"),
                .init(instance, dependsOn: "\(instance) (destroy)"),
                .init("aws_security_group.cluster (destroy)", dependsOn: instance),
                .init("aws_security_group.cluster (destroy)", dependsOn: "\(instance) (destroy)"),
            ]
        }
        #expect(printed.edges == Set(expected))
        #expect(printed.nodes.count == 8)
    }
}
