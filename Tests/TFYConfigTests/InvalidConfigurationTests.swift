import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

/// Every file under Fixtures/invalid is one malformed configuration; `expected.tsv` lists every
/// error it must produce (line:col and summary), in source order.
@Suite(.timeLimit(.minutes(10)))
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
        #expect(errorLines(outcome.diagnostics) == Self.expectations[name])
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

    @Test func aliasBombIsRefusedBeforeExpanding() {
        let text = (try? String(contentsOfFile: Self.directory + "/yaml-alias-bomb.yml", encoding: .utf8)) ?? ""
        let result = YAMLParser().parse(SourceFile(name: "bomb.yml", bytes: Array(text.utf8)))
        #expect(result.root == nil)
        #expect(errorLines(result.diagnostics) == ["6:8 YAML alias expansion too large"])
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
