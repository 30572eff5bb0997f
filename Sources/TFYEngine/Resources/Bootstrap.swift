import Foundation
import TFYConfig
import TFYCore

/// `tfy_bootstrap`: files uploaded and scripts run over SSH once the host answers.
///
/// Creating the resource is running the bootstrap. Once the host answers, the resource is
/// recorded (tainted until the last script succeeds), so a failed run is re-run by the next
/// apply and what depends on it is skipped. Updating changes nothing remote: what re-runs a
/// bootstrap is a change of its `triggers`, which forces a replacement.
struct BootstrapResource: ManagedResourceType {
    /// A TCP port. 0 is accepted: a `bastion_port` of 0 beside an empty `bastion_host` is a way
    /// to say "no bastion" (ssh itself refuses to connect to port 0).
    static let port = NumberRange(0...65535)

    /// The longest `timeout`, in hours: a day, beyond which a host that has not answered never will.
    static let longestTimeout = 24

    static let connection = ObjectSchema([
        "host": Attribute(.string, .required),
        "port": Attribute(.number, .optional, default: .number(22), check: .wholeNumber(port)),
        "user": Attribute(.string, .optional, default: .string("ec2-user")),
        "private_key_file": Attribute(.string, .optional),
        "timeout": Attribute(.string, .optional, default: .string("5m"), check: .duration(maximumHours: longestTimeout)),
        "bastion_host": Attribute(.string, .optional),
        "bastion_port": Attribute(.number, .optional, check: .wholeNumber(port)),
        "bastion_user": Attribute(.string, .optional),
    ])

    static let schema = ResourceSchema(type: "tfy_bootstrap", body: ObjectSchema([
        "connection": Attribute(.object(connection), .required),
        // Literal sources are read when the configuration loads, so the plan knows (and the
        // default triggers cover) what will be uploaded.
        "files": Attribute(.objectList(.uploadedFile), .optional, readsSourcesAtLoad: true),
        "environment": Attribute(.stringMap, .optional),
        // What runs, in remote-exec's vocabulary: `inline` commands in one session, or the
        // local script at `script`, or those at `scripts` (each in a session of its own).
        "inline": Attribute(.stringList, .optional),
        "script": Attribute(.object(.scriptFile), .optional, readsScriptPaths: true),
        "scripts": Attribute(.objectList(.scriptFile), .optional, readsScriptPaths: true),
        // What runs before it is destroyed, the same way (at most one of the three).
        "destroy_inline": Attribute(.stringList, .optional),
        "destroy_script": Attribute(.object(.scriptFile), .optional, readsScriptPaths: true),
        "destroy_scripts": Attribute(.objectList(.scriptFile), .optional, readsScriptPaths: true),
        // Left out: "redact". No default value, so states written before it existed still match.
        "sensitive_output": Attribute(.string, .optional, check: .oneOf(["redact", "suppress"])),
        "instance_id": Attribute(.string, .optional),
        "triggers": Attribute(.stringMap, .optionalComputed, forcesReplacement: true),
        "id": Attribute(.string, .computed),
    ], check: .each([
        .exactlyOneOf(["inline", "script", "scripts"], summary: "Invalid tfy_bootstrap configuration"),
        .atMostOneOf(["destroy_inline", "destroy_script", "destroy_scripts"], summary: "Invalid tfy_bootstrap configuration"),
    ])))

    var schema: ResourceSchema { Self.schema }

    var sshRole: SSHRole? { .connection }

    var derivedAttributeNames: Set<String> { ["triggers"] }

    /// A bootstrap re-runs when what it does changes: by default its triggers are digests of its
    /// scripts, its files (their contents included), its environment and the instance it runs
    /// on. A digest whose input is not known yet (an instance still to be created) is unknown, so
    /// the plan shows the bootstrap will run again.
    ///
    /// The `scripts` digest is of what runs, whichever attribute holds it: the `inline` list, or
    /// the text of each script file (not its path: a renamed file re-runs nothing). A state
    /// written when `scripts` held the text has the same digest for the same text, so moving
    /// that text to `inline` or to a file is an update in place, not a re-run.
    func derivedValue(_ name: String, configured attributes: [String: Value]) -> Value {
        guard name == "triggers" else { return .null }
        var triggers: [String: Value] = [:]
        var inputs = attributes
        inputs["scripts"] = Self.scriptsRun(attributes, inline: "inline", script: "script", scripts: "scripts")
        for name in ["scripts", "files", "environment", "instance_id"] {
            let value = inputs[name] ?? .null
            if name == "instance_id", value.isNull { continue }
            // A digest of a secret is kept as secret as the secret (a weak one could be guessed).
            triggers[name] = value.isWhollyKnown ? Value.string("sha256:" + SHA256.hex(Array(JSONText.encode(value.deepUnmarked).utf8))).marked(value.containsSensitive) : .unknown
        }
        return .map(triggers)
    }

