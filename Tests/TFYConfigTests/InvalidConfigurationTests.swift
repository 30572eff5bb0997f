import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// Every file under Fixtures/invalid is one malformed configuration; `expected.tsv` lists every
/// error it must produce (line:col and summary), in source order.
@Suite(.timeLimit(.minutes(30)))
struct InvalidConfigurationTests {
    static let directory = fixturesDirectory + "/invalid"

    static let expectations: [String: [String]] = {
        var result: [String: [String]] = [:]
        let text = (try? String(contentsOfFile: directory + "/expected.tsv", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 3 else { continue }
            result[fields[0], default: []].append("\(fields[1]) \(fields[2])")
        }
        return result
    }()

    static let fixtures: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".yml") }.map { String($0.dropLast(4)) }.sorted()

    @Test func theCorpusHasAtLeastFortyCasesEachWithExpectations() {
        #expect(Self.fixtures.count >= 40)
        #expect(Set(Self.fixtures) == Set(Self.expectations.keys))
    }

    @Test(arguments: fixtures)
    func reportsExactDiagnostics(_ name: String) throws {
        let outcome = withTemporaryDirectory { directory in
            let bytes = FileManager.default.contents(atPath: "\(Self.directory)/\(name).yml") ?? Data()
            _ = FileManager.default.createFile(atPath: directory + "/main.yml", contents: bytes)
            // A case about modules brings the modules it calls: NAME.modules/ holds the tree.
            let tree = "\(Self.directory)/\(name).modules"
            for item in (try? FileManager.default.contentsOfDirectory(atPath: tree)) ?? [] {
                try? FileManager.default.copyItem(atPath: tree + "/" + item, toPath: directory + "/" + item)
            }
            var inputs: [VariableInput] = []
            var diagnostics = Diagnostics()
            if let varFile = FileManager.default.contents(atPath: "\(Self.directory)/\(name).varfile") {
                let (fileInputs, fileDiagnostics) = VariableInput.fromFile(path: "vars.varfile", bytes: [UInt8](varFile))
                inputs = fileInputs
                diagnostics.append(contentsOf: fileDiagnostics)
            }
            var outcome = ConfigurationPipeline(directory: ".", inputs: inputs, missingRequired: .unknown, files: FileReader(currentDirectory: directory), resourceTypes: .standard)
                .run(workingDirectory: directory)
            diagnostics.append(contentsOf: outcome.diagnostics)
            outcome.diagnostics = diagnostics
            return outcome
        }
        // An error in a module's file names the file: modules/node/main.yml:3:5.
        let lines = outcome.diagnostics.sorted.filter { $0.severity == .error }.map { d in
            "\(d.location.map { ($0.file.contains("/") ? "\($0.file):" : "") + "\($0.line):\($0.column)" } ?? "-") \(d.summary)"
        }
        #expect(lines == Self.expectations[name])
        for error in outcome.diagnostics.errors {
            #expect(error.location != nil, "every error carries a location: \(error)")
            #expect(!error.detail.isEmpty)
        }
    }

    @Test func unknownAttributeSuggestsTheClosestName() {
        let outcome = evaluate(["main.yml": "resource:\n  aws_instance:\n    m: {ami: a, instance_typ: t2.small}\n"])
        let unsupported = outcome.diagnostics.errors.first { $0.summary == "Unsupported argument" }
        #expect(unsupported?.detail == "An argument named \"instance_typ\" is not expected here. Did you mean \"instance_type\"?")
        #expect(unsupported?.location == SourceLocation(file: "main.yml", line: 3, column: 17))
        #expect(unsupported?.address == "aws_instance.m")
    }

    /// A file mode is an octal string: a bad digit, a number (YAML reads 0o644 as 420) and a
    /// sensitive one (never quoted) are each refused where they are written.
    @Test func bootstrapFileModesAndSensitiveOutputAreCheckedWhereWritten() {
        func errors(_ mode: String, sensitiveOutput: String = "redact") -> [String] {
            let text = "variable:\n  m: {type: string, sensitive: true, default: \"9\"}\nresource:\n  tfy_bootstrap:\n    b:\n      connection: {host: h}\n      inline: [s]\n      sensitive_output: \(sensitiveOutput)\n      files:\n        - {destination: /d, content: x, mode: \(mode)}\n"
            return evaluate(["main.yml": text]).diagnostics.errors.map { "\($0.location.map(String.init(describing:)) ?? "") \($0.summary): \($0.detail)" }
        }
        #expect(errors("\"0755\"") == [])
        #expect(errors("\"644\"") == [])
        #expect(errors("\"0855\"") == [#"main.yml:10:47 Invalid file mode: The file mode "0855" of "files[0].mode" is not an octal mode: give three or four digits 0-7, such as "0644" or "0600"."#])
        #expect(errors("\"06444\"") == [#"main.yml:10:47 Invalid file mode: The file mode "06444" of "files[0].mode" is not an octal mode: give three or four digits 0-7, such as "0644" or "0600"."#])
        #expect(errors("0o644") == [#"main.yml:10:47 Invalid file mode: The file mode 420 of "files[0].mode" is a number: write it as a quoted octal string such as "0644" or "0600" (YAML reads an unquoted 0644 as the number 644, and 0o644 as 420)."#])
        #expect(errors("\"${var.m}\"") == [#"main.yml:10:50 Invalid file mode: The file mode (sensitive value) of "files[0].mode" is not an octal mode: give three or four digits 0-7, such as "0644" or "0600"."#])
        #expect(errors("\"0600\"", sensitiveOutput: "Suppress") == [#"main.yml:8:25 Invalid value: The value of "sensitive_output" must be "redact" or "suppress", not "Suppress"."#])
        #expect(errors("\"0600\"", sensitiveOutput: "suppress") == [])
    }

    @Test func aliasBombIsRefusedBeforeExpanding() {
        let text = (try? String(contentsOfFile: Self.directory + "/yaml-alias-bomb.yml", encoding: .utf8)) ?? ""
        let result = YAMLParser().parse(SourceFile(name: "bomb.yml", bytes: Array(text.utf8)))
        #expect(result.root == nil)
        #expect(errorLines(result.diagnostics) == ["7:8 YAML alias expansion too large"])
    }

    @Test func cycleNamesEveryMember() {
        let outcome = evaluate(["main.yml": "locals:\n  a: \"${local.b}\"\n  b: \"${local.a}\"\n"])
        #expect(outcome.diagnostics.errors.map(\.detail) == [
            "These values refer to each other in a loop: local.a (main.yml:2:3) → local.b (main.yml:3:3) → local.a (main.yml:2:3). Break the loop by removing one of these references.",
        ])
    }

    @Test func resourceCycleIsReportedWithAddresses() {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_instance:
                a: {ami: "${aws_instance.b.id}", instance_type: t2.small}
                b: {ami: "${aws_instance.a.id}", instance_type: t2.small}
            """])
        #expect(errorLines(outcome.diagnostics) == ["3:5 Reference cycle"])
        #expect(outcome.diagnostics.errors.first?.detail == "These values refer to each other in a loop: aws_instance.a (main.yml:3:5) → aws_instance.b (main.yml:4:5) → aws_instance.a (main.yml:3:5). Break the loop by removing one of these references.")
    }
}
