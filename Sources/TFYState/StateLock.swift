import Foundation
import TFYCore
#if canImport(Glibc)
import Glibc
#endif

/// Who holds the state lock, and since when.
public struct LockInfo: Sendable, Hashable {
    public var id: String
    public var operation: String
    public var who: String
    public var version: String
    public var created: Date
    public var path: String
    public var pid: Int32
    public var host: String

    var json: JSONValue {
        .object([
            "ID": .string(id), "Operation": .string(operation), "Who": .string(who), "Version": .string(version),
            "Created": .string(ISO8601DateFormatter().string(from: created)), "Path": .string(path),
            "PID": .int(Int(pid)), "Host": .string(host),
        ])
    }

    init(id: String, operation: String, who: String, version: String, created: Date, path: String, pid: Int32, host: String) {
        self.id = id
        self.operation = operation
        self.who = who
        self.version = version
        self.created = created
        self.path = path
        self.pid = pid
        self.host = host
    }

    init?(json: JSONValue) {
        guard let id = json["ID"]?.stringValue else { return nil }
        self.id = id
        operation = json["Operation"]?.stringValue ?? "unknown"
        who = json["Who"]?.stringValue ?? "unknown"
        version = json["Version"]?.stringValue ?? "unknown"
        created = json["Created"]?.stringValue.flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date(timeIntervalSince1970: 0)
        path = json["Path"]?.stringValue ?? ""
        // A lock file written by hand or by another tool may hold any number.
        pid = json["PID"]?.intValue.flatMap { Int32(exactly: $0) } ?? 0
        host = json["Host"]?.stringValue ?? ""
    }

    /// True when the holder ran on this machine and its process is gone.
    public var holderIsDead: Bool {
        host == LockInfo.hostName && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    public func describe(now: Date = Date()) -> String {
        let age = DurationText.describe(now.timeIntervalSince(created))
        var text = "Lock Info:\n  ID:        \(id)\n  Path:      \(path)\n  Operation: \(operation)\n  Who:       \(who)\n  Version:   \(version)\n  Created:   \(ISO8601DateFormatter().string(from: created)) (\(age) ago)\n  PID:       \(pid) on \(host)"
        if holderIsDead { text += " — that process no longer runs: the run that took the lock died" }
        return text
    }
}

public struct LockError: Error, Sendable, CustomStringConvertible {
    public var summary: String
    public var detail: String
    public var holder: LockInfo?
    public var description: String { "\(summary): \(detail)" }
    public var diagnostic: Diagnostic { .error(summary, detail: detail) }
}

/// The exclusive lock on a local state file: an OS lock (`flock`) that this process holds on
/// `<state>.lock.info`, a file that also carries who took it and when, for messages.
///
/// The lock dies with its holder: after `kill -9` or a power cut the file may stay behind, but no
/// process holds it, and the next run takes it over and says so (`notice`). The file is only the
/// place the lock lives and the holder's card; whether the state is locked is the kernel's answer.
/// `flock` locks belong to an open file description, so two opens in one process exclude each
/// other too (as two runs in one test process must); the descriptor is close-on-exec, so a child
/// (ssh) never keeps the lock alive after tfy is gone.
public final class StateLock: HeldStateLock, @unchecked Sendable {
    public let info: LockInfo
    /// One line saying that this run found a lock file no process held and took it over.
    public let notice: String?
    let lockPath: String
    private let mutex = NSLock()
    /// The locked descriptor; -1 once released.
    private var descriptor: Int32

    init(info: LockInfo, lockPath: String, descriptor: Int32, notice: String?) {
        self.info = info
        self.lockPath = lockPath
        self.descriptor = descriptor
        self.notice = notice
    }

    public static func lockPath(forState statePath: String) -> String { statePath + ".lock.info" }

    /// Takes the lock, waiting up to `timeout` seconds for a holder to let go.
    public static func acquire(statePath: String, operation: String, timeout: Double = 0) async throws(LockError) -> StateLock {
        try await LockWaiting.acquire(location: statePath, timeout: timeout, attempt: { () throws(LockError) in
            try tryAcquire(statePath: statePath, operation: operation)
        }, holder: { holder(statePath: statePath) })
    }

