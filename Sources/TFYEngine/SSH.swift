import Foundation
import TFYCore

/// Where and how to reach one host: a `tfy_bootstrap`'s `connection` block.
public struct SSHTarget: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    public var privateKeyFile: String?
    /// How long to keep trying to reach the host, in seconds.
    public var timeout: Double
    public var bastion: Bastion?

    public struct Bastion: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var user: String
    }

    public init(host: String, port: Int = 22, user: String = "ec2-user", privateKeyFile: String? = nil, timeout: Double = 300, bastion: Bastion? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.timeout = timeout
        self.bastion = bastion
    }

    /// The target a `connection` value describes.
    public init(connection: Value?) throws {
        let c = connection?.deepUnmarked.mapValue ?? [:]
        guard let host = c["host"]?.stringValue, !host.isEmpty else { throw SSHError(description: "connection.host is empty") }
        let timeoutText = c["timeout"]?.stringValue ?? "5m"
        guard let timeout = DurationText.seconds(timeoutText), timeout.isFinite else {
            throw SSHError(description: "connection.timeout \(Value.quoted(timeoutText)) is not a duration such as \"30s\", \"5m\" or \"1h30m\"")
        }
        // "~/.ssh/key.pem", as the old tool's Key_Path is written, is the user's home here.
        let key = c["private_key_file"]?.stringValue.map { $0.hasPrefix("~/") ? NSString(string: $0).expandingTildeInPath : $0 }
        // Validate checks the ports; a value it could not see is checked again here, never converted blindly.
        func port(_ name: String) throws -> Int {
            guard let value = c[name], !value.isNull else { return 22 }
            guard let number = value.numberValue, let port = Value.wholeNumber(number), (0...65535).contains(port) else {
                throw SSHError(description: "connection.\(name) \(value) is not a port: it must be a whole number from 0 to 65535")
            }
            return port
        }
        self.init(host: host, port: try port("port"), user: c["user"]?.stringValue ?? "ec2-user",
                  privateKeyFile: key, timeout: timeout)
        if let bastion = c["bastion_host"]?.stringValue, !bastion.isEmpty {
            self.bastion = Bastion(host: bastion, port: try port("bastion_port"), user: c["bastion_user"]?.stringValue ?? user)
        }
    }

    /// `host:port` as ssh names it in known-hosts files.
    var knownHostsName: String { port == 22 ? host : "[\(host)]:\(port)" }
}

public struct SSHError: Error, CustomStringConvertible {
    public var description: String
}

/// What an upload sends: bytes in memory, or a file of this machine streamed as it is read
/// (`size`: its size when the upload began, which the host checks it received).
enum UploadContent: Sendable {
    case bytes([UInt8])
    case file(path: String, size: Int)

    var size: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .file(_, let size): return size
        }
    }
}

/// OpenSSH's `ssh` as a child process, with the settings tfy always uses: batch mode (never a
/// prompt), a connect timeout, keep-alives, host keys pinned per stack in `knownHostsFile`
/// (recorded on first contact, verified on every later one — never `StrictHostKeyChecking=no`),
/// and one ControlMaster connection per host for the run, its socket in a short directory
/// (socket paths are limited to 107 bytes; long EC2 host names overflowed them in the old tool).
public final class SSHClient: @unchecked Sendable {
    public let knownHostsFile: String
    let controlDirectory: String
    let ssh: String
    private let lock = NSLock()
    private var masters: Set<SSHTarget> = []

    public init(knownHostsFile: String, ssh: String? = nil) {
        self.knownHostsFile = knownHostsFile
        self.ssh = ssh ?? SSHClient.find("ssh") ?? "/usr/bin/ssh"
        // %C is a 40-character hash: "/tmp/tfy-XXXXXXXX/" + 40 stays far below the limit.
        controlDirectory = "/tmp/tfy-" + String(UUID().uuidString.lowercased().prefix(8))
    }

