import Foundation
import TFYCore
import TFYState

/// `tfy_ssh_key`: a key pair generated with ssh-keygen for one cluster. The private key is a file
/// beside the state (mode 0600), named after the stack and address, and recorded relative to the
/// working directory; with the S3 backend a copy is kept under `KEY.keys/` so another machine
/// can apply. State holds the path, the public key and the fingerprint (the ID), never the key.
struct SSHKeyResource: ManagedResourceType {
    static let name = "tfy_ssh_key"

    static let schema = ResourceSchema(type: name, body: ObjectSchema([
        "algorithm": Attribute(.string, .optional, forcesReplacement: true, default: .string("ed25519")),
        "comment": Attribute(.string, .optional, forcesReplacement: true, default: .string("")),
        "id": Attribute(.string, .computed),
        "public_key": Attribute(.string, .computed),
        "private_key_file": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        SSHKeyProvider(context: context)
    }
}

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
            guard address.type == SSHKeyResource.name, let recorded = instance.attributes["private_key_file"]?.stringValue, !recorded.hasPrefix("/") else { return nil }
            return (address, instance, recorded, (workingDirectory as NSString).appendingPathComponent(recorded))
        }
    }
}