    /// Takes the lock if no live process holds it; nil if one does.
    public static func tryAcquire(statePath: String, operation: String) throws(LockError) -> StateLock? {
        let path = lockPath(forState: statePath)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? LocalStateStore.createPrivateDirectory(directory) }
        let info = LockWaiting.newInfo(operation: operation, path: statePath)
        func failure(_ what: String) -> LockError {
            LockError(summary: "Error acquiring the state lock", detail: "\(what) \(path): \(String(cString: strerror(errno))).", holder: nil)
        }
        // Each retry follows a holder that removed the file between this run's open and its lock.
        for _ in 0..<100 {
            var created = true
            var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0, errno == EEXIST {
                created = false
                fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
                if fd < 0, errno == ENOENT { continue }
            }
            guard fd >= 0 else { throw failure("Cannot open") }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK { return nil }
                errno = code
                throw failure("Cannot lock")
            }
            guard isCurrent(fd, path) else { close(fd); continue }
            let previous = created ? nil : readAll(fd)
            let bytes = Array(info.json.pretty().utf8)
            let written = ftruncate(fd, 0) == 0 && bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } == bytes.count
            guard written, fsync(fd) == 0 else {
                let error = failure("Cannot write the lock information to")
                unlink(path)
                close(fd)
                throw error
            }
            removeTemporaryFiles(statePath: statePath)
            return StateLock(info: info, lockPath: path, descriptor: fd, notice: previous.map { staleNotice($0, path: path) })
        }
        return nil
    }

    /// What the run says when it took over a lock file that no process held.
    static func staleNotice(_ previous: [UInt8], path: String) -> String {
        if previous.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            return "Found an empty state lock file \(path) that no process holds (a run died while taking the lock); took it."
        }
        guard case .success(let json) = JSONValue.parse(previous), let holder = LockInfo(json: json) else {
            return "Found an unreadable state lock file \(path) that no process holds; took it."
        }
        return "Found a stale state lock left by a process that is gone (ID \(holder.id), \(holder.operation) by \(holder.who), PID \(holder.pid) on \(holder.host), created \(ISO8601DateFormatter().string(from: holder.created))); took it."
    }

    /// Whether `fd` is still the file at `path` (not one its holder removed meanwhile).
    static func isCurrent(_ fd: Int32, _ path: String) -> Bool {
        var open = stat(), named = stat()
        return fstat(fd, &open) == 0 && lstat(path, &named) == 0 && open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return bytes }
            bytes += buffer[0..<n]
        }
    }

    /// Removes the temporary copies a write killed before its rename left beside the state (and
    /// its backup). Only a run holding the lock may: no other run writes this state then.
    static func removeTemporaryFiles(statePath: String) {
        let directory = (statePath as NSString).deletingLastPathComponent.isEmpty ? "." : (statePath as NSString).deletingLastPathComponent
        let name = (statePath as NSString).lastPathComponent
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(name + ".tmp-") || entry.hasPrefix(name + ".backup.tmp-") {
            let path = (directory as NSString).appendingPathComponent(entry)
            if FileKind(path: path) == .regular { unlink(path) }
        }
    }

    static func readHolder(_ path: String) -> LockInfo? {
        guard let data = FileManager.default.contents(atPath: path), case .success(let json) = JSONValue.parse([UInt8](data)) else { return nil }
        return LockInfo(json: json)
    }

    /// Whether a live process holds the lock file at `path` (a shared probe, let go at once).
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// The holder of the lock on `statePath`, if a live process holds it.
    public static func holder(statePath: String) -> LockInfo? {
        let path = lockPath(forState: statePath)
        return isHeld(path) ? readHolder(path) : nil
    }

    /// Removes a lock file that no process holds, when its ID is `id` (any ID for an empty or
    /// unreadable file, which names none). A lock a live process holds is refused: it ends with
    /// that process, and removing its file would only let a second run in beside it.
    public static func forceUnlock(statePath: String, id: String) throws(LockError) {
        let path = lockPath(forState: statePath)
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw LockError(summary: "No lock to remove", detail: "The state \(statePath) is not locked.", holder: nil)
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            guard let holder = readHolder(path) else {
                throw LockError(summary: "Lock held by a running process", detail: "The lock on \(statePath) is held by a running process that has not written its lock information yet. A local lock ends with the process that holds it, so there is nothing to force: wait for that run to finish, or stop it.", holder: nil)
            }
            guard holder.id == id else { throw LockError.mismatch(location: statePath, id: id, holder: holder) }
            throw LockError(summary: "Lock held by a running process", detail: "The lock \(id) on \(statePath) is held by process \(holder.pid) on \(holder.host), which is still running (\(holder.operation) by \(holder.who)). A local lock ends with the process that holds it, so there is nothing to force: wait for that run to finish, or stop it.", holder: holder)
        }
        guard isCurrent(fd, path) else {
            throw LockError(summary: "No lock to remove", detail: "The state \(statePath) is not locked.", holder: nil)
        }
        if case .success(let json) = JSONValue.parse(readAll(fd)), let holder = LockInfo(json: json), holder.id != id {
            throw LockError.mismatch(location: statePath, id: id, holder: holder)
        }
        unlink(path)
    }

    public func release() {
        let fd = mutex.withLock { () -> Int32 in
            defer { descriptor = -1 }
            return descriptor
        }
        guard fd >= 0 else { return }
        // Removed while still locked, so a run that opened it meanwhile sees it is gone and retries.
        if StateLock.isCurrent(fd, lockPath) { unlink(lockPath) }
        close(fd)
    }

    public func unlock() async throws(LockError) { release() }

    deinit { release() }
}

extension LockError {
    static func mismatch(location: String, id: String, holder: LockInfo) -> LockError {
        LockError(summary: "Lock ID mismatch", detail: "The lock on \(location) has the ID \(holder.id), not \(id); nothing was removed.\n\n\(holder.describe())", holder: holder)
    }
}
