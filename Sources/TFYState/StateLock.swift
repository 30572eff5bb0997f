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
        pid = Int32(json["PID"]?.intValue ?? 0)
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

/// The exclusive lock on a local state file: `<state>.lock.info`, created only if absent, holding
/// who took it and when. Held for a whole plan, apply or destroy.
public final class StateLock: HeldStateLock, @unchecked Sendable {
    public let info: LockInfo
    let lockPath: String
    private let mutex = NSLock()
    private var released = false

    init(info: LockInfo, lockPath: String) {
        self.info = info
        self.lockPath = lockPath
    }

    public static func lockPath(forState statePath: String) -> String { statePath + ".lock.info" }

    /// Takes the lock, waiting up to `timeout` seconds for a holder to let go.
    public static func acquire(statePath: String, operation: String, timeout: Double = 0) async throws(LockError) -> StateLock {
        try await LockWaiting.acquire(location: statePath, timeout: timeout, attempt: { () throws(LockError) in
            try tryAcquire(statePath: statePath, operation: operation)
        }, holder: { holder(statePath: statePath) })
    }

    /// Takes the lock if no one holds it; nil if someone does.
    public static func tryAcquire(statePath: String, operation: String) throws(LockError) -> StateLock? {
        let path = lockPath(forState: statePath)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let info = LockWaiting.newInfo(operation: operation, path: statePath)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return nil }
            throw LockError(summary: "Error acquiring the state lock", detail: "Cannot create \(path): \(String(cString: strerror(errno))).", holder: nil)
        }
        let bytes = Array(info.json.pretty().utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        return StateLock(info: info, lockPath: path)
    }

    static func readHolder(_ path: String) -> LockInfo? {
        guard let data = FileManager.default.contents(atPath: path), case .success(let json) = JSONValue.parse([UInt8](data)) else { return nil }
        return LockInfo(json: json)
    }

    /// The current holder of the lock on `statePath`, if any.
    public static func holder(statePath: String) -> LockInfo? { readHolder(lockPath(forState: statePath)) }

    /// Removes the lock whose ID is `id`; refuses another ID.
    public static func forceUnlock(statePath: String, id: String) throws(LockError) {
        let path = lockPath(forState: statePath)
        guard let holder = readHolder(path) else {
            throw LockError(summary: "No lock to remove", detail: "The state \(statePath) is not locked.", holder: nil)
        }
        guard holder.id == id else { throw LockError.mismatch(location: statePath, id: id, holder: holder) }
        unlink(path)
    }

    public func release() {
        let first = mutex.withLock { () -> Bool in
            defer { released = true }
            return !released
        }
        guard first else { return }
        if StateLock.readHolder(lockPath)?.id == info.id { unlink(lockPath) }
    }

    public func unlock() async throws(LockError) { release() }

    deinit { release() }
}

extension LockError {
    static func mismatch(location: String, id: String, holder: LockInfo) -> LockError {
        LockError(summary: "Lock ID mismatch", detail: "The lock on \(location) has the ID \(holder.id), not \(id); nothing was removed.\n\n\(holder.describe())", holder: holder)
    }
}
