import Testing
import TFYConfig
import TFYCore

/// A resource with no instances still orders what depends on it after what it depends on, as
/// Terraform's graph waits through the resource node: found when the Tachyon example's `masters`
/// bootstrap ran before `configure` because the `hdfs` phase between them had `count: 0`.
@Suite(.timeLimit(.minutes(10)))
struct EmptyDependencyTests {
    @Test func aDependencyWithNoInstancesPassesOnItsOwnDependencies() throws {
        let outcome = evaluate([
            "main.yml": """
                variable:
                  hdfs: {default: false}
                resource:
                  aws_security_group:
                    first: {name: a, description: a}
                    skipped: {count: "${var.hdfs ? 1 : 0}", name: b, description: "${aws_security_group.first.id}"}
                  aws_instance:
                    last: {ami: ami-1, instance_type: t2.small, depends_on: [aws_security_group.skipped]}
                """,
        ])
        #expect(outcome.diagnostics.items.filter { $0.severity == .error }.map(\.summary) == [])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.resource("aws_security_group.skipped")?.instances.isEmpty == true)
        #expect(evaluated.resource("aws_instance.last")?.dependencies == ["aws_security_group.first", "aws_security_group.skipped"])
    }

    @Test func aDependencyWithInstancesKeepsItsOwnList() throws {
        let outcome = evaluate([
            "main.yml": """
                resource:
                  aws_security_group:
                    first: {name: a, description: a}
                    middle: {name: b, description: "${aws_security_group.first.id}"}
                  aws_instance:
                    last: {ami: ami-1, instance_type: t2.small, depends_on: [aws_security_group.middle]}
                """,
        ])
        let evaluated = try #require(outcome.evaluated)
        #expect(evaluated.resource("aws_instance.last")?.dependencies == ["aws_security_group.middle"])
    }
}
