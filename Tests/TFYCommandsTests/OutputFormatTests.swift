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

    @Test(arguments: [["plan", "cfg", "-format", "json", "-lock=false"], ["output", "-json", "-chdir", "cfg"]])
    func errorsInJSONModeAreJSONLines(_ arguments: [String]) async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(arguments, directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.out == Self.jsonErrors)
            #expect(run.err == "")
        }
    }

    /// `plan -json` is Terraform's stream: its version message, then each error as a
    /// `diagnostic` message with the range and source line it points at.
    @Test func planJSONStreamShowsErrorsAsLocatedDiagnostics() async {
        await withBrokenConfiguration { directory in
            let run = await TFYCommandLine.capture(["plan", "cfg", "-json", "-lock=false"], directory: directory, environment: [:])
            #expect(run.status == 1)
            #expect(run.err == "")
            let stamped = run.out.replacingOccurrences(of: #""@timestamp":"[^"]*""#, with: #""@timestamp":"T""#, options: .regularExpression)
            #expect(stamped == """
                {"@level":"info","@message":"tfy 0.1.0","@module":"tfy.ui","@timestamp":"T","terraform":"0.1.0","tfy":"0.1.0","type":"version","ui":"1.2"}
                {"@level":"error","@message":"Error: Missing required argument","@module":"tfy.ui","@timestamp":"T","diagnostic":{"address":"aws_security_group.cluster","detail":"The argument \\"name\\" is required, but no definition was found.","range":{"end":{"byte":37,"column":6,"line":3},"filename":"cfg/main.yml","start":{"byte":36,"column":5,"line":3}},"severity":"error","snippet":{"code":"    cluster:","context":null,"highlight_end_offset":5,"highlight_start_offset":4,"start_line":3,"values":[]},"summary":"Missing required argument"},"type":"diagnostic"}
                {"@level":"error","@message":"Error: Unsupported argument","@module":"tfy.ui","@timestamp":"T","diagnostic":{"address":"aws_security_group.cluster","detail":"An argument named \\"nmae\\" is not expected here.","range":{"end":{"byte":52,"column":8,"line":4},"filename":"cfg/main.yml","start":{"byte":51,"column":7,"line":4}},"severity":"error","snippet":{"code":"      nmae: x","context":null,"highlight_end_offset":7,"highlight_start_offset":6,"start_line":4,"values":[]},"summary":"Unsupported argument"},"type":"diagnostic"}

                """)
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
