import Foundation
import Testing
import TFYCore

/// `tfy show` without a plan file shows the state, as `terraform show` does: text, or with
/// -json Terraform's state representation. Pinned by golden files under Snapshots/show.
@Suite(.timeLimit(.minutes(5)))
struct ShowStateTests {
    static let state = PlanGoldenTests.fixtures + "/plan-cases/no-changes/prior.tfstate"
    static let snapshots = CommandTests.testsDirectory + "/Snapshots/show"

    func tfy(_ arguments: [String]) async -> CommandTests.Run {
        await CommandTests().tfy(arguments, in: PlanGoldenTests.configs)
    }

    @Test func showWithoutAPlanPrintsTheStateAsTerraformShowDoes() async {
        let run = await tfy(["show", "-state", Self.state, "-no-color"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err == "")
        #expect(run.out.hasPrefix("# aws_instance.master[0]:\nresource \"aws_instance\" \"master\" {\n"))
        #expect(run.out.hasSuffix("}\n\n\nOutputs:\n\nleader_web_ui = \"http://203.0.113.10:19999\"\nworker_count = 1\n"))
        Snapshot.check(run.out, path: Self.snapshots + "/state.txt", name: "show/state.txt")
    }

    @Test func showJSONPrintsTerraformsStateRepresentation() async throws {
        let run = await tfy(["show", "-json", "-state", Self.state])
        #expect(run.status == 0, "\(run.err)")
        Snapshot.check(run.out, path: Self.snapshots + "/state.json", name: "show/state.json")
        guard case .success(let document) = JSONValue.parse(Array(run.out.utf8)) else { Issue.record("not JSON: \(run.out)"); return }
        #expect(document["format_version"] == .string("1.0"))
        #expect(document["terraform_version"] == document["tfy_version"])
        let resources = try #require(document["values"]?["root_module"]?["resources"]?.arrayValue)
        #expect(resources.map { $0["address"]?.stringValue ?? "" } == ["aws_instance.master[0]", "aws_instance.master[1]", "aws_instance.worker[0]", "aws_security_group.cluster"])
        let master = resources[0]
        #expect(Set(master.objectValue?.keys.map { $0 } ?? []) == ["address", "mode", "type", "name", "index", "provider_name", "schema_version", "values", "sensitive_values", "depends_on"])
        #expect(master["depends_on"] == .array([.string("aws_security_group.cluster")]))
        #expect(master["index"] == .int(0))
        #expect(master["provider_name"] == .string("registry.terraform.io/hashicorp/aws"))
        #expect(resources[3]["depends_on"] == nil)
        #expect(document["values"]?["outputs"]?["worker_count"] == .object(["sensitive": .bool(false), "value": .int(1)]))
    }

    /// A plan's file argument may be a state file, as `terraform show FILE` takes either.
    @Test func aStateFileGivenAsTheArgumentIsShownAsTheState() async {
        let byArgument = await tfy(["show", Self.state, "-no-color"])
        let byOption = await tfy(["show", "-state", Self.state, "-no-color"])
        #expect(byArgument.status == 0, "\(byArgument.err)")
        #expect(byArgument.out == byOption.out)
    }

    @Test func noStateIsSaidAsTerraformSaysIt() async {
        let missing = NSTemporaryDirectory() + "tfy-none-\(UUID().uuidString).tfstate"
        let text = await tfy(["show", "-state", missing, "-no-color"])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out == "No state.\n")
        let json = await tfy(["show", "-json", "-state", missing])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.out == "{\n  \"format_version\": \"1.0\"\n}\n")
    }

    /// A sensitive attribute and output: marked in `sensitive_values`, their digests never shown.
    @Test func sensitiveValuesInTheStateStayRedacted() async throws {
        let directory = NSTemporaryDirectory() + "tfy-show-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try #require(StackKey(bytes: Array(repeating: 7, count: 32)))
        var state = State(lineage: "lineage")
        state.stackKey = key
        state.resources = [StateResource(type: "aws_instance", name: "box", instances: [
            StateInstance(indexKey: nil, attributes: ["id": .string("i-1"), "user_data": .sensitive(.string("hunter2")), "ami": .string("ami-1")]),
        ])]
        state.outputs = ["token": StateOutput(value: .sensitive(.string("hunter2")), sensitive: true)]
        let path = directory + "/s.tfstate"
        try Data(state.encoded()).write(to: URL(fileURLWithPath: path))
        let digest = try #require(String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8)?
            .firstMatch(of: /"hmac-sha256": "([0-9a-f]{64})"/)?.1)
        let json = await tfy(["show", "-json", "-state", path])
        #expect(json.status == 0, "\(json.err)")
        guard case .success(let document) = JSONValue.parse(Array(json.out.utf8)) else { Issue.record("not JSON: \(json.out)"); return }
        let box = try #require(document["values"]?["root_module"]?["resources"]?.arrayValue?.first)
        #expect(box["values"]?["user_data"] == .null)
        #expect(box["sensitive_values"] == .object(["user_data": .bool(true)]))
        #expect(document["values"]?["outputs"]?["token"] == .object(["sensitive": .bool(true)]))
        let text = await tfy(["show", "-state", path, "-no-color"])
        for output in [json.out, text.out] {
            #expect(!output.contains("hunter2"))
            #expect(!output.contains(String(digest)))
        }
        #expect(text.out.contains("    user_data = (sensitive value)\n"), "\(text.out)")
        #expect(text.out.hasSuffix("\nOutputs:\n\ntoken = <sensitive>\n"), "\(text.out)")
    }
}
