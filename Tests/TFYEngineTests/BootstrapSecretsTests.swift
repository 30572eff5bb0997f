import Foundation
import Testing
import TFYTestSupport

extension World {
    /// A world whose configuration is `Fixtures/bootstrap-secrets`, its SENSITIVE_OUTPUT line
    /// replaced by `sensitiveOutput` when given.
    static func bootstrapSecrets(sensitiveOutput: String? = nil) async throws -> World {
        let world = try await World()
        world.stateConfiguration = "secrets"
        try FileManager.default.createDirectory(atPath: world.directory + "/secrets", withIntermediateDirectories: true)
        var text = try String(contentsOfFile: engineFixtures + "/bootstrap-secrets/main.yml", encoding: .utf8)
        if let sensitiveOutput { text = text.replacingOccurrences(of: "# SENSITIVE_OUTPUT", with: "sensitive_output: \(sensitiveOutput)") }
        try ("stack: \(world.stack)\n" + text).write(toFile: world.directory + "/secrets/main.yml", atomically: true, encoding: .utf8)
        return world
    }
}

/// Secrets a bootstrap is given never reach the user through its remote output (text, `-json`
/// events, the failure's error), and uploaded secrets are not readable by other users.
@Suite(.serialized, .timeLimit(.minutes(30))) struct BootstrapSecretsTests {
    static let password = "s3cr3t pa55'w0rd"
    /// Only in the script's text, which it makes sensitive as a whole.
    static let token = "t0k3n-9f8e7d"
    /// Several lines, one indented (matched without its indentation).
    static let certificate = "-----BEGIN TEST CERT-----\nTUlJQ2VkQ0NBV0tn\n  QXdJQkFnSUJBREFO\n-----END TEST CERT-----\n"
    /// A file uploaded from a computed `source`, as the stack's private key is.
    static let key = "KEY-LINE-ONE-abcdef\nKEY-LINE-TWO-123456\n"
    /// What must appear nowhere: the password, the token and every line of the certificate and the key.
    static let secrets = [password, token, "BEGIN TEST CERT", "TUlJQ2VkQ0NBV0tn", "QXdJQkFnSUJBREFO", "END TEST CERT", "KEY-LINE"]

    func variables(_ hosts: Hosts) throws -> [String] {
        let keySource = hosts.world.directory + "/local-key"
        if !FileManager.default.fileExists(atPath: keySource) { try Self.key.write(toFile: keySource, atomically: true, encoding: .utf8) }
        return ["-var", "port=\(hosts.ports[0])", "-var", "key_file=\(hosts.keyFile)", "-var", "root=\(hosts.world.directory)/roots/h0",
                "-var", "user=\(NSUserName())", "-var", "password=\(Self.password)", "-var", "certificate=\(Self.certificate)", "-var", "key_source=\(keySource)", "-var", "token=\(Self.token)"]
    }

    /// The script's output as it may be shown, line by line: `control` is how the line with the
    /// control sequence reads. (The certificate's last line break makes an empty line.)
    func shown(control: String, failing: Bool) -> [String] {
        ["password=(sensitive value)", "certificate:", "(sensitive value)", "(sensitive value)", "  (sensitive value)", "(sensitive value)", "",
         "inline (sensitive value) end", "token (sensitive value) only in the script", "(sensitive value)", "(sensitive value)", control] + (failing ? ["failing with (sensitive value)"] : ["done"])
    }

    /// The remote-exec lines of a text run, without their prefix.
    func remoteLines(_ text: String) -> [String] {
        let prefix = "tfy_bootstrap.secrets (remote-exec): "
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The messages of a `-json` run's events of `type`.
    func events(_ text: String, type: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").compactMap { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }.filter { $0["type"] as? String == type }
    }

    func expectNoSecret(_ run: World.Run, _ what: String) {
        for secret in Self.secrets {
            #expect(!run.out.contains(secret), "\(what): \(secret) on stdout")
            #expect(!run.err.contains(secret), "\(what): \(secret) on stderr")
        }
    }

    @Test func sensitiveValuesAreRedactedInTextJSONAndTheFailuresErrorAndControlCharactersEscaped() async throws {
        let world = try await World.bootstrapSecrets()
        let hosts = try await Hosts(world, count: 1)
        let variables = try self.variables(hosts)
        let text = await world.tfy(["apply", "secrets", "-auto-approve"] + variables)
        #expect(text.status == 0, "\(text.out)\(text.err)")
        expectNoSecret(text, "text")
        // ESC and CR are shown, not obeyed.
        #expect(remoteLines(text.out) == shown(control: "start\\x1b[2Jcleared\\rover", failing: false))
        #expect(!text.out.contains("\u{1B}[2J") && !text.out.contains("\r"))

        // -json: the events carry the exact text (JSON escapes it), redacted all the same.
        let json = await world.tfy(["apply", "secrets", "-auto-approve", "-json", "-replace", "tfy_bootstrap.secrets"] + variables)
        #expect(json.status == 0, "\(json.out)\(json.err)")
        expectNoSecret(json, "-json")
        let messages = try events(json.out, type: "provision_progress").map { $0["@message"] as? String ?? "" }
        #expect(messages == shown(control: "start\u{1B}[2Jcleared\rover", failing: false).map { "tfy_bootstrap.secrets: (remote-exec): " + $0 })
        #expect(json.out.contains(#"start\u001b[2Jcleared\rover"#))

        // A failing script: its error quotes the last lines, redacted (and escaped in text).
        try Data().write(to: URL(fileURLWithPath: world.directory + "/roots/h0/fail"))
        let failed = await world.tfy(["apply", "secrets", "-auto-approve", "-replace", "tfy_bootstrap.secrets"] + variables)
        #expect(failed.status == 1)
        expectNoSecret(failed, "failure")
        let tail = shown(control: "start\\x1b[2Jcleared\\rover", failing: true)
        #expect(failed.err.contains("script on 127.0.0.1 exited with status 5. Last \(tail.count) lines of output:\n" + tail.map { "  " + $0 }.joined(separator: "\n") + "\n"), "\(failed.err)")
        let failedJSON = await world.tfy(["apply", "secrets", "-auto-approve", "-json"] + variables)
        #expect(failedJSON.status == 1)
        expectNoSecret(failedJSON, "-json failure")
        let details = try events(failedJSON.out, type: "diagnostic").compactMap { ($0["diagnostic"] as? [String: Any])?["detail"] as? String }
        let exactTail = shown(control: "start\u{1B}[2Jcleared\rover", failing: true)
        #expect(details.contains { $0.hasSuffix("script on 127.0.0.1 exited with status 5. Last \(exactTail.count) lines of output:\n" + exactTail.map { "  " + $0 }.joined(separator: "\n")) }, "\(details)")
    }

    @Test func suppressedOutputShowsOnlyThatItWasSuppressed() async throws {
        let world = try await World.bootstrapSecrets(sensitiveOutput: "suppress")
        let hosts = try await Hosts(world, count: 1)
        let variables = try self.variables(hosts)
        let suppressed = "(output suppressed due to sensitive value in config)"
        let text = await world.tfy(["apply", "secrets", "-auto-approve"] + variables)
        #expect(text.status == 0, "\(text.out)\(text.err)")
        expectNoSecret(text, "text")
        // As Terraform does: each line of output is replaced.
        #expect(remoteLines(text.out) == Array(repeating: suppressed, count: 13))
        #expect(!text.out.contains("certificate:") && !text.out.contains("done"))

        try Data().write(to: URL(fileURLWithPath: world.directory + "/roots/h0/fail"))
        let failed = await world.tfy(["apply", "secrets", "-auto-approve", "-json", "-replace", "tfy_bootstrap.secrets"] + variables)
        #expect(failed.status == 1)
        expectNoSecret(failed, "-json failure")
        let messages = try events(failed.out, type: "provision_progress").map { $0["@message"] as? String ?? "" }
        #expect(messages == Array(repeating: "tfy_bootstrap.secrets: (remote-exec): " + suppressed, count: 13))
        let details = try events(failed.out, type: "diagnostic").compactMap { ($0["diagnostic"] as? [String: Any])?["detail"] as? String }
        #expect(details.contains { $0.hasSuffix("script on 127.0.0.1 exited with status 5. " + suppressed) }, "\(details)")
        #expect(!failed.out.contains("failing with"))
    }

    /// A sensitive file lands 0600, a mode given is honoured, and a link planted at a name tfy
    /// could write through (the destination, the old fixed temporary name) is left untouched:
    /// the bytes go to a file in a fresh `mktemp -d` directory, whose name no one can know first.
    @Test func aSensitiveFileIsUploaded0600AndPlantedLinksAreLeftAlone() async throws {
        let world = try await World.bootstrapSecrets()
        let hosts = try await Hosts(world, count: 1)
        let variables = try self.variables(hosts)
        let victim = world.directory + "/victim"
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        chmod(victim, 0o644)
        let etc = world.directory + "/roots/h0/etc"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        for name in ["server.pem", "server.pem.tfy-upload"] {
            try FileManager.default.createSymbolicLink(atPath: etc + "/" + name, withDestinationPath: victim)
        }
        let apply = await world.tfy(["apply", "secrets", "-auto-approve"] + variables)
        #expect(apply.status == 0, "\(apply.out)\(apply.err)")
        // The victim is unchanged, content and mode.
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try FileManager.default.attributesOfItem(atPath: victim)[.posixPermissions] as? Int == 0o644)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: etc + "/server.pem.tfy-upload") == victim)
        // The link at the destination was replaced by the file itself.
        let pem = try FileManager.default.attributesOfItem(atPath: etc + "/server.pem")
        #expect(pem[.type] as? FileAttributeType == .typeRegular)
        #expect(pem[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: etc + "/server.pem", encoding: .utf8) == Self.certificate)
        #expect(try FileManager.default.attributesOfItem(atPath: etc + "/public")[.posixPermissions] as? Int == 0o644)
        #expect(try FileManager.default.attributesOfItem(atPath: etc + "/shared")[.posixPermissions] as? Int == 0o640)
        // A file read from a computed source is taken as sensitive.
        #expect(try FileManager.default.attributesOfItem(atPath: etc + "/key")[.posixPermissions] as? Int == 0o600)
        // No temporary directory is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: etc).sorted() == ["key", "public", "server.pem", "server.pem.tfy-upload", "shared"])
    }
}
