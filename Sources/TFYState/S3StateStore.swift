import Foundation
import TFYAWS
import TFYCore

/// The state as an S3 object, locked as Terraform's S3 backend locks it (`use_lockfile`): a lock
/// object `KEY.tflock` holding the lock info, created only if absent (`If-None-Match: *`).
///
/// Every write is conditioned on the ETag this run last read or wrote (`If-Match`), or on there
/// being no object yet (`If-None-Match: *`), so a run that lost its lock, or raced a manual edit,
/// fails instead of overwriting the other writer's state.
///
/// During an apply, a large state's steps are persisted as records of its journal
/// (`StateJournal.swift`), each after a HeadObject that finds the object still this run's.
public actor S3StateStore: StateStorage {
    public nonisolated let bucket: String
    public nonisolated let key: String
    public nonisolated let location: String
    nonisolated let client: S3Client
    nonisolated let encrypt: Bool
    nonisolated let useLockfile: Bool
    nonisolated var lockKey: String { key + ".tflock" }

    /// What this run last saw at the key.
    enum Seen: Equatable {
        case unread
        case absent
        case etag(String)
    }
    var seen = Seen.unread
    /// The state as S3 holds it now: the object, plus the records of its journal segment.
    var persisted: State?
    /// The journal segment this run writes records to, named by the object it last wrote.
    var segment: JournalSegment?
    /// True when the object names a journal segment (this run's, or one a stopped run left).
    var namesJournal = false
    /// Journal records that a whole write without a segment makes obsolete: this run's, and
    /// those a stopped run left (found when the state was read).
    var foldedRecords: [String] = []
    /// Tells this run's journal segments from any an earlier run began at the same serial.
    nonisolated let runTag = String(UUID().uuidString.lowercased().prefix(8))

    public init(client: S3Client, bucket: String, key: String, encrypt: Bool = false, useLockfile: Bool = true) {
        self.client = client
        self.bucket = bucket
        self.key = key
        self.encrypt = encrypt
        self.useLockfile = useLockfile
        location = "s3://\(bucket)/\(key)"
    }

    public func read() async throws(StateError) -> State? {
        let object: S3Client.Object?
        do {
            object = try await client.get(bucket: bucket, key: key)
        } catch {
            throw StateError(path: location, message: explain(error), operation: .read)
        }
        segment = nil
        guard let object else {
            seen = .absent
            persisted = nil
            return nil
        }
        seen = .etag(object.etag)
        var state: State
        switch State.decode(object.body) {
        case .success(let decoded): state = decoded
        case .failure(let error): throw StateError(path: location, message: error.description)
        }
        // A run that stopped before it folded its journal left the object naming it.
        if let journal = object.metadata[Self.journalMetadata] { try await replay(journal, onto: &state) }
        persisted = state
        return state
    }

    /// Writes must not overlap (the recorder sends one at a time): a second write started before
    /// the first returned would be refused by the first's own change. The state is written whole;
    /// the journal records this run or an earlier one left are folded into it, and removed.
    public func write(_ state: State) async throws(StateError) {
        try await writeWhole(state, body: state.encoded(), opening: false)
        await removeFoldedRecords()
    }

    /// Writes `body` (`state`, encoded) at the key, conditioned on what this run last saw there;
    /// with `opening`, the object names a new journal segment that records may follow.
    func writeWhole(_ state: State, body: [UInt8], opening: Bool) async throws(StateError) {
        if seen == .unread {
            do {
                seen = try await client.head(bucket: bucket, key: key).map(Seen.etag) ?? .absent
            } catch {
                throw StateError(path: location, message: explain(error), operation: .write)
            }
        }
        let condition: S3Client.Condition
        switch seen {
        case .etag(let etag): condition = .matching(etag: etag)
        case .absent, .unread: condition = .absent
        }
        let opened = opening ? JournalSegment(id: "\(state.lineage)-\(state.serial)-\(runTag)", wholeBytes: body.count, instances: state.instanceCount) : nil
        let metadata = opened.map { [Self.journalMetadata: $0.id] } ?? [:]
        do {
            seen = .etag(try await client.put(bucket: bucket, key: key, body: body, condition: condition, encrypt: encrypt, metadata: metadata))
        } catch {
            guard error.code == "PreconditionFailed" else { throw StateError(path: location, message: explain(error), operation: .write) }
            // A write whose first attempt went through but whose answer was lost is retried (by
            // tfy or by libcurl) and refused by its own change: the object then holds our bytes.
            guard let stored = try? await client.get(bucket: bucket, key: key), stored.body == body,
                  stored.metadata[Self.journalMetadata] == opened?.id else {
                throw changedUnderneath(condition)
            }
            seen = .etag(stored.etag)
        }
        persisted = state
        segment = opened
        namesJournal = opening
    }

    /// Why a write was refused: the object is no longer the one this run last saw.
    func changedUnderneath(_ condition: S3Client.Condition) -> StateError {
        let what = condition == .absent ? "an object appeared at the key after this run found none there" : "the object changed after this run read it"
        return StateError(path: location, message: "\(what), so tfy did not overwrite it. Another run wrote the state, or someone edited it or removed this run's lock (tfy force-unlock) while the run held it", operation: .write)
    }

    /// S3 keeps earlier versions itself when the bucket has versioning on; there is no `.backup`.
    public func writeBackup(_ state: State) async throws(StateError) {}

    public func lock(operation: String, timeout: Double) async throws(LockError) -> any HeldStateLock {
        guard useLockfile else { return UnlockedState(info: LockWaiting.newInfo(operation: operation, path: "\(bucket)/\(key)")) }
        let info = LockWaiting.newInfo(operation: operation, path: "\(bucket)/\(key)")
        let body = Array(info.json.pretty().utf8)
        return try await LockWaiting.acquire(location: location, timeout: timeout, attempt: { () async throws(LockError) -> S3StateLock? in
            try await self.tryLock(info, body: body)
        }, holder: { try? await self.lockHolder() })
    }

    /// Creates the lock object if it is absent; nil when someone else holds it.
    func tryLock(_ info: LockInfo, body: [UInt8]) async throws(LockError) -> S3StateLock? {
        do {
            try await client.put(bucket: bucket, key: lockKey, body: body, condition: .absent, encrypt: encrypt)
            return S3StateLock(store: self, info: info)
        } catch {
            guard error.code == "PreconditionFailed" else {
                throw LockError(summary: "Error acquiring the state lock", detail: "Cannot create the lock object \(location).tflock: \(explain(error)).", holder: nil)
            }
            // A create that was retried after its first attempt went through finds its own lock.
            if let holder = try? await lockHolder(), holder.id == info.id { return S3StateLock(store: self, info: info) }
            return nil
        }
    }

    public func lockHolder() async throws(LockError) -> LockInfo? {
        let object: S3Client.Object?
        do {
            object = try await client.get(bucket: bucket, key: lockKey)
        } catch {
            throw LockError(summary: "Error reading the state lock", detail: "Cannot read \(location).tflock: \(explain(error)).", holder: nil)
        }
        guard let object else { return nil }
        guard case .success(let json) = JSONValue.parse(object.body), let info = LockInfo(json: json) else {
            return LockInfo(id: "(unreadable)", operation: "unknown", who: "unknown", version: "unknown", created: Date(timeIntervalSince1970: 0),
                            path: "\(bucket)/\(key)", pid: 0, host: "")
        }
        return info
    }

    public func forceUnlock(id: String) async throws(LockError) {
        guard let holder = try await lockHolder() else {
            throw LockError(summary: "No lock to remove", detail: "The state \(location) is not locked.", holder: nil)
        }
        guard holder.id == id else { throw LockError.mismatch(location: location, id: id, holder: holder) }
        try await deleteLock(id: id)
    }

    func deleteLock(id: String) async throws(LockError) {
        do {
            try await client.delete(bucket: bucket, key: lockKey)
        } catch {
            throw LockError(summary: "Error releasing the state lock",
                            detail: "Cannot delete \(location).tflock: \(explain(error)).\n\nOnce the problem is fixed, remove the lock with: tfy force-unlock \(id)", holder: nil)
        }
    }

    /// What an S3 error means for this backend, in words a user can act on.
    nonisolated func explain(_ error: AWSError) -> String {
        let endpoint = client.endpoint ?? "AWS's endpoint for \(client.region)"
        switch error.code {
        case "NoSuchBucket":
            return "the bucket \"\(bucket)\" does not exist (region \(client.region), \(endpoint)). Create it, with versioning on (see docs/backend.md), or correct the backend's \"bucket\""
        case "AccessDenied", "AllAccessDisabled":
            return "access denied (\(error.code!) from S3, \(error)). The credentials from \(client.credentials.source) may not use \(location): the backend needs s3:ListBucket on the bucket, s3:GetObject and s3:PutObject on the key, and s3:GetObject, s3:PutObject and s3:DeleteObject on the key + \".tflock\" and on the objects under the key + \".journal/\" (docs/backend.md has the policy)"
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken":
            return "S3 rejected the credentials from \(client.credentials.source) (\(error)). Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the backend's \"profile\""
        case "PermanentRedirect", "AuthorizationHeaderMalformed":
            return "the bucket \"\(bucket)\" is not in region \(client.region) (\(error)). Set the backend's \"region\" to the bucket's region"
        default:
            if case .transport = error.cause { return "cannot reach S3 at \(endpoint) (\(error))" }
            return "\(error)"
        }
    }
}