    static func find(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The options every connection to `target` uses.
    func options(_ target: SSHTarget, connectTimeout: Int = 10, multiplex: Bool = true) -> [String] {
        // ssh cannot pin a key in a file whose directory is missing: it warns and connects anyway.
        // On a machine that keeps its state in S3, state/ may not exist yet.
        let directory = (knownHostsFile as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var options = ["-F", "none",
                       "-o", "BatchMode=yes",
                       "-o", "ConnectTimeout=\(max(1, connectTimeout))",
                       "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
                       "-o", "StrictHostKeyChecking=accept-new",
                       "-o", "UserKnownHostsFile=\(Self.optionPath(knownHostsFile))",
                       "-o", "GlobalKnownHostsFile=/dev/null",
                       "-o", "LogLevel=ERROR",
                       "-p", String(target.port), "-l", target.user]
        if let key = target.privateKeyFile { options += ["-o", "IdentitiesOnly=yes", "-o", "IdentityFile=\(Self.optionPath(key))"] }
        if multiplex {
            options += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlDirectory)/%C", "-o", "ControlPersist=300"]
        } else {
            options += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
        }
        if let bastion = target.bastion {
            // ProxyJump would not pass these options on to the bastion connection; ProxyCommand does.
            var hop = SSHTarget(host: bastion.host, port: bastion.port, user: bastion.user, privateKeyFile: target.privateKeyFile)
            hop.bastion = nil
            // ssh expands %-tokens in the command once before the shell runs it: every % of the
            // inner command is doubled, except in the %h:%p it is meant to fill in.
            let command = ([ssh] + self.options(hop, connectTimeout: connectTimeout, multiplex: false)).map(Shell.quote).joined(separator: " ")
                .replacingOccurrences(of: "%", with: "%%") + " -W %h:%p " + Shell.quote(bastion.host.replacingOccurrences(of: "%", with: "%%"))
            options += ["-o", "ProxyCommand=" + command]
        }
        return options
    }

    /// A local path as the value of an ssh `-o` file option: ssh splits an unquoted value at
    /// spaces and expands %-tokens in it, so the path is double-quoted with every `%` doubled.
    /// (ssh's option syntax has no escape for a double quote itself; such a path fails in ssh.)
    static func optionPath(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "%", with: "%%") + "\""
    }

    /// Refuses a private key that others can read, as ssh itself does — with the fix.
    public static func checkKey(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SSHError(description: "the private key file \(Value.quoted(path)) cannot be read: \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SSHError(description: "the private key file \(Value.quoted(path)) has mode \(String(format: "%04o", mode)): it is readable by other users, and ssh refuses such keys. Run: chmod 400 \(Shell.quote(path))")
        }
    }

