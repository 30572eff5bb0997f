/// State persistence: the local state file, written atomically (temp file, fsync, rename, fsync
/// of the directory) with mode 0600, and read strictly — a corrupt, truncated or newer file is an
/// error naming it, and is never overwritten.
import Foundation
import TFYCore
#if canImport(Glibc)
import Glibc
#endif

public struct StateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    public var diagnostic: Diagnostic {
        .error("Failed to load state", detail: "Error reading the state file \(Value.quoted(path)): \(message). The file was not modified.")
    }
}

public struct LocalStateStore: Sendable {
    public var path: String

    public init(path: String) { self.path = path }

    /// The default path for a stack: `state/<stack>.tfstate` under the working directory.
    public static func defaultPath(stack: String, workingDirectory: String) -> String {
        (workingDirectory as NSString).appendingPathComponent("state/\(stack).tfstate")
    }

    /// The state, or nil when no file exists yet.
    public func read() throws(StateError) -> State? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
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

    /// Copies the state as read at the start of a run to `<path>.backup`.
    public func writeBackup(_ state: State) throws(StateError) {
        try Self.atomicWrite(state.encoded(), to: path + ".backup")
    }

    /// Writes `bytes` to `path` atomically, mode 0600: temp file beside it, fsync, rename, fsync
    /// of the directory.
    public static func atomicWrite(_ bytes: [UInt8], to path: String) throws(StateError) {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StateError(path: path, message: "cannot create the directory \(directory): \(error.localizedDescription)")
        }
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func fail(_ what: String) -> StateError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return StateError(path: path, message: "\(what): \(reason)")
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
