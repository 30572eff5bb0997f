import Foundation
import TFYCore

/// Where a stack's state lives — a local file or an S3 object — and its lock.
///
/// Every backend promises the same three things: a read is the state as a whole, a write replaces
/// it as a whole or not at all, and a write never silently overwrites a state someone else wrote
/// after this run read it.
public protocol StateStorage: Sendable {
    /// For messages: the file's path, or `s3://BUCKET/KEY`.
    var location: String { get }

    /// The state, or nil when none has been written yet.
    func read() async throws(StateError) -> State?

    /// Replaces the state.
    func write(_ state: State) async throws(StateError)

    /// Persists `state` during an apply, before the step that made it goes on. A backend may
    /// persist only what changed since its last write (the S3 backend's journal); `read` then
    /// still returns the state whole. By default as `write`.
    func record(_ state: State) async throws(StateError)

    /// The apply has ended and `state`, the last one recorded, is persisted: whatever `record`
    /// left beside the state is folded into it. By default nothing is left.
    func settle(_ state: State) async throws(StateError)

    /// Keeps a copy of the state as it was when the run began, where the backend has a place for
    /// it (the local file's `.backup`; S3 keeps versions itself when the bucket has versioning on).
    func writeBackup(_ state: State) async throws(StateError)

    /// Takes the exclusive lock, waiting up to `timeout` seconds for a holder to let go.
    func lock(operation: String, timeout: Double) async throws(LockError) -> any HeldStateLock

    /// Who holds the lock now, if anyone.
    func lockHolder() async throws(LockError) -> LockInfo?

    /// Removes the lock whose ID is `id`; refuses any other ID.
    func forceUnlock(id: String) async throws(LockError)

    /// Where the stack key is kept, for messages: a file beside the local state, an object
    /// beside the S3 state (docs/plan.md, "State").
    var stackKeyLocation: String { get }

    /// The stack key kept beside the state, or nil when none is kept yet.
    func readStackKey() async throws(StateError) -> StackKey?

    /// Keeps `key` beside the state and returns the key kept: with `replacing` false, a key kept
    /// already stays, and is returned instead.
    func writeStackKey(_ key: StackKey, replacing: Bool) async throws(StateError) -> StackKey
}

/// A lock this run holds.
public protocol HeldStateLock: AnyObject, Sendable {
    var info: LockInfo { get }
    /// One line to show the user about how the lock was taken (a stale local lock taken over), if any.
    var notice: String? { get }
    /// Lets the lock go; an error says it could not be removed, and how to remove it.
    func unlock() async throws(LockError)
}

extension StateStorage {
    public func record(_ state: State) async throws(StateError) { try await write(state) }
    public func settle(_ state: State) async throws(StateError) {}
}

extension HeldStateLock {
    public var notice: String? { nil }
}

/// The waiting and the "locked by" message both backends share.
enum LockWaiting {
    /// Calls `attempt` until it returns a lock or `timeout` seconds have passed; `attempt` returns
    /// nil while someone else holds the lock.
    static func acquire<Lock: HeldStateLock>(location: String, timeout: Double, attempt: @Sendable () async throws(LockError) -> Lock?,
                                             holder: @Sendable () async -> LockInfo?) async throws(LockError) -> Lock {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        var pause = 0.05
        while true {
            if let lock = try await attempt() { return lock }
            if Date() >= deadline { throw held(by: await holder(), location: location, waited: timeout) }
            try? await Task.sleep(nanoseconds: UInt64(min(pause, max(0.01, deadline.timeIntervalSinceNow)) * 1e9))
            pause = min(pause * 2, 1)
        }
    }

    static func held(by holder: LockInfo?, location: String, waited timeout: Double) -> LockError {
        var detail = "The state is locked by another run, so this one cannot change it.\n\n"
        detail += holder?.describe() ?? "The lock on \(location) exists but cannot be read."
        detail += "\n\ntfy acquires a lock to keep two runs from writing the same state. Wait for the other run"
        detail += timeout > 0 ? " (this one waited \(DurationText.describe(timeout)))" : " (use -lock-timeout=DURATION to wait for it)"
        detail += ", or, if you are sure no run is using the state, remove the lock with: tfy force-unlock \(holder?.id ?? "ID")"
        return LockError(summary: "Error acquiring the state lock", detail: detail, holder: holder)
    }

    static func newInfo(operation: String, path: String) -> LockInfo {
        LockInfo(id: UUID().uuidString.lowercased(), operation: operation,
                 who: "\(ProcessInfo.processInfo.environment["USER"] ?? "root")@\(LockInfo.hostName)",
                 version: TFYVersion.current, created: Date(), path: path, pid: getpid(), host: LockInfo.hostName)
    }
}

/// Where a backend keeps the private keys tfy generates (`tfy_ssh_key`), beside the state but
/// never in it, so that any machine that may apply can fetch them. The local backend has none:
/// its keys are files beside the state file already.
public protocol KeyEscrow: Sendable {
    /// Where keys are kept, for messages (`s3://BUCKET/KEY.keys/`).
    var keysLocation: String { get }
    func putKey(_ name: String, _ bytes: [UInt8]) async throws(StateError)
    /// The key, or nil when none is kept under `name`.
    func key(_ name: String) async throws(StateError) -> [UInt8]?
    func deleteKey(_ name: String) async throws(StateError)
}
