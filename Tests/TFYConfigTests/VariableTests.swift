import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine

@Suite(.timeLimit(.minutes(30)))
struct VariableTests {
    /// A variable file may hold secrets before any value is known to be sensitive: its errors
    /// name neither an alias (a password starting with "*" reads as one) nor a duplicated key.
    @Test(arguments: [
        ("f.yml", "pw: *Hunter2secret\n"),
        ("f.yml", "Hunter2secret: 1\nHunter2secret: 2\n"),
        ("f.json", "{\"Hunter2secret\": 1, \"Hunter2secret\": 2}"),
    ])
    func variableFileErrorsQuoteNoneOfItsText(_ name: String, _ text: String) {
        let (_, diagnostics) = VariableInput.fromFile(path: name, bytes: Array(text.utf8))
        #expect(diagnostics.hasErrors)
        for diagnostic in diagnostics.items {
            #expect(!diagnostic.summary.contains("Hunter2") && !diagnostic.detail.contains("Hunter2"), "\(diagnostic)")
        }
    }

    /// JSON that YAML refuses is read as JSON, but within YAML's limits: nesting past 64 (which
    /// YAML refused) is not accepted through the JSON parser's 512.
    @Test func jsonVariableFilesKeepTheYAMLLimits() {
        let deep = "{\"x\":\t" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        let (inputs, diagnostics) = VariableInput.fromFile(path: "f.json", bytes: Array(deep.utf8))
        #expect(inputs.isEmpty)
        #expect(diagnostics.errors.map(\.summary) == ["Variable file too large"])
    }

    let config = """
        variable:
          machines: {type: number, default: 3}
          Tag: {type: string, default: my}
          zones: {type: "list(string)", default: [a]}
          secret: {type: string, default: x, sensitive: true}
        """

    func resolve(_ inputs: [VariableInput], config text: String? = nil) -> ([String: Value], Diagnostics) {
        let (configuration, _) = ConfigurationLoader(resourceTypes: .standard).load(files: [SourceFile(name: "v.yml", bytes: Array((text ?? config).utf8))], directory: ".", defaultStack: "s")
        let (values, _, diagnostics) = VariableResolver(missingRequired: .error).resolve(configuration, inputs: inputs)
        return (values, diagnostics)
    }

    func cli(_ name: String, _ text: String) -> VariableInput { VariableInput(name: name, raw: .text(text), origin: .commandLine) }

    @Test func precedenceIsDefaultThenEnvironmentThenCommandLineInOrder() {
        let environment = VariableInput.fromEnvironment(["TFY_VAR_Tag": "env", "TFY_VAR_machines": "4", "OTHER": "x"])
        let (file, _) = VariableInput.fromFile(path: "f.yml", bytes: Array("Tag: file\n".utf8))
        #expect(resolve([]).0["Tag"] == .string("my"))
        #expect(resolve(environment).0["Tag"] == .string("env"))
        #expect(resolve(environment + file).0["Tag"] == .string("file"))
        #expect(resolve(environment + file + [cli("Tag", "cli")]).0["Tag"] == .string("cli"))
        #expect(resolve(environment + [cli("Tag", "cli")] + file).0["Tag"] == .string("file"))
        #expect(resolve(environment).0["machines"] == .number(4))
    }

    @Test func commandLineValuesAreConvertedToTheDeclaredType() {
        let (values, diagnostics) = resolve([cli("machines", "5"), cli("zones", "[us-east-1a, us-east-1b]")])
        #expect(diagnostics.isEmpty)
        #expect(values["machines"] == .number(5))
        #expect(values["zones"] == .list([.string("us-east-1a"), .string("us-east-1b")]))
    }

    @Test func typeErrorsNameTheVariableAndTheSource() {
        let (_, diagnostics) = resolve([cli("machines", "many")])
        #expect(diagnostics.errors.map(\.summary) == ["Invalid value for input variable"])
        #expect(diagnostics.errors.first?.detail == "The value given by the -var option is not suitable for var.machines declared at v.yml:2:3: a number is required, but \"many\" is not a number.")
    }