/// Keys are objects under `KEY.keys/`, always encrypted at rest (SSE-S3): a separate prefix, so an
/// IAM policy can let plan-only roles read the state without reading keys.
extension S3StateStore: KeyEscrow {
    public nonisolated var keysLocation: String { location + ".keys/" }

    nonisolated func keyObject(_ name: String) -> String { key + ".keys/" + name }

    public func putKey(_ name: String, _ bytes: [UInt8]) async throws(StateError) {
        do {
            try await client.put(bucket: bucket, key: keyObject(name), body: bytes, encrypt: true, contentType: "application/octet-stream")
        } catch {
            throw StateError(path: keysLocation + name, message: explain(error), operation: .write)
        }
    }

    public func key(_ name: String) async throws(StateError) -> [UInt8]? {
        do {
            return try await client.get(bucket: bucket, key: keyObject(name))?.body
        } catch {
            throw StateError(path: keysLocation + name, message: explain(error), operation: .read)
        }
    }

    /// The stack key's object: `KEY.keys/stack-key`, beside the generated SSH keys (whose names
    /// always hold a dot), encrypted at rest like them.
    nonisolated static let stackKeyName = "stack-key"

    public nonisolated var stackKeyLocation: String { keysLocation + Self.stackKeyName }

    public func readStackKey() async throws(StateError) -> StackKey? {
        guard let bytes = try await key(Self.stackKeyName) else { return nil }
        guard let key = StackKey.decode(bytes) else {
            throw StateError(path: stackKeyLocation, message: "the object is not a stack key (64 hexadecimal digits)")
        }
        return key
    }

