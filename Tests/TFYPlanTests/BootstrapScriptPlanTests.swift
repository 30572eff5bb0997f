import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan

/// What a bootstrap's script files mean to a plan: their text is digested into the default
/// `triggers` as the same text in `inline` or in an older `scripts` was, so moving text into a
/// file (or a state written when `scripts` held text) is an update in place, not a re-run.
@Suite(.timeLimit(.minutes(10)))
struct BootstrapScriptPlanTests {
    static let text = "#!/bin/bash\necho one\n"

    /// The digest tfy has always kept for a bootstrap whose `scripts` held `texts`.
    static func digest(_ value: Value) -> Value {
        .string("sha256:" + SHA256.hex(Array(JSONText.encode(value).utf8)))
    }

    /// The state entry a tfy before remote-exec's vocabulary wrote for `scripts: [text]`.
    static var stateWithScriptText: State {
        var state = State(lineage: "l")
        let connection = Value.map([
            "host": .string("h"), "port": .number(22), "user": .string("ec2-user"), "timeout": .string("5m"),
            "private_key_file": .null, "bastion_host": .null, "bastion_port": .null, "bastion_user": .null,
        ])
        let triggers = Value.map(["scripts": digest(.list([.string(text)])), "files": digest(.null), "environment": digest(.null)])
        state.resources = [StateResource(type: "tfy_bootstrap", name: "b", instances: [StateInstance(indexKey: nil, attributes: [
            "connection": connection, "scripts": .list([.string(text)]), "triggers": triggers, "id": .string("b1"),
        ])])]
        return state
    }

    func plan(_ body: String, prior: State? = nil) throws -> PlannedChange {
        let directory = NSTemporaryDirectory() + "tfy-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/scripts", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "resource:\n  tfy_bootstrap:\n    b:\n      connection: {host: h}\n\(body)".write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        try Self.text.write(toFile: directory + "/scripts/one.sh", atomically: true, encoding: .utf8)
        let (loaded, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: directory)
        #expect(loadDiagnostics.errors.isEmpty, "\(loadDiagnostics.errors)")
        let configuration = try #require(loaded)
        let (plan, diagnostics) = Planner.plan(PlanRequest(configuration: configuration, variables: [:], prior: prior, options: PlanOptions(), files: FileReader(currentDirectory: directory)))
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.errors)")
        return try #require(plan?.changes.first)
    }

    @Test func scriptFilesAreDigestedAsTheTextTheyHold() throws {
        let expected = Self.digest(.list([.string(Self.text)]))
        for body in ["      script: scripts/one.sh\n", "      scripts: [scripts/one.sh]\n", "      inline: ['${file(\"scripts/one.sh\")}']\n"] {
            let change = try plan(body)
            #expect(change.after?.mapValue?["triggers"]?.mapValue?["scripts"] == expected, "\(body)")
        }
        // Two files run as two sessions: the digest is of both texts, in order.
        let two = try plan("      scripts: [scripts/one.sh, scripts/one.sh]\n")
        #expect(two.after?.mapValue?["triggers"]?.mapValue?["scripts"] == Self.digest(.list([.string(Self.text), .string(Self.text)])))
    }

    /// A state written when `scripts` held the text plans an update in place once that text
    /// moves to a file or to `inline`: nothing runs again.
    @Test func aStateWithScriptTextPlansAnUpdateInPlace() throws {
        for (body, moved) in [("      script: scripts/one.sh\n", "script"), ("      inline: ['${file(\"scripts/one.sh\")}']\n", "inline")] {
            let change = try plan(body, prior: Self.stateWithScriptText)
            #expect(change.action == .update, "\(body)")
            #expect(change.before?.mapValue?["triggers"] == change.after?.mapValue?["triggers"])
            #expect(change.after?.mapValue?["scripts"] == .null)
            #expect(change.after?.mapValue?[moved]?.isNull == false)
        }
        // The same text at `scripts` (now a file's) is an update of that attribute alone.
        let same = try plan("      scripts: [scripts/one.sh]\n", prior: Self.stateWithScriptText)
        #expect(same.action == .update)
        #expect(same.after?.mapValue?["scripts"] == .list([.map(["path": .string("scripts/one.sh"), "content": .string(Self.text)])]))
    }
}
