import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// A bootstrap's `inline`, `script` and `scripts` take remote-exec's vocabulary: commands, or
/// paths of local scripts read relative to the configuration directory. Old configurations that
/// put script text in `scripts` are told where it goes now, at the entry.
@Suite(.timeLimit(.minutes(10)))
struct BootstrapScriptTests {
    static func bootstrap(_ lines: String) -> String {
        "resource:\n  tfy_bootstrap:\n    b:\n      connection: {host: h}\n" + lines
    }

    /// "line:col summary: detail" for each error.
    static func errors(_ files: [String: String]) -> [String] {
        evaluate(files).diagnostics.sorted.filter { $0.severity == .error }.map { d in
            "\(d.location.map { "\($0.file):\($0.line):\($0.column)" } ?? "-") \(d.summary): \(d.detail)"
        }
    }

    static func attributes(_ files: [String: String]) throws -> [String: Value] {
        let outcome = evaluate(files)
        #expect(outcome.diagnostics.errors.isEmpty, "\(outcome.diagnostics.errors)")
        return try #require(outcome.evaluated?.resource("tfy_bootstrap.b")?.instances.first?.attributes)
    }

    static func file(_ path: String, _ content: String) -> Value {
        .map(["path": .string(path), "content": .string(content)])
    }

    @Test func scriptPathsAreReadRelativeToTheConfigurationDirectory() throws {
        let files = ["scripts/a.sh": "echo a\n", "b.sh": "echo b\n"]
        let many = try Self.attributes(files.merging(["main.yml": Self.bootstrap("      scripts: [scripts/a.sh, b.sh]\n      destroy_script: b.sh\n")]) { $1 })
        #expect(many["scripts"] == .list([Self.file("scripts/a.sh", "echo a\n"), Self.file("b.sh", "echo b\n")]))
        #expect(many["destroy_script"] == Self.file("b.sh", "echo b\n"))
        #expect(many["script"] == .null)
        #expect(many["inline"] == .null)
        // A computed path is read when it is known, through file().
        let computed = try Self.attributes(files.merging(["main.yml": Self.bootstrap("      script: \"${path.module}/scripts/a.sh\"\n      destroy_scripts: '${[\"b.sh\"]}'\n")]) { $1 })
        #expect(computed["script"] == Self.file("./scripts/a.sh", "echo a\n"))
        #expect(computed["destroy_scripts"] == .list([Self.file("b.sh", "echo b\n")]))
        let inline = try Self.attributes(["main.yml": Self.bootstrap("      inline: [\"echo one\", \"echo two\"]\n")])
        #expect(inline["inline"] == .list([.string("echo one"), .string("echo two")]))
    }

    @Test func exactlyOneOfInlineScriptAndScriptsIsSet() {
        #expect(Self.errors(["main.yml": Self.bootstrap("")]) == [
            #"main.yml:3:5 Invalid tfy_bootstrap configuration: Only one of "inline", "script", or "scripts" must be set."#,
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      inline: [uptime]\n      script: a.sh\n"), "a.sh": "true\n"]) == [
            #"main.yml:6:7 Invalid tfy_bootstrap configuration: Only one of "inline", "script", or "scripts" must be set."#,
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      inline: [uptime]\n      destroy_inline: [uptime]\n      destroy_script: a.sh\n"), "a.sh": "true\n"]) == [
            #"main.yml:7:7 Invalid tfy_bootstrap configuration: Only one of "destroy_inline", "destroy_script", or "destroy_scripts" may be set."#,
        ])
        // Null is not set, as in Terraform.
        #expect(Self.errors(["main.yml": Self.bootstrap("      inline: [uptime]\n      script: null\n")]) == [])
    }

    @Test func aMissingOrUnreadableScriptIsAnErrorAtItsPath() throws {
        let directory = FileManager.default.temporaryDirectory.path
        #expect(Self.errors(["main.yml": Self.bootstrap("      scripts: [setup.sh]\n")]) == [
            #"main.yml:5:17 File not found: There is no script file "setup.sh" (looked for "setup.sh"). "scripts" takes paths of local scripts; to run commands, use "inline"."#,
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      script: \(directory)\n")]) == [
            "main.yml:5:15 Not a regular file: \(Value.quoted(directory)) is a directory; a script must be a regular file.",
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      script: [a.sh]\n")]) == [
            #"main.yml:5:15 Invalid script path: "script" is the path of one local script; give a list of paths to "scripts"."#,
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      script: \"${path.module}/gone.sh\"\n")]).first?.hasPrefix(#"main.yml:5:16 Invalid function argument: Invalid value for "path" parameter: no file exists at "./gone.sh""#) == true)
    }

    /// Before remote-exec's vocabulary `scripts` held script text: such an entry says where
    /// text goes now, at the entry, instead of looking for a file of that name.
    @Test func scriptTextInScriptsSaysUseInline() {
        let advice = #"Put script text or commands in "inline" (text kept in a file stays there with inline: ['${file("setup.sh")}']), or give the path of the script file"#
        #expect(Self.errors(["main.yml": Self.bootstrap("      scripts:\n        - |\n          yum install -y java\n          echo done\n")]) == [
            #"main.yml:6:11 Script text in a script path: "scripts" takes paths of local scripts, as Terraform's remote-exec does, and this is script text. "# + advice + ".",
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      inline: [uptime]\n      destroy_scripts: [\"rm -rf /data\"]\n")]) == [
            #"main.yml:6:25 Script text in a script path: "destroy_scripts" takes paths of local scripts, as Terraform's remote-exec does, and this is script text ("rm -rf /data" is no file). "# + advice + ".",
        ])
        #expect(Self.errors(["main.yml": Self.bootstrap("      scripts: ['${file(\"setup.sh\")}']\n"), "setup.sh": "true\n"]) == [
            #"main.yml:5:20 Script text in a script path: "scripts" takes paths of local scripts, as Terraform's remote-exec does, and file() and templatefile() give a file's text. "# + advice + " itself.",
        ])
        // A path with a space that exists is a path.
        #expect(Self.errors(["main.yml": Self.bootstrap("      script: my setup.sh\n"), "my setup.sh": "true\n"]) == [])
    }
}
