import Foundation
import Testing
import TFYCommands

/// A diagnostic about a sensitive value says `(sensitive value)` in its detail and in place of
/// the variable file's line, in `tfy validate` and `tfy validate -json` alike: the secret is in
/// no output stream.
@Suite(.timeLimit(.minutes(10)))
struct SensitiveDiagnosticCommandTests {
    static let secret = "s3cr3t"

    static let variables = """
        variable:
          pw: {type: string, sensitive: true}
          pin: {type: number, sensitive: true, default: 1}
          code:
            type: string
            sensitive: true
            default: "0000"
            validation:
              - condition: "${length(var.code) == 4}"
                error_message: The code has four digits.

        """

    /// A fresh temporary directory holding `files`; the configuration is in `conf/`.
    func withConfiguration(_ files: [String: String], _ body: (String) async -> Void) async {
        let root = NSTemporaryDirectory() + "tfy-sensitive-" + UUID().uuidString
        for (name, text) in files {
            let path = root + "/" + name
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        await body(root)
    }

    func validate(_ arguments: [String], in root: String, environment: [String: String] = [:]) async -> TFYCommandLine.Captured {
        let run = await TFYCommandLine.capture(["validate", "conf"] + arguments, directory: root, environment: environment)
        #expect(!run.out.contains(Self.secret) && !run.err.contains(Self.secret), "the secret is shown:\n\(run.out)\n\(run.err)")
        return run
    }

    /// The `detail` of each diagnostic in `validate -json` output.
    func details(_ json: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let diagnostics = object["diagnostics"] as? [[String: Any]] else { return ["not JSON: \(json)"] }
        return diagnostics.map { $0["detail"] as? String ?? "" }
    }

    @Test func functionAndIndexErrorsQuoteNoSensitiveValue() async {
        let main = Self.variables + """
            locals:
              read: "${file(var.pw)}"
              template: "${templatefile(\\"t.tpl\\", {pw = var.pw})}"
              index: "${{a = 1}[var.pw]}"
              list: "${[1][var.pw]}"
              looked: "${lookup({a = 1}, var.pw)}"
              number: "${tonumber(var.pw)}"
            resource:
              aws_security_group:
                g:
                  name: g
                  description: d
                  ingress: [{protocol: tcp, from_port: "${var.pw}", to_port: 1, cidr_blocks: [0.0.0.0/0]}]

            """
        await withConfiguration(["conf/main.yml": main, "conf/t.tpl": "${tonumber(pw)}\n"]) { root in
            let expected = [
                "Invalid value for \"path\" parameter: no file exists at (sensitive value); this function works only with files that are distributed as part of the configuration source code.",
                "Call to function \"templatefile\" failed: the template \"t.tpl\" could not be rendered: Invalid value for \"v\" parameter: cannot convert (sensitive value) to number.",
                "The map has no element with the key (sensitive value).",
                "A list index must be a whole number, not (sensitive value).",
                "Call to function \"lookup\" failed: the given key (sensitive value) is not in the map, and no default was given.",
                "Invalid value for \"v\" parameter: cannot convert (sensitive value) to number.",
                "Inappropriate value for attribute \"ingress[0].from_port\": a number is required.",
            ]
            let text = await validate(["-no-color", "-var", "pw=\(Self.secret)"], in: root)
            #expect(text.status == 1)
            let shown = text.err.components(separatedBy: "\n").filter { line in expected.contains(line) }
            #expect(shown == expected, "\(text.err)")
            let json = await validate(["-json", "-var", "pw=\(Self.secret)"], in: root)
            #expect(json.status == 1)
            #expect(details(json.out) == expected)
        }
    }

    @Test func aSensitiveVariableFromAVariableFileIsNeitherQuotedNorShownInTheSnippet() async {
        await withConfiguration(["conf/main.yml": Self.variables, "secrets.yml": "pin: \(Self.secret)\ncode: \(Self.secret)-long\n"]) { root in
            let text = await validate(["-no-color", "-var-file", "secrets.yml"], in: root)
            #expect(text.status == 1)
            #expect(text.err == """
                Error: Invalid value for input variable

                  on secrets.yml:1:6:
                  1 | (sensitive value)

                The value given by the variable file "secrets.yml" is not suitable for var.pin declared at conf/main.yml:3:3, which is sensitive: a number is required.

                Error: Invalid value for variable

                  on secrets.yml:2:7:
                  2 | (sensitive value)

                The code has four digits.

                This was checked by the validation rule at conf/main.yml:9:9.


                """, "\(text.err)")
            let json = await validate(["-json", "-var-file", "secrets.yml"], in: root)
            #expect(json.status == 1)
            #expect(json.out.contains("""
                      "snippet": {
                        "code": "(sensitive value)",
                        "context": null,
                        "highlight_end_offset": 17,
                        "highlight_start_offset": 0,
                        "start_line": 1,
                        "values": []
                      },
                """), "\(json.out)")
            #expect(details(json.out) == [
                "The value given by the variable file \"secrets.yml\" is not suitable for var.pin declared at conf/main.yml:3:3, which is sensitive: a number is required.",
                "The code has four digits.\n\nThis was checked by the validation rule at conf/main.yml:9:9.",
            ])
        }
    }

    @Test func aSensitiveVariableFromTheCommandLineOrEnvironmentIsNotQuoted() async {
        await withConfiguration(["conf/main.yml": Self.variables]) { root in
            let commandLine = await validate(["-no-color", "-var", "pin=\(Self.secret)"], in: root)
            #expect(commandLine.status == 1)
            #expect(commandLine.err == """
                Error: Invalid value for input variable

                  on conf/main.yml:3:3:
                  3 |   pin: {type: number, sensitive: true, default: 1}
                    |   ^

                The value given by the -var option is not suitable for var.pin declared at conf/main.yml:3:3, which is sensitive: a number is required.


                """, "\(commandLine.err)")
            let environment = await validate(["-json"], in: root, environment: ["TFY_VAR_pin": Self.secret])
            #expect(environment.status == 1)
            #expect(details(environment.out) == [
                "The value given by the environment variable TFY_VAR_pin is not suitable for var.pin declared at conf/main.yml:3:3, which is sensitive: a number is required.",
            ])
        }
    }
}