    @Test func undeclaredCommandLineVariableIsAnErrorButInAFileAWarning() {
        let (_, onCommandLine) = resolve([cli("machine", "2")])
        #expect(onCommandLine.errors.first?.summary == "Value for undeclared variable")
        #expect(onCommandLine.errors.first?.detail.hasSuffix("Did you mean \"machines\"?") == true)
        let (file, _) = VariableInput.fromFile(path: "f.yml", bytes: Array("machine: 2\n".utf8))
        let (_, inFile) = resolve(file)
        #expect(inFile.errors.isEmpty)
        #expect(errorLines(Diagnostics(inFile.warnings.map { var d = $0; d.severity = .error; return d })) == ["1:10 Value for undeclared variable"])
    }

    @Test func sensitiveVariablesAreMarked() {
        #expect(resolve([cli("secret", "hunter2")]).0["secret"] == .sensitive(.string("hunter2")))
    }

    @Test func legacyTachyonVarFilesLoadUnchanged() throws {
        let directory = fixturesDirectory + "/legacy"
        var inputs: [VariableInput] = []
        for name in ["ec2.yml", "tachyon.yml"] {
            let (fileInputs, diagnostics, _) = VariableInput.fromFile(path: "conf/\(name)", resolvedPath: "\(directory)/conf/\(name)")
            #expect(diagnostics.isEmpty)
            inputs += fileInputs
        }
        let outcome = ConfigurationPipeline(directory: ".", inputs: inputs, missingRequired: .error, resourceTypes: .standard).run(workingDirectory: directory)
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
        let variables = try #require(outcome.evaluated?.variables)
        #expect(variables["Keypair"] == .string("aws-east"))
        #expect(variables["Masters"] == .number(2))
        #expect(variables["Spot_Price"] == .string(""))
        #expect(variables["Release"] == .map(["Version": .string("0.8.2")]))
        #expect(variables["Github"] == .map(["Repo": .string("https://github.com/amplab/tachyon"), "Version": .string("branch-0.8")]))
        #expect(variables["Block_Device_Mapping"] == .list([
            .map(["DeviceName": .string("/dev/sdb"), "VirtualName": .string("ephemeral0")]),
            .map(["DeviceName": .string("/dev/sdc"), "Ebs.VolumeSize": .number(100), "Ebs.DeleteOnTermination": .bool(true)]),
        ]))
    }

    @Test func validationRulesUseTheVariablesValue() {
        let text = """
            variable:
              machines:
                type: number
                validation:
                  - {condition: "${var.machines >= 2}", error_message: "machines must be at least 2."}
              Spot_Price:
                default: ""
                validation:
                  condition: "${var.Spot_Price == \\"\\" || can_number(var.Spot_Price)}"
                  error_message: x
            """
        let passing = evaluate(["main.yml": text.replacingOccurrences(of: " || can_number(var.Spot_Price)", with: "")], inputs: [cli("machines", "3")])
        #expect(passing.diagnostics.isEmpty, "\(passing.diagnostics)")
        let (file, _) = VariableInput.fromFile(path: "vars.yml", bytes: Array("machines: 1\n".utf8))
        let failing = evaluate(["main.yml": text.replacingOccurrences(of: " || can_number(var.Spot_Price)", with: "")], inputs: file)
        #expect(failing.diagnostics.errors.map(\.detail) == ["machines must be at least 2.\n\nThis was checked by the validation rule at main.yml:5:9."])
        #expect(failing.diagnostics.errors.first?.location == SourceLocation(file: "vars.yml", line: 1, column: 11))
    }

    @Test func objectTypeRequiresItsAttributes() {
        let (_, diagnostics) = resolve([VariableInput(name: "o", raw: .value(.map(["a": .string("x")]), SourceLocation(file: "f", line: 1, column: 4)), origin: .file("f"))],
                                       config: "variable:\n  o: {type: \"object({a = string, b = number})\"}\n")
        #expect(diagnostics.errors.first?.detail.hasSuffix(": attribute \"b\" is required.") == true)
    }
}
