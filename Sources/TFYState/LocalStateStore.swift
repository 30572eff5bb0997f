/// State persistence: the local state file, written atomically (temp file, fsync, rename, fsync
/// of the directory) with mode 0600, and read strictly — a corrupt, truncated or newer file is an
/// error naming it, and is never overwritten.
import Foundation
import TFYCore
#if canImport(Glibc)
import Glibc
#endif

public struct StateError: Error, Sendable, CustomStringConvertible {
    public enum Operation: Sendable { case read, write }
    /// The state's path, or `s3://BUCKET/KEY`.
    public var path: String
    public var message: String
    public var operation: Operation = .read

    public init(path: String, message: String, operation: Operation = .read) {
        self.path = path
        self.message = message
        self.operation = operation
    }

    public var description: String { "\(path): \(message)" }

    /// "the state file "PATH"", or "the state s3://BUCKET/KEY".
    var noun: String { path.hasPrefix("s3://") ? "the state \(path)" : "the state file \(Value.quoted(path))" }

    public var diagnostic: Diagnostic {
        switch operation {
        case .read: return .error("Failed to load state", detail: "Error reading \(noun): \(message). The \(path.hasPrefix("s3://") ? "object" : "file") was not modified.")
        case .write: return .error("Failed to save state", detail: "Error writing \(noun): \(message).")
        }
    }
}

public struct LocalStateStore: StateStorage {
    public var path: String
    public var location: String { path }

    public init(path: String) { self.path = path }

    /// The default path for a stack: `state/<stack>.tfstate` in its configuration directory.
    public static func defaultPath(stack: String, configurationDirectory: String) -> String {
        (configurationDirectory as NSString).appendingPathComponent("state/\(stack).tfstate")
    }

    /// The state, or nil when nothing is at the path. Anything but a regular file there — a
    /// symbolic link (dangling, looping or not), a directory, a FIFO — is an error naming it,
    /// never "no state": a dangling link read as no state would launch the cluster again.
    public func read() throws(StateError) -> State? {
        switch FileKind(path: path) {
        case .missing: return nil
        case .regular: break
        case .symbolicLink(let target):
            throw StateError(path: path, message: "it is a symbolic link to \"\(target)\"\(FileKind.brokenLinkClause(path)); \(Self.regularOnly)")
        case .special(let noun): throw StateError(path: path, message: "it is \(noun), not a regular file; \(Self.regularOnly)")
        case .unexaminable(let reason): throw StateError(path: path, message: "it cannot be examined: \(reason)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StateError(path: path, message: "the file cannot be read")
        }
        switch State.decode([UInt8](data)) {
        case .success(let state): return state
        case .failure(let error): throw StateError(path: path, message: error.description)
        }
    }

    /// Writes `state` atomically: readers see the old file or the new one, never a mixture.
    public func write(_ state: State) throws(StateError) {
        try Self.atomicWrite(state.encoded(), to: path)
    }

    public func lock(operation: String, timeout: Double) async throws(LockError) -> any HeldStateLock {
        try await StateLock.acquire(statePath: path, operation: operation, timeout: timeout)
    }

    public func lockHolder() throws(LockError) -> LockInfo? { StateLock.holder(statePath: path) }

    public func forceUnlock(id: String) throws(LockError) { try StateLock.forceUnlock(statePath: path, id: id) }

    /// The stack key's file: the state file's path and `.key`, mode 0600, beside it.
    public var stackKeyLocation: String { path + ".key" }

    public func readStackKey() throws(StateError) -> StackKey? {
        let keyPath = stackKeyLocation
        switch FileKind(path: keyPath) {
        case .missing: return nil
        case .regular: break
        case .symbolicLink(let target):
            throw StateError(path: keyPath, message: "the stack key file is a symbolic link to \"\(target)\"; tfy reads the key only from a regular file")
        case .special(let noun): throw StateError(path: keyPath, message: "the stack key file is \(noun), not a regular file")
        case .unexaminable(let reason): throw StateError(path: keyPath, message: "the stack key file cannot be examined: \(reason)")
        }
        guard let data = FileManager.default.contents(atPath: keyPath) else {
            throw StateError(path: keyPath, message: "the stack key file cannot be read")
        }
        guard let key = StackKey.decode([UInt8](data)) else {
            throw StateError(path: keyPath, message: "the file is not a stack key (64 hexadecimal digits)")
        }
        return key
    }

    public func writeStackKey(_ key: StackKey, replacing: Bool) throws(StateError) -> StackKey {
        if !replacing, let kept = try readStackKey() { return kept }
        try Self.atomicWrite(key.encoded, to: stackKeyLocation)
        return key
    }

    static let regularOnly = "tfy reads the state only from a regular file (give the file itself with -state PATH)"

    /// Creates `directory` and any missing parent with mode 0700: state, keys and plans are
    /// nobody else's business. An existing directory keeps its mode.
    static func createPrivateDirectory(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The first of `candidate(0)`, `candidate(1)`, … that names no file: for files that must
    /// not replace an earlier one (errored.tfstate, a migrated state).
    public static func unusedPath(_ candidate: (Int) -> String) -> String {
        var n = 0
        while FileKind(path: candidate(n)) != .missing { n += 1 }
        return candidate(n)
    }

    /// Copies the state as read at the start of a run to `<path>.backup`.
    public func writeBackup(_ state: State) throws(StateError) {
        try Self.atomicWrite(state.encoded(), to: path + ".backup")
    }

    /// Writes `bytes` to `path` atomically, mode 0600: temp file beside it, fsync, rename, fsync
    /// of the directory. Replaces only a regular file or a missing path: the rename would turn a
    /// FIFO, a device or a symbolic link into a regular file (run as root, `-out /dev/null` would
    /// replace the system's), so anything else is refused and left untouched.
    public static func atomicWrite(_ bytes: [UInt8], to path: String) throws(StateError) {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let existing = FileKind(path: path)
        if let noun = existing.noun {
            throw StateError(path: path, message: "it is \(noun), not a regular file; tfy replaces only a regular file or a missing path, so it was left untouched", operation: .write)
        }
        if case .unexaminable(let reason) = existing {
            throw StateError(path: path, message: "it cannot be examined: \(reason)", operation: .write)
        }
        do {
            try createPrivateDirectory(directory)
        } catch {
            throw StateError(path: path, message: "cannot create the directory \(directory): \(error.localizedDescription)", operation: .write)
        }
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func fail(_ what: String) -> StateError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return StateError(path: path, message: "\(what): \(reason)", operation: .write)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fail("cannot create a temporary file beside it") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                close(fd)
                throw fail("cannot write the temporary file")
            }
            written += n
        }
        guard fsync(fd) == 0 else { close(fd); throw fail("cannot flush the temporary file to disk") }
        guard close(fd) == 0 else { throw fail("cannot close the temporary file") }
        guard rename(temporary, path) == 0 else { throw fail("cannot move the new state into place") }
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
