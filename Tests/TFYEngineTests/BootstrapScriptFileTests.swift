import Foundation
import Testing
import TFYAWS
import TFYCore
@testable import TFYEngine

/// A bootstrap's script file is read when the plan is made. A saved plan is applied only with
/// the text it showed: a file edited since makes the plan stale, before anything connects.
@Suite(.timeLimit(.minutes(30))) struct BootstrapScriptFileTests {
    @Test func aSavedPlanIsStaleOnceItsScriptFileChanges() async throws {
        let world = try await World()
        world.stateConfiguration = "boot"
        try FileManager.default.createDirectory(atPath: world.directory + "/boot", withIntermediateDirectories: true)
        try """
            stack: \(world.stack)
            provider:
              aws: {region: us-east-1}
            resource:
              tfy_bootstrap:
                b:
                  connection: {host: 127.0.0.1, port: 1, timeout: 1s}
                  script: setup.sh

            """.write(toFile: world.directory + "/boot/main.yml", atomically: true, encoding: .utf8)
        try "echo one\n".write(toFile: world.directory + "/boot/setup.sh", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "boot", "-out", "boot.tfplan", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("      + script     = \"setup.sh\" (9 bytes, sha256:0cb42bbd)\n"), "\(plan.out)")

        try "echo two\n".write(toFile: world.directory + "/boot/setup.sh", atomically: true, encoding: .utf8)
        let stale = await world.tfy(["apply", "boot.tfplan", "-no-color"])
        #expect(stale.status == 1)
        #expect(stale.err.contains("Error: Saved plan is stale"), "\(stale.err)")
        #expect(stale.err.contains("a file the configuration reads changed"), "\(stale.err)")
        #expect(!stale.out.contains("Creating..."), "\(stale.out)")
    }

    /// What runs, session by session: `inline` joined into one script, one session per file,
    /// and an older state's `destroy_scripts` text run as the text it is.
    @Test func sessionsAreInlineJoinedOrOnePerFile() {
        typealias Session = BootstrapProvider.Session
        #expect(BootstrapProvider.sessions(["inline": .list([.string("cd /tmp"), .string("ls")])], inline: "inline", script: "script", scripts: "scripts")
            == [Session(path: nil, text: "cd /tmp\nls\n")])
        let file = Value.map(["path": .string("a.sh"), "content": .string("echo a\n")])
        #expect(BootstrapProvider.sessions(["script": file, "inline": .null], inline: "inline", script: "script", scripts: "scripts")
            == [Session(path: "a.sh", text: "echo a\n")])
        #expect(BootstrapProvider.sessions(["scripts": .list([file, file])], inline: "inline", script: "script", scripts: "scripts").count == 2)
        let old: [String: Value] = ["destroy_scripts": .list([.string("echo bye\n")])]
        #expect(BootstrapProvider.sessions(old, inline: "destroy_inline", script: "destroy_script", scripts: "destroy_scripts")
            == [Session(path: nil, text: "echo bye\n")])
        #expect(BootstrapProvider.sessions(["inline": .list([])], inline: "inline", script: "script", scripts: "scripts").isEmpty)
    }
    /// A destroy command built from a secret is in the state only as the secret's digest, so it
    /// cannot run: the destroy stops with an error that says so, before connecting, rather than
    /// running the other commands without it (or nothing) and destroying as if it had run.
    @Test func aDestroyCommandThatHeldASecretIsRefusedNotSkipped() async throws {
        let key = try #require(StackKey(bytes: Array(repeating: 7, count: 32)))
        let engine = EngineContext(ec2: EC2Client(configuration: AWSConfiguration(credentials: AWSCredentials(accessKeyId: "", secretAccessKey: ""), region: "", endpoint: "")),
                                   region: "", stack: "boot")
        let provider = BootstrapProvider(context: engine, output: { _, _ in })
        let prior: [String: Value] = [
            "connection": .map(["host": .string("127.0.0.1"), "port": .number(1)]),
            "destroy_inline": .list([SensitiveDigest.of(.string("deregister --token hunter2"), key: key), .string("shutdown -h now")]),
            "id": .string("b1"),
        ]
        let address = ResourceAddress(type: "tfy_bootstrap", name: "b", index: nil)
        var message = ""
        do { try await provider.delete(address, prior: prior) } catch { message = "\(error)" }
        #expect(message == "destroy_inline of tfy_bootstrap.b holds a sensitive value, which the state keeps only as a digest, so it cannot be run before the bootstrap is destroyed. Apply a configuration whose destroy_inline uses no sensitive value, then destroy.")
    }
}