    /// What a bootstrap runs, as a value: the `inline` list as written, else the text of each
    /// script file (an entry of an older state's `scripts` is its text already). Unknown while
    /// a computed path is.
    static func scriptsRun(_ attributes: [String: Value], inline: String, script: String, scripts: String) -> Value {
        if let commands = attributes[inline], !commands.isNull { return commands }
        let (files, listSensitive): (Value, Bool) = {
            if let one = attributes[script], !one.isNull { return (.list([one]), false) }
            return (attributes[scripts] ?? .null).unmarked
        }()
        guard case .list(let entries) = files else { return files.isNull ? .null : .unknown }
        var texts: [Value] = []
        for entry in entries {
            let (object, sensitive) = entry.unmarked
            switch object {
            case .map(let fields): texts.append((fields["content"] ?? .unknown).marked(sensitive))
            case .string: texts.append(entry)
            default: texts.append(.unknown)
            }
        }
        return Value.list(texts).marked(listSensitive)
    }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        BootstrapProvider(context: context, output: output)
    }

    /// A bootstrap runs commands over SSH, as Terraform's `remote-exec` provisioner does.
    var provisioner: String? { "remote-exec" }
}

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
        let uploads = try Upload.all(desired["files"]).map { upload in
            (upload, try upload.source.map { try read($0, for: upload.destination) } ?? .bytes(Array(upload.content.utf8)))
        }
        // A file read from a computed source (the stack's private key) is as secret as content.
        // (One too large to read whole, an archive, is streamed and not looked for in output.)
        let sourceTexts = uploads.compactMap { upload, content -> String? in
            guard upload.source != nil, case .bytes(let bytes) = content else { return nil }
            return String(validating: bytes, as: UTF8.self)
        }
        let shown = output(for: desired, alsoSensitive: sourceTexts)
        for (upload, content) in uploads {
            do {
                try await ssh.upload(target, content: content, destination: upload.destination, mode: upload.mode)
            } catch let error as SSHError {
                throw SSHError(description: shown.redact(error.description))
            }
        }
        try await run(Self.sessions(desired, inline: "inline", script: "script", scripts: "scripts"), on: target, environment: environment, address: address, what: "script", shown: shown)
        return attributes
    }

    /// The host to reach; a relative key file is found from the working directory.
    func target(_ connection: Value?) throws -> SSHTarget {
        var target = try SSHTarget(connection: connection)
        target.privateKeyFile = target.privateKeyFile.map(context.resolve)
        return target
    }

    /// A file whose `source` was computed: read now, on this machine. A regular file larger than
    /// tfy reads into memory (16 MiB), such as a software archive, is streamed from the file.
    func read(_ source: String, for destination: String) throws -> UploadContent {
        let path = context.resolve(source)
        switch FileReader().read(path, relativeTo: "/") {
        case .success(let bytes):
            return .bytes(bytes)
        case .failure(.notRegularFile(let kind)):
            throw EngineError(description: "cannot upload \(path) to \(destination): it is \(kind), not a regular file")
        case .failure(.tooLarge):
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw EngineError(description: "cannot read \(path), the file to upload to \(destination): it changed while it was read")
            }
            return .file(path: path, size: Int(info.st_size))
        case .failure(.missing), .failure(.unreadable):
            throw EngineError(description: "cannot read \(path), the file to upload to \(destination): it does not exist on this machine or is not readable. A source computed from other values (such as a tfy_ssh_key's private_key_file) is read when it is uploaded, on the machine that applies")
        }
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        var attributes = desired
        attributes["id"] = prior["id"]
        return attributes
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        // What runs comes from the state, where a secret is only its digest: a command or script
        // built from one cannot be run, and running the rest without it would not be what was planned.
        for name in ["destroy_inline", "destroy_script", "destroy_scripts"] where Self.holdsDigest(prior[name] ?? .null) {
            throw EngineError(description: "\(name) of \(address) holds a sensitive value, which the state keeps only as a digest, so it cannot be run before the bootstrap is destroyed. Apply a configuration whose \(name) uses no sensitive value, then destroy.")
        }
        let sessions = Self.sessions(prior, inline: "destroy_inline", script: "destroy_script", scripts: "destroy_scripts")
        guard !sessions.isEmpty else { return }
        let target = try target(prior["connection"])
        if let key = target.privateKeyFile { try SSHClient.checkKey(key) }
        let ssh = try self.ssh
        try await ssh.waitUntilReachable(target)
        try await run(sessions, on: target, environment: try Self.environment(prior["environment"]), address: address, what: "destroy script", shown: output(for: prior))
    }

    /// True when a secret's digest (what the state keeps of it) is anywhere in `value`.
    static func holdsDigest(_ value: Value) -> Bool {
        if SensitiveDigest.isDigest(value) { return true }
        switch value {
        case .sensitive(let inner): return holdsDigest(inner)
        case .list(let items): return items.contains(where: holdsDigest)
        case .map(let entries): return entries.values.contains(where: holdsDigest)
        default: return false
        }
    }

    /// One SSH session's script: its text, and the path it was read from (nil: inline commands,
    /// or text an older state kept).
    struct Session: Equatable {
        var path: String?
        var text: String
    }

    /// The sessions that run, in order: `inline`'s commands joined into one script, as
    /// remote-exec runs them; else one session per script file.
    static func sessions(_ attributes: [String: Value], inline: String, script: String, scripts: String) -> [Session] {
        if let commands = attributes[inline]?.deepUnmarked.listValue {
            return commands.isEmpty ? [] : [Session(path: nil, text: commands.compactMap(\.stringValue).map { $0 + "\n" }.joined())]
        }
        let files = attributes[script].flatMap { $0.isNull ? nil : [$0.deepUnmarked] } ?? attributes[scripts]?.deepUnmarked.listValue ?? []
        return files.compactMap { file in
            if let text = file.stringValue { return Session(path: nil, text: text) }
            guard let fields = file.mapValue, let text = fields["content"]?.stringValue else { return nil }
            return Session(path: fields["path"]?.stringValue, text: text)
        }
    }

    /// A bootstrap that failed part-way is not cleaned up by its destroy scripts: they undo a
    /// bootstrap that ran, and this one did not (Terraform skips the destroy-time provisioners of
    /// tainted resources the same way).
    func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws {}

    /// How the remote output of a bootstrap with these attributes is shown: every sensitive
    /// string of its configuration, every sensitive variable of the run and `alsoSensitive` are
    /// redacted (or all output suppressed, as `sensitive_output` says).
    func output(for attributes: [String: Value], alsoSensitive: [String] = []) -> BootstrapOutput {
        let values = attributes.keys.sorted().filter { $0 != "triggers" }.flatMap { attributes[$0]!.sensitiveStrings }
        return BootstrapOutput(sensitive: values + context.sensitiveValues + alsoSensitive,
                               suppress: attributes["sensitive_output"]?.deepUnmarked.stringValue == "suppress")
    }

    /// Runs each script in a session of its own, in order; the first failure stops the run.
    /// Output is shown, and quoted in the error, only as `shown` lets it.
    func run(_ list: [Session], on target: SSHTarget, environment: [String: String], address: ResourceAddress, what: String, shown: BootstrapOutput) async throws {
        let ssh = try self.ssh
        for (index, session) in list.enumerated() {
            let result = try await ssh.runScript(target, script: session.text, environment: environment) { line in output(address, shown.line(line)) }
            guard result.status != 0 else { continue }
            // A changed host key is read from ssh's own diagnostics. When ssh itself failed
            // (status 255), they follow the output in the error: they say why (a refused
            // connection, say). A script's own failure is told by the script's output alone.
            try await ssh.checkHostKey(target, output: result.errors)
            let lines = result.status == 255 ? Array((result.tail + result.errors).suffix(ChildProcess.tailLength)) : result.tail
            let tail = shown.tail(lines)
            var which = list.count == 1 ? what : "\(what) \(index + 1) of \(list.count)"
            if let path = session.path { which += " (\(shown.redact(path)))" }
            let status = result.status == 255 ? "ssh failed (exit status 255)" : "exited with status \(result.status)"
            // Suppressed, the tail is at most the one line saying so.
            let quoted = shown.suppress ? tail.map { " " + $0 }.joined()
                : " Last \(tail.count) lines of output:\n" + tail.map { "  " + $0 }.joined(separator: "\n")
            throw EngineError(description: "\(which) on \(target.host) \(status).\(quoted)")
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

/// One entry of a bootstrap's `files`, as it is uploaded.
struct Upload: Equatable {
    var destination: String
    /// A path read when the file is uploaded (a `source` computed from other values); nil: `content`.
    var source: String?
    var content: String
    var mode: String

    /// The entries of `files` (a value with its sensitive marks).
    static func all(_ files: Value?) -> [Upload] {
        let (list, allSensitive) = (files ?? .null).unmarked
        return (list.listValue ?? []).compactMap { item in
            let (object, itemSensitive) = item.unmarked
            let entry = object.mapValue ?? [:]
            guard let destination = entry["destination"]?.deepUnmarked.stringValue else { return nil }
            let source = entry["source"]?.deepUnmarked.stringValue
            let content = entry["content"] ?? .null
            // A source read at upload time is not a configuration value whose marks tfy could
            // see: it is taken as sensitive (the stack's private key is uploaded this way).
            let sensitive = allSensitive || itemSensitive || content.containsSensitive || source != nil
            let mode = entry["mode"]?.deepUnmarked.stringValue ?? (sensitive ? "0600" : "0644")
            return Upload(destination: destination, source: source, content: content.deepUnmarked.stringValue ?? "", mode: mode)
        }
    }
}