    public func writeStackKey(_ key: StackKey, replacing: Bool) async throws(StateError) -> StackKey {
        do {
            try await client.put(bucket: bucket, key: keyObject(Self.stackKeyName), body: key.encoded, condition: replacing ? .always : .absent,
                                 encrypt: true, contentType: "application/octet-stream")
            return key
        } catch {
            guard error.code == "PreconditionFailed" else { throw StateError(path: stackKeyLocation, message: explain(error), operation: .write) }
            // Kept already (by another run, or by this one's first attempt, retried).
            guard let kept = try await readStackKey() else { throw StateError(path: stackKeyLocation, message: explain(error), operation: .write) }
            return kept
        }
    }

    public func deleteKey(_ name: String) async throws(StateError) {
        do {
            try await client.delete(bucket: bucket, key: keyObject(name))
        } catch {
            throw StateError(path: keysLocation + name, message: explain(error), operation: .write)
        }
    }
}

/// The lock object a run holds: removed on unlock after checking it is still this run's.
final class S3StateLock: HeldStateLock {
    let store: S3StateStore
    let info: LockInfo

    init(store: S3StateStore, info: LockInfo) {
        self.store = store
        self.info = info
    }

    func unlock() async throws(LockError) {
        let holder = try await store.lockHolder()
        guard let holder else {
            throw LockError(summary: "Error releasing the state lock",
                            detail: "The lock object \(store.location).tflock no longer exists: someone removed this run's lock (tfy force-unlock) while it held it. Check that no other run changed the state at the same time.", holder: nil)
        }
        guard holder.id == info.id else {
            throw LockError(summary: "Error releasing the state lock",
                            detail: "The lock on \(store.location) is no longer this run's (\(info.id)); it was left in place.\n\n\(holder.describe())", holder: holder)
        }
        try await store.deleteLock(id: info.id)
    }
}

/// `use_lockfile: false`: no lock is taken (writes are still conditional on the ETag read).
final class UnlockedState: HeldStateLock {
    let info: LockInfo
    init(info: LockInfo) { self.info = info }
    func unlock() async throws(LockError) {}
}
