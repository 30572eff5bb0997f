import Testing
@testable import TFYConfig
import TFYCore

/// A counted block's argument is evaluated once for all its instances only when it reads nothing
/// of the instance: `count`, `each` and `self` keep it per instance.
@Suite(.timeLimit(.minutes(5)))
struct InstanceSharingTests {
    static func shared(_ text: String) throws -> Bool {
        let expression = try ExpressionParser.parseString(text, sourceMap: .startOnly(SourceLocation(file: "f", line: 1, column: 1))).get()
        return EvaluationRun.sameForEveryInstance(expression)
    }

    @Test(arguments: [
        ("ami-1ecae776", true),
        ("${var.ami}", true),
        ("${aws_security_group.cluster.id}", true),
        ("${[for name in var.names : upper(name)]}", true),
        ("node-${count.index}", false),
        ("${var.names[count.index]}", false),
        ("${each.key}", false),
        ("${lookup(var.sizes, each.value, \"t3.micro\")}", false),
        ("${self.private_ip}", false),
        ("${[for x in var.names : \"${x}-${count.index}\"]}", false),
        ("${{for k, v in var.tags : k => \"${v}-${each.key}\"}}", false),
        ("${var.on ? \"a\" : count.index}", false),
    ])
    func argumentIsSharedOnlyWhenItReadsNoInstance(_ text: String, _ expected: Bool) throws {
        #expect(try Self.shared(text) == expected)
    }
}
