import Foundation
import Testing
import TFYCommands

/// YAML mistakes as `tfy validate` shows them: one error where it is fixed, nothing after it;
/// a value that only looks like a reference is a warning and validate still succeeds.
@Suite(.timeLimit(.minutes(10)))
struct YAMLDiagnosticCommandTests {
    func validate(_ files: [String: String]) async -> TFYCommandLine.Captured {
        let path = NSTemporaryDirectory() + "tfy-yaml-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (name, text) in files {
            _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data(text.utf8))
        }
        return await TFYCommandLine.capture(["validate", "-no-color"], directory: path, environment: [:])
    }

    @Test func badIndentationIsExactlyOneError() async {
        let run = await validate([
            "main.yml": "resource:\n  aws_instance:\n    master:\n      ami: ami-1\n     instance_type: t2.small\n",
            "outputs.yml": "output:\n  ip: {value: \"${aws_instance.master.private_ip}\"}\n  id: {value: \"${aws_instance.master.id}\"}\n",
        ])
        #expect(run.status == 1)
        #expect(run.out == "")
        #expect(run.err == """
            Error: Inconsistent indentation

              on main.yml:5:6:
              5 |      instance_type: t2.small
                |      ^

            This line starts in column 6, which lines it up with no key above it: "ami" (line 4) starts in column 7 and "master" (line 3) in column 5. Keys of one mapping start in the same column.


            """)
    }

    @Test func bareReferenceWarnsAndValidateSucceeds() async {
        let run = await validate([
            "main.yml": "variable:\n  ami: {default: ami-1}\nresource:\n  aws_instance:\n    web: {ami: var.ami, instance_type: t2.small}\n",
        ])
        #expect(run.status == 0)
        #expect(run.err == "")
        #expect(run.out == """
            Warning: Value looks like a reference

              on main.yml:5:16:
              5 |     web: {ami: var.ami, instance_type: t2.small}
                |                ^

            "var.ami" is plain text here, so it is the string "var.ami". Did you mean "${var.ami}"?

            Success! The configuration is valid, but there were some validation warnings as shown above.

            """)
    }
}
