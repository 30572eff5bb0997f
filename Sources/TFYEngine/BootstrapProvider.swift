import Foundation
import TFYCore
import TFYState

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
        let target = try target(desired["connection"])
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

    /// The host to reach; a relative key file is found from the working directory.
    func target(_ connection: Value?) throws -> SSHTarget {
        var target = try SSHTarget(connection: connection)
        target.privateKeyFile = target.privateKeyFile.map(context.resolve)
        return target
    }

    /// A file whose `source` was computed: read now, on this machine.
    func read(_ source: String, for destination: String) throws -> [UInt8] {
        let path = context.resolve(source)
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
        let target = try target(prior["connection"])
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
/// beside the state (mode 0600), named after the stack and address, and recorded relative to the
/// working directory; with the S3 backend a copy is kept under `KEY.keys/` so another machine
/// can apply. State holds the path, the public key and the fingerprint (the ID), never the key.
struct SSHKeyProvider: ResourceProvider {
    let context: EngineContext

    /// The file for `address`, and the path recorded in state (relative when under the working directory).
    func path(_ address: ResourceAddress) throws -> (file: String, recorded: String) {
        guard let ssh = context.ssh else { throw EngineError(description: "SSH is not configured for this run") }
        let directory = (ssh.knownHostsFile as NSString).deletingLastPathComponent
        let file = (directory as NSString).appendingPathComponent("\(context.stack).\(Self.name(address)).key")
        let base = context.workingDirectory.hasSuffix("/") ? context.workingDirectory : context.workingDirectory + "/"
        return (file, file.hasPrefix(base) ? String(file.dropFirst(base.count)) : file)
    }

    /// The key's name in file names and in the backend: its address, with only safe characters.
    static func name(_ address: ResourceAddress) -> String {
        address.description.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? String($0) : "." }.joined()
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let (file, recorded) = try path(address)
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
        if let keys = context.keys {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw EngineError(description: "cannot read the new key \(file)") }
            try await keys.putKey(Self.name(address), [UInt8](bytes))
        }
        var attributes = desired
        attributes["id"] = .string(fingerprint)
        attributes["public_key"] = .string(publicKey)
        attributes["private_key_file"] = .string(recorded)
        return attributes
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        prior.merging(desired.filter { !$0.value.isUnknown }) { _, new in new }
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        if let file = prior["private_key_file"]?.stringValue {
            for path in [context.resolve(file), context.resolve(file) + ".pub"] { try? FileManager.default.removeItem(atPath: path) }
        }
        try await context.keys?.deleteKey(Self.name(address))
    }
}

/// The private keys of a state's `tfy_ssh_key` resources, between this machine and the backend:
/// fetched before an apply on a machine that did not make them, and handed to the backend when a
/// state moves there (`tfy state migrate`).
public enum KeyRestorer {
    /// Each key whose file is missing here, fetched to the path the state records. Returns what
    /// was fetched ("ADDRESS: …" lines), and why a key could not be (warnings).
    public static func restore(_ state: State, from keys: any KeyEscrow, workingDirectory: String) async -> (restored: [String], problems: [Diagnostic]) {
        var restored: [String] = []
        var problems: [Diagnostic] = []
        for (address, instance, recorded, file) in keyFiles(state, workingDirectory: workingDirectory) {
            guard !FileManager.default.fileExists(atPath: file) else { continue }
            let name = SSHKeyProvider.name(address)
            do {
                guard let bytes = try await keys.key(name) else {
                    problems.append(.warning("Private key not found", detail: "\(address)'s private key is neither at \(recorded) on this machine nor in \(keys.keysLocation)\(name). A bootstrap that uploads it will fail; tfy apply -replace \(address) makes a new key.", address: address.description))
                    continue
                }
                let directory = (file as NSString).deletingLastPathComponent
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                // Written as the state is: created 0600 beside its place and renamed into it, so
                // the key is never readable by others, not even for a moment.
                do {
                    try LocalStateStore.atomicWrite(bytes, to: file)
                } catch {
                    problems.append(.warning("Private key not restored", detail: "\(address)'s private key could not be written: \(error.message).", address: address.description))
                    continue
                }
                if let publicKey = instance.attributes["public_key"]?.stringValue {
                    FileManager.default.createFile(atPath: file + ".pub", contents: Data((publicKey + "\n").utf8), attributes: [.posixPermissions: 0o644])
                }
                restored.append("\(address): private key fetched from \(keys.keysLocation)\(name) to \(recorded)")
            } catch {
                problems.append(.warning("Private key not restored", detail: "\(address)'s private key could not be fetched: \(error). A bootstrap that uploads it will fail.", address: address.description))
            }
        }
        return (restored, problems)
    }

    /// Each key file present here, handed to the backend. Returns what was kept, and warnings.
    public static func escrow(_ state: State, to keys: any KeyEscrow, workingDirectory: String) async -> (kept: [String], problems: [Diagnostic]) {
        var kept: [String] = []
        var problems: [Diagnostic] = []
        for (address, _, recorded, file) in keyFiles(state, workingDirectory: workingDirectory) {
            let name = SSHKeyProvider.name(address)
            guard let bytes = FileManager.default.contents(atPath: file) else {
                problems.append(.warning("Private key not moved", detail: "\(address)'s private key is not at \(recorded) on this machine, so other machines cannot fetch it from \(keys.keysLocation)\(name). Move the state from the machine that has it, or make a new key: tfy apply -replace \(address).", address: address.description))
                continue
            }
            do {
                try await keys.putKey(name, [UInt8](bytes))
                kept.append("\(address): private key kept in \(keys.keysLocation)\(name)")
            } catch {
                problems.append(.warning("Private key not moved", detail: "\(address)'s private key could not be written to the backend: \(error).", address: address.description))
            }
        }
        return (kept, problems)
    }

    /// The state's key resources with the path recorded and the file it means here. Paths
    /// recorded as absolute come from an older tfy, on some machine: they are left alone.
    static func keyFiles(_ state: State, workingDirectory: String) -> [(ResourceAddress, StateInstance, String, String)] {
        state.instances.compactMap { address, instance in
            guard address.type == "tfy_ssh_key", let recorded = instance.attributes["private_key_file"]?.stringValue, !recorded.hasPrefix("/") else { return nil }
            return (address, instance, recorded, (workingDirectory as NSString).appendingPathComponent(recorded))
        }
    }
}

extension EngineContext {
    /// `path` as the apply reads it: relative paths from the working directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
    }
}
