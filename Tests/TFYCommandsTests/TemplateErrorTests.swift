import Foundation
import Testing
import TFYCommands

/// A bootstrap file with `template: true` is an expression like a configuration string; its errors
/// point into the template file (docs/bootstrap.md), not at the `source:` line that names it.
@Suite(.timeLimit(.minutes(10)))
struct TemplateErrorTests {
    /// A configuration directory `boot/` in a fresh temporary directory, with `hosts.tpl`.
    func configuration(template: String) throws -> String {
        let root = NSTemporaryDirectory() + "tfy-template-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/boot", withIntermediateDirectories: true)
        try """
            variable:
              names: {type: list(string), default: [a, b]}
            resource:
              tfy_bootstrap:
                setup:
                  connection: {host: 127.0.0.1, user: me, private_key_file: key}
                  files:
                    - {source: hosts.tpl, template: true, destination: /tmp/hosts}
                  inline: ["true"]

            """.write(toFile: root + "/boot/main.yml", atomically: true, encoding: .utf8)
        try template.write(toFile: root + "/boot/hosts.tpl", atomically: true, encoding: .utf8)
        return root
    }

    @Test func aSyntaxErrorInATemplateIsReportedAtItsLineAndColumn() async throws {
        let root = try configuration(template: "# hosts\nall: ${join(\" \", var.names)\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = await TFYCommandLine.capture(["validate", "boot", "-no-color"], directory: root, environment: [:])
        #expect(run.status == 1)
        #expect(run.err == """
            Error: Unclosed template interpolation

              on boot/hosts.tpl:2:6:
              2 | all: ${join(" ", var.names)
                |      ^

            There is no closing brace for this interpolation sequence.


            """, "\(run.err)")
    }

    @Test func anUndeclaredReferenceInATemplateIsReportedAtItsLineAndColumn() async throws {
        let root = try configuration(template: "# hosts\n\n  ${join(\" \", var.nodes)}\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = await TFYCommandLine.capture(["validate", "boot", "-no-color"], directory: root, environment: [:])
        #expect(run.status == 1)
        #expect(run.err == """
            Error: Reference to undeclared input variable

              on boot/hosts.tpl:3:15 (tfy_bootstrap.setup):
              3 |   ${join(" ", var.nodes)}
                |               ^

            An input variable with the name "nodes" has not been declared. This variable can be declared with a "variable" block.


            """, "\(run.err)")
    }

    @Test func aFunctionErrorInATemplateIsReportedAtItsLineAndColumn() async throws {
        let root = try configuration(template: "a\nb\n   c ${upper(var.names)}\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = await TFYCommandLine.capture(["validate", "boot", "-no-color"], directory: root, environment: [:])
        #expect(run.status == 1)
        #expect(run.err == """
            Error: Invalid function argument

              on boot/hosts.tpl:3:14 (tfy_bootstrap.setup):
              3 |    c ${upper(var.names)}
                |              ^

            Invalid value for "str" parameter: string required.


            """, "\(run.err)")
    }
}
