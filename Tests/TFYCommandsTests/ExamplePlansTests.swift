import Foundation
import Testing
import TFYCommands

/// `plans/` holds the rendered first-create plan of every configuration under `examples/`, so a
/// change to plan output shows up in review as a diff of those files. `RECORD_SNAPSHOTS=1`
/// re-renders them.
@Suite(.timeLimit(.minutes(30)))
struct ExamplePlansTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let examples: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/examples")) ?? [])
        .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: root + "/examples/" + $0, isDirectory: &d) && d.boolValue }
        .sorted()

    @Test func everyExampleHasRenderedPlans() async {
        #expect(!Self.examples.isEmpty)
    }

    @Test(arguments: examples)
    func renderedPlansAreUpToDate(_ name: String) async {
        let tests = CommandTests()
        let base = ["plan", "examples/\(name)", "-refresh=false", "-lock=false", "-state", "/nonexistent/none.tfstate"]
        let text = await tests.tfy(base + ["-no-color"], in: Self.root)
        let json = await tests.tfy(base + ["-format", "json"], in: Self.root)
        #expect(text.status == 0, "\(text.err)")
        for (file, actual) in [("\(name).txt", text.out), ("\(name).json", PlanTimestamp.pinned(json.out))] {
            Snapshot.check(actual, path: "\(Self.root)/plans/\(file)", name: "plans/\(file)")
        }
    }
}
