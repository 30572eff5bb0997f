import Foundation
import Testing
import TFYCommands
import TFYCore

/// Drives the command line as a user would, and pins its output with snapshot files.
/// `RECORD_SNAPSHOTS=1 swift test` re-records them; a run that records fails, so it is never
/// mistaken for a passing run.
@Suite(.timeLimit(.minutes(30)))
struct CommandTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    static let clusterFixture = URL(fileURLWithPath: testsDirectory).deletingLastPathComponent()
        .appendingPathComponent("TFYConfigTests/Fixtures/valid/cluster").path

    typealias Run = TFYCommandLine.Captured

    func tfy(_ arguments: [String], in directory: String = testsDirectory + "/Fixtures", environment: [String: String] = [:]) async -> Run {
        await TFYCommandLine.capture(arguments, directory: directory, environment: environment)
    }

    final class Box: @unchecked Sendable { var text = "" }

    func assertSnapshot(_ text: String, named name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        Snapshot.check(text, path: "\(Self.testsDirectory)/Snapshots/\(name)", name: "Snapshots/\(name)", sourceLocation: sourceLocation)
    }

    @Test func validateReportsEveryErrorWithSourceAndCaret() async {
        let run = await tfy(["validate", "broken", "-no-color"])
        #expect(run.status == 1)
        assertSnapshot(run.err, named: "validate-broken.txt")
        assertSnapshot(run.out, named: "validate-broken.stdout.txt")
    }

    @Test func validateJSONHasTerraformsShape() async {
        let run = await tfy(["validate", "broken", "-json"])
        #expect(run.status == 1)
        #expect(run.err == "")
        assertSnapshot(run.out, named: "validate-broken.json")
    }

    @Test func validConfigurationSucceeds() async {
        let run = await tfy(["validate", Self.clusterFixture])
        #expect(run.status == 0)
        #expect(run.out == "Success! The configuration is valid.\n")
        #expect(run.err == "")
    }

    @Test func validJSON() async {
        let run = await tfy(["validate", Self.clusterFixture, "-json"])
        #expect(run.status == 0)
        #expect(run.out == """
            {
              "diagnostics": [],
              "error_count": 0,
              "format_version": "1.0",
              "valid": true,
              "warning_count": 0
            }

            """)
    }

    @Test func variableValuesAreCheckedWhenGiven() async {
        let run = await tfy(["validate", Self.clusterFixture, "-var", "machines=1", "-no-color"])
        #expect(run.status == 1)
        #expect(run.err.contains("Error: Invalid value for variable"))
        #expect(run.err.contains("A cluster needs at least 2 machines."))
        let environment = await tfy(["validate", Self.clusterFixture], environment: ["TFY_VAR_machines": "x"])
        #expect(environment.status == 1)
        #expect(environment.err.contains("The value given by the environment variable TFY_VAR_machines is not suitable for var.machines"))
    }

    @Test func laterVarFileAndVarWinInCommandLineOrder() async {
        await withTemporary { directory in
            _ = FileManager.default.createFile(atPath: directory + "/main.yml", contents: Data("""
                variable:
                  n: {type: number}
                  bound: {type: number, default: 5}
                locals:
                  check: "${var.n < var.bound ? var.n : 1 / 0}"
                """.utf8))
            _ = FileManager.default.createFile(atPath: directory + "/low.vars", contents: Data("n: 1\n".utf8))
            _ = FileManager.default.createFile(atPath: directory + "/high.vars", contents: Data("n: 9\n".utf8))
            #expect(await tfy(["validate", "-var-file", "high.vars", "-var", "n=2"], in: directory).status == 0)
            #expect(await tfy(["validate", "-var", "n=2", "-var-file", "high.vars"], in: directory).status == 1)
            #expect(await tfy(["validate", "-var-file", "high.vars", "-var-file", "low.vars"], in: directory).status == 0)
        }
    }

    @Test func malformedVarOptionIsAnError() async {
        let run = await tfy(["validate", Self.clusterFixture, "-var", "novalue", "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == """
            Error: Invalid -var option

            The given -var option "novalue" is not correctly specified. It must be a variable name and value separated by an equals sign, like -var="key=value".


            """)
    }

    @Test func missingDirectoryIsAnError() async {
        let run = await tfy(["validate", "nowhere", "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == "Error: Configuration directory not found\n\nThere is no directory at \"nowhere\".\n\n")
    }

    @Test func versionAndUsage() async {
        #expect(await tfy(["version"]).out == "tfy v\(TFYVersion.current)\n")
        #expect(await tfy(["--version"]).out == "tfy v\(TFYVersion.current)\n")
        #expect(await tfy(["-version"]).status == 0)
        let unknown = await tfy(["validat"])
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("validat"))
        let frobnicate = await tfy(["validate", "--frobnicate"])
        #expect(frobnicate.status == 1)
        #expect(frobnicate.err.contains("Unknown option '--frobnicate'"), "\(frobnicate.err)")
        #expect(await tfy(["--help"]).status == 0)
    }

    /// Help is the help of the command asked about, however it is asked for.
    @Test(arguments: [
        (["--help"], "OVERVIEW: Plan and apply EC2 clusters from YAML configuration."),
        (["-h"], "OVERVIEW: Plan and apply EC2 clusters from YAML configuration."),
        (["plan", "--help"], "OVERVIEW: Show what apply would change, and optionally save the plan."),
        (["help", "plan"], "OVERVIEW: Show what apply would change, and optionally save the plan."),
        (["state", "list", "-h"], "OVERVIEW: List every resource instance in the state."),
        (["help", "ssh"], "OVERVIEW: Open a shell on an instance (or run a command), with the stack's key,"),
    ])
    func helpNamesTheCommandAskedAbout(_ arguments: [String], _ overview: String) async {
        let run = await tfy(arguments)
        #expect(run.status == 0)
        #expect(run.out.hasPrefix(overview + "\n"))
    }

    func withTemporary(_ body: (String) async -> Void) async {
        let path = NSTemporaryDirectory() + "tfy-cmd-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        await body(path)
    }
}
