import Foundation
import Testing
import TFYCommands
import TFYTestSupport

/// `plans/` holds the rendered first-create plan of every configuration under `examples/`, so a
/// change to plan output shows up in review as a diff of those files. `RECORD_SNAPSHOTS=1`
/// re-renders them. The plans are made against a moto of their own, where the examples' data
/// sources (the Tachyon example's image, default VPC and subnet) are read; the IDs moto draws at
/// random are numbered placeholders in the files (`StateNormaliser`).
@Suite(.timeLimit(.minutes(30)))
struct ExamplePlansTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let examples: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/examples")) ?? [])
        .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: root + "/examples/" + $0, isDirectory: &d) && d.boolValue }
        .sorted()

    @Test func everyExampleHasRenderedPlans() async {
        #expect(!Self.examples.isEmpty)
    }

    /// The plan as the files hold it: moto's random IDs numbered, and the creation date moto gives
    /// its stand-in Amazon Linux images (the time it started) a placeholder.
    static func normalise(_ plan: String) -> String {
        StateNormaliser.normalise(plan).replacingOccurrences(of: #""creation_date": "[0-9T:.-]+Z""#, with: #""creation_date": "<when moto started>""#,
                                                             options: .regularExpression)
    }

    @Test(arguments: examples)
    func renderedPlansAreUpToDate(_ name: String) async {
        let tests = CommandTests()
        let moto: HelperProcess
        do { moto = try await HelperProcess(script: "moto_helper.py") } catch { Issue.record("\(error)"); return }
        defer { moto.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example-secret", "AWS_REGION": "us-east-1",
                           "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:\(moto.port)"]
        let base = ["plan", "examples/\(name)", "-refresh=false", "-lock=false", "-state", "/nonexistent/none.tfstate"]
        let text = await tests.tfy(base + ["-no-color"], in: Self.root, environment: environment)
        let json = await tests.tfy(base + ["-format", "json"], in: Self.root, environment: environment)
        #expect(text.status == 0, "\(text.err)")
        for (file, actual) in [("\(name).txt", Self.normalise(text.out)), ("\(name).json", Self.normalise(PlanTimestamp.pinned(json.out)))] {
            Snapshot.check(actual, path: "\(Self.root)/plans/\(file)", name: "plans/\(file)")
        }
    }
}
