import Foundation
import TFYCore

/// `tfy_bootstrap`: files uploaded and scripts run over SSH once the host answers.
///
/// Creating the resource is running the bootstrap. Once the host answers, the resource is
/// recorded (tainted until the last script succeeds), so a failed run is re-run by the next
/// apply and what depends on it is skipped. Updating changes nothing remote: what re-runs a
/// bootstrap is a change of its `triggers`, which forces a replacement.
struct BootstrapProvider: ResourceProvider {
    let context: EngineContext
    /// Receives every line of remote output, for the progress display.
    let output: @Sendable (ResourceAddress, String) -> Void

    var ssh: SSHClient {
        get throws {
            guard let ssh = context.ssh else { throw EngineError(description: "SSH is not configured for this run") }
            return ssh
        }
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let target = try SSHTarget(connection: desired["connection"])
        if let key = target.privateKeyFile { try SSHClient.checkKey(key) }
        let environment = try Self.environment(desired["environment"])
        let ssh = try self.ssh
        try await ssh.waitUntilReachable(target)
        var attributes = desired
        attributes["id"] = .string(String(SHA256.hex(Array("\(record.token)\u{0}bootstrap".utf8)).prefix(16)))
        try await record.created(attributes)
        for file in desired["files"]?.deepUnmarked.listValue ?? [] {
            let entry = file.mapValue ?? [:]
            guard let destination = entry["destination"]?.stringValue else { continue }
            let content = try entry["source"]?.stringValue.map { try read($0, for: destination) } ?? Array((entry["content"]?.stringValue ?? "").utf8)
            try await ssh.upload(target, content: content, destination: destination, mode: entry["mode"]?.stringValue)
        }
        try await run(desired["scripts"], on: target, environment: environment, address: address, what: "script")
        return attributes
    }

    /// A file whose `source` was computed: read now, on this machine.
    func read(_ source: String, for destination: String) throws -> [UInt8] {
        let path = source.hasPrefix("/") ? source : (context.directory as NSString).appendingPathComponent(source)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(description: "cannot read \(path), the file to upload to \(destination): it does not exist on this machine or is not readable. A source computed from other values (such as a tfy_ssh_key's private_key_file) is read when it is uploaded, on the machine that applies")
        }
        return [UInt8](data)
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        var attributes = desired
        attributes["id"] = prior["id"]
        return attributes
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        let scripts = prior["destroy_scripts"]?.deepUnmarked.listValue ?? []
        guard !scripts.isEmpty else { return }
        let target = try SSHTarget(connection: prior["connection"])
        if let key = target.privateKeyFile { try SSHClient.checkKey(key) }
        let ssh = try self.ssh
        try await ssh.waitUntilReachable(target)
        try await run(prior["destroy_scripts"], on: target, environment: try Self.environment(prior["environment"]), address: address, what: "destroy script")
    }

    /// A bootstrap that failed part-way is not cleaned up by its destroy scripts: they undo a
    /// bootstrap that ran, and this one did not (Terraform skips the destroy-time provisioners of
    /// tainted resources the same way).
    func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws {}

    /// Runs each script in a session of its own, in order; the first failure stops the run.
    func run(_ scripts: Value?, on target: SSHTarget, environment: [String: String], address: ResourceAddress, what: String) async throws {
        let list = (scripts?.deepUnmarked.listValue ?? []).compactMap(\.stringValue)
        let ssh = try self.ssh
        for (index, script) in list.enumerated() {
            let result = try await ssh.runScript(target, script: script, environment: environment) { line in output(address, line) }
            guard result.status != 0 else { continue }
            try await ssh.checkHostKey(target, output: result.tail)
            let which = list.count == 1 ? what : "\(what) \(index + 1) of \(list.count)"
            let status = result.status == 255 ? "ssh failed (exit status 255)" : "exited with status \(result.status)"
            throw EngineError(description: "\(which) on \(target.host) \(status). Last \(result.tail.count) lines of output:\n" + result.tail.map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// The environment to export, every name checked: a name is never quoted, so it must be one
    /// the shell accepts as is.
    static func environment(_ value: Value?) throws -> [String: String] {
        var environment: [String: String] = [:]
        for (name, value) in value?.deepUnmarked.mapValue ?? [:] {
            guard Shell.isValidName(name) else {
                throw EngineError(description: "environment variable name \(Value.quoted(name)) is not valid: use letters, digits and underscores, not starting with a digit")
            }
            environment[name] = value.stringValue ?? ""
        }
        return environment
    }
}

/// `tfy_ssh_key`: a key pair generated with ssh-keygen for one cluster. The private key is a file
/// beside the state (mode 0600), named after the stack and address; state holds its path, the
/// public key and the fingerprint (the ID).
struct SSHKeyProvider: ResourceProvider {
    let context: EngineContext

    func path(_ address: ResourceAddress) throws -> String {
        guard let ssh = context.ssh else { throw EngineError(description: "SSH is not configured for this run") }
        let directory = (ssh.knownHostsFile as NSString).deletingLastPathComponent
        let name = address.description.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? String($0) : "." }.joined()
        return (directory as NSString).appendingPathComponent("\(context.stack).\(name).key")
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let file = try path(address)
        let algorithm = desired["algorithm"]?.stringValue ?? "ed25519"
        guard ["ed25519", "rsa", "ecdsa"].contains(algorithm) else {
            throw EngineError(description: "algorithm \(Value.quoted(algorithm)) is not one of \"ed25519\", \"rsa\", \"ecdsa\"")
        }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for old in [file, file + ".pub"] { try? FileManager.default.removeItem(atPath: old) }
        let keygen = SSHClient.find("ssh-keygen") ?? "/usr/bin/ssh-keygen"
        let made = try await ChildProcess.run(keygen, ["-q", "-t", algorithm] + (algorithm == "rsa" ? ["-b", "4096"] : []) + ["-N", "", "-C", desired["comment"]?.stringValue ?? "", "-f", file])
        guard made.status == 0 else { throw EngineError(description: "ssh-keygen failed: \(made.tail.joined(separator: " "))") }
        let publicKey = try String(contentsOfFile: file + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try await ChildProcess.run(keygen, ["-l", "-f", file + ".pub"])
        let fingerprint = listed.tail.first?.split(separator: " ").first { $0.hasPrefix("SHA256:") }.map(String.init) ?? publicKey
        var attributes = desired
        attributes["id"] = .string(fingerprint)
        attributes["public_key"] = .string(publicKey)
        attributes["private_key_file"] = .string(file)
        return attributes
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        prior.merging(desired.filter { !$0.value.isUnknown }) { _, new in new }
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let file = prior["private_key_file"]?.stringValue else { return }
        for path in [file, file + ".pub"] { try? FileManager.default.removeItem(atPath: path) }
    }
}