    /// Runs `command` on the host; output lines go to `onLine`.
    /// `separateErrors` keeps ssh's standard error (its own diagnostics, once the remote command
    /// sends its standard error to its output) out of the output lines.
    func run(_ target: SSHTarget, _ command: String, input: [UInt8] = [], inputFile: String? = nil, connectTimeout: Int = 10, separateErrors: Bool = false,
             onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ChildProcess.Result {
        try FileManager.default.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Recorded before the connection exists, so a stop while it runs ends its master too.
        lock.withLock { _ = masters.insert(target) }
        Self.open.withLock { $0[ObjectIdentifier(self)] = self }
        return try await ChildProcess.run(ssh, options(target, connectTimeout: connectTimeout) + ["--", target.host, command], input: input,
                                          inputFile: inputFile, separateErrors: separateErrors, onLine: onLine)
    }

    /// Waits until the host answers SSH: retries every failure to connect or log in, backing off
    /// from 1 s to 20 s, for at most the target's timeout. A host key that differs from the one
    /// recorded is not retried: it is an error naming both fingerprints.
    public func waitUntilReachable(_ target: SSHTarget, sleep: @Sendable (Double) async -> Void = { try? await Task.sleep(nanoseconds: UInt64($0 * 1e9)) }) async throws {
        let deadline = Date().addingTimeInterval(target.timeout)
        var delay = 1.0
        var lastError = ""
        while true {
            let remaining = deadline.timeIntervalSinceNow
            let result = try await run(target, "true", connectTimeout: Int(min(10, max(1, remaining.rounded(.up)))))
            if result.status == 0 { return }
            try await checkHostKey(target, output: result.tail)
            lastError = result.tail.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "ssh exited with status \(result.status)"
            if Date().addingTimeInterval(delay) >= deadline {
                throw SSHError(description: "timed out after \(Self.format(target.timeout)) waiting for SSH on \(target.user)@\(target.host) port \(target.port)\(target.bastion.map { " via \($0.host)" } ?? ""): \(lastError)")
            }
            await sleep(delay)
            delay = min(delay * 2, 20)
        }
    }

    /// Throws the host-key error when ssh's output says the recorded key does not match.
    func checkHostKey(_ target: SSHTarget, output: [String]) async throws {
        guard output.contains(where: { $0.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || $0.contains("Host key verification failed") }) else { return }
        let offered = output.first { $0.hasPrefix("SHA256:") }.map { String($0.dropLast($0.hasSuffix(".") ? 1 : 0)) } ?? "unknown"
        let recorded = await recordedFingerprint(target) ?? "unknown"
        throw SSHError(description: "the host key of \(target.knownHostsName) has changed: recorded \(recorded), offered now \(offered). Someone may be intercepting the connection, or the host was rebuilt. If you know it was rebuilt, forget the old key with: ssh-keygen -f \(Shell.quote(knownHostsFile)) -R \(Shell.quote(target.knownHostsName))")
    }

    /// The fingerprint pinned for the target, read with ssh-keygen.
    func recordedFingerprint(_ target: SSHTarget) async -> String? {
        guard let keygen = Self.find("ssh-keygen"),
              let listed = try? await ChildProcess.run(keygen, ["-l", "-F", target.knownHostsName, "-f", knownHostsFile]) else { return nil }
        return listed.tail.flatMap { $0.split(whereSeparator: \.isWhitespace) }.first { $0.hasPrefix("SHA256:") }.map(String.init)
    }

    /// Uploads `content` to `destination` atomically, creating its directory. The bytes go to a
    /// file in a fresh private directory (`mktemp -d`, 0700) beside the destination, so no name
    /// another user could plant a link at is ever opened; the file gets its mode before a byte is
    /// written, then is renamed over the destination (`mv -T`: a link or directory planted at the
    /// destination is replaced, never followed). The file is renamed only when it has exactly
    /// the bytes sent: an input cut short (a file streamed from this machine that shrank) leaves
    /// the destination as it was.
    func upload(_ target: SSHTarget, content: UploadContent, destination: String, mode: String) async throws {
        guard mode.allSatisfy({ ("0"..."7").contains($0) }), (3...4).contains(mode.count) else {
            throw SSHError(description: "file mode \(Value.quoted(mode)) for \(destination) is not an octal mode such as \"0644\"")
        }
        let command = """
            set -eu; umask 077; d=\(Shell.remotePath(destination)); mkdir -p -- "$(dirname -- "$d")"; \
            t=$(mktemp -d -- "$(dirname -- "$d")/.tfy-upload.XXXXXXXXXX"); trap 'rm -rf -- "$t"' EXIT; \
            : > "$t/f"; chmod \(mode) -- "$t/f"; cat > "$t/f"; \
            n=$(($(wc -c < "$t/f"))); [ "$n" -eq \(content.size) ] || { echo "received $n of \(content.size) bytes" >&2; exit 1; }; \
            mv -fT -- "$t/f" "$d"
            """
        let result: ChildProcess.Result
        switch content {
        case .bytes(let bytes): result = try await run(target, command, input: bytes)
        case .file(let path, _): result = try await run(target, command, inputFile: path)
        }
        guard result.status == 0 else {
            try await checkHostKey(target, output: result.tail)
            throw SSHError(description: "uploading \(destination) failed (exit status \(result.status)): \(result.tail.suffix(5).joined(separator: "\n"))")
        }
    }

    /// Runs one script in a session of its own: `set -eu`, then the environment exported with
    /// every value single-quoted, then the script. The script travels on standard input, so no
    /// part of it passes through the remote shell's command line; it runs with standard input
    /// at its end, so a command reading input cannot swallow the rest of the script.
    func runScript(_ target: SSHTarget, script: String, environment: [String: String], onLine: @escaping @Sendable (String) -> Void) async throws -> ChildProcess.Result {
        // The script's standard error joins its output on the host, in order; what ssh itself
        // writes to standard error (such as a multiplexing fallback) is not the script's output
        // and is kept apart, for the error message should the session fail.
        try await run(target, "s=$(cat) && exec bash -c \"$s\" tfy-bootstrap 2>&1", input: Array(Shell.script(script, environment: environment).utf8),
                      separateErrors: true, onLine: onLine)
    }

    public var executable: String { ssh }

    /// The arguments of an ssh session of its own (no multiplexing): `tfy ssh`.
    public func sessionArguments(_ target: SSHTarget, command: String, terminal: Bool) -> [String] {
        options(target, multiplex: false) + (terminal ? ["-t"] : []) + ["--", target.host] + (command.isEmpty ? [] : [command])
    }

    /// Runs ssh with `arguments`, passing each output line on; returns its exit status.
    public func runCapturing(_ arguments: [String], onLine: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        // In tfy's process group: the user's Ctrl-C is meant for it.
        try await ChildProcess.run(ssh, arguments, ownProcessGroup: false, onLine: onLine).status
    }

    /// Ends the connections this client opened.
    public func closeAll() async {
        let targets = lock.withLock { masters }
        for target in targets {
            _ = try? await ChildProcess.run(ssh, options(target) + ["-O", "exit", target.host])
        }
        try? FileManager.default.removeItem(atPath: controlDirectory)
        _ = Self.open.withLock { $0.removeValue(forKey: ObjectIdentifier(self)) }
    }

    /// Clients whose connections may be open. A master detaches from tfy (ControlPersist makes it
    /// a daemon of its own), so only its client can end it.
    private static let open = OpenClients()

    private final class OpenClients: @unchecked Sendable {
        private let lock = NSLock()
        private var clients: [ObjectIdentifier: SSHClient] = [:]
        func withLock<T>(_ body: (inout [ObjectIdentifier: SSHClient]) -> T) -> T { lock.withLock { body(&clients) } }
    }

    /// Stops at once, for a second Ctrl-C: ends every connection master (which closes its
    /// sessions), then every child left (SIGTERM, SIGKILL after a grace), so nothing tfy started
    /// outlives it. Waits at most a few seconds.
    public static func stopEverything() {
        let clients = open.withLock { Array($0.values) }
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for client in clients { group.addTask { await client.closeAll() } }
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + ChildProcess.terminationGrace)
        ChildProcess.terminateAll()
    }

    static func format(_ seconds: Double) -> String {
        let whole = Int(min(max(seconds, 0), 1e15))
        if whole >= 60, whole % 60 == 0 { return "\(whole / 60)m" }
        if whole >= 60 { return "\(whole / 60)m\(whole % 60)s" }
        return "\(whole)s"
    }
}

/// Shell quoting for the remote side.
public enum Shell {
    /// `text` as one word for a POSIX shell: single-quoted, with each `'` spelled `'\''`.
    /// Nothing inside single quotes is special — not `$`, backticks, `\` or newlines.
    public static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A remote path as a shell word; a leading `~/` stays the remote user's home.
    static func remotePath(_ path: String) -> String {
        path.hasPrefix("~/") ? "\"$HOME\"/" + quote(String(path.dropFirst(2))) : quote(path)
    }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// The text a script session runs.
    public static func script(_ body: String, environment: [String: String]) -> String {
        var text = "set -eu\n"
        for name in environment.keys.sorted() { text += "export \(name)=\(quote(environment[name]!))\n" }
        return text + body + "\n"
    }
}
