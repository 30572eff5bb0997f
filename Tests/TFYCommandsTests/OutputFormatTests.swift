import Foundation
import Testing
import TFYCommands

/// One view per output format: with -json every command's diagnostics are JSON lines (the shape
/// `apply -json` prints), and without it every command shows the source line an error points at.
@Suite(.timeLimit(.minutes(10)))
struct OutputFormatTests {
    /// A configuration with two mistakes in one resource.
    func withBrokenConfiguration(_ body: (String) async -> Void) async {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfy-views-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: directory + "/cfg", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/cfg/main.yml", contents: Data("""
            resource:
              aws_security_group:
                cluster:
                  nmae: x

            """.utf8))
        await body(directory)
    }

    static let jsonErrors = """
        {"@level":"error","@message":"Error: Missing required argument","diagnostic":{"detail":"The argument \\"name\\" is required, but no definition was found.","summary":"Missing required argument"},"type":"diagnostic"}
        {"@level":"error","@message":"Error: Unsupported argument","diagnostic":{"detail":"An argument named \\"nmae\\" is not expected here.","summary":"Unsupported argument"},"type":"diagnostic"}

        """

    static let humanErrors = """
        Error: Missing required argument

          on cfg/main.yml:3:5 (aws_security_group.cluster):
          3 |     cluster:
            |     ^

        The argument "name" is required, but no definition was found.

        Error: Unsupported argument

          on cfg/main.yml:4:7 (aws_security_group.cluster):
          4 |       nmae: x
            |       ^

        An argument named "nmae" is not expected here.


        """

    @Test(arguments: [["plan", "cfg", "-json", "-lock=false"], ["plan", "cfg", "-format", "json", "-lock=false"], ["output", "-json", "-chdir", "cfg"]])
    func errorsInJSONModeAreJSONLines(_ arguments: [String]) async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(arguments, directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.out == Self.jsonErrors)
            #expect(run.err == "")
        }
    }

    @Test func showJSONPrintsAMissingPlanFileAsAJSONLine() async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(["show", "-json", "nope.tfplan"], directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.out == """
                {"@level":"error","@message":"Error: Failed to read plan file","diagnostic":{"detail":"The plan file \\"nope.tfplan\\" does not exist or cannot be read.","summary":"Failed to read plan file"},"type":"diagnostic"}

                """)
            #expect(run.err == "")
        }
    }

    @Test(arguments: [["state", "list", "-chdir", "cfg"], ["state", "show", "aws_security_group.cluster", "-chdir", "cfg"], ["output", "-chdir", "cfg"]])
    func stateCommandsShowTheSourceLineOfAnError(_ arguments: [String]) async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(arguments, directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.out == "")
            #expect(run.err == Self.humanErrors)
        }
    }

    @Test func planWithoutJSONStillPrintsHumanErrors() async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(["plan", "cfg", "-lock=false", "-no-color"], directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.out == "")
            #expect(run.err == Self.humanErrors)
        }
    }
}
