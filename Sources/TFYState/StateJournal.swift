import Foundation
import TFYAWS
import TFYCore

/// The S3 state's journal: during an apply, a change to a large state is persisted as a small
/// record of what changed (`KEY.journal/SEGMENT-NNNNNN`) instead of the whole state again, so an
/// apply of N instances uploads O(N) bytes rather than O(N²) (docs/backend.md, "The journal").
///
/// A segment begins with a whole write whose object names it (the metadata `tfy-journal`);
/// its records follow, numbered from 1, each written before the step it records goes on. A
/// reader folds the named segment's records into the object (`read`), so a run killed mid-apply
/// leaves nothing unrecorded. The next whole write folds them for good: at the end of the run
/// (`settle`) or when the records outgrow the state they follow (a new segment begins).
struct JournalSegment: Sendable, Hashable {
    /// `LINEAGE-SERIAL-RUN` of the whole write that began it (RUN: 8 hexadecimal digits of this
    /// run's own, so no segment ever meets records an earlier run left under the same serial).
    var id: String
    /// The size of that write, and its number of resource instances: a segment takes at most as
    /// many records as that, and at most twice as many bytes, before the next whole write.
    var wholeBytes: Int
    var instances: Int
    var records = 0
    var recordedBytes = 0

    /// True when a record of `bytes` more still fits.
    func fits(_ bytes: Int) -> Bool { records < instances && recordedBytes + bytes <= 2 * wholeBytes }
}

extension S3StateStore {
    /// The metadata naming the journal segment whose records follow the object.
    nonisolated static let journalMetadata = "tfy-journal"

    /// A state of fewer resource instances than this is written whole at every step, as
    /// without a journal: a record would save little, and the object alone stays the whole truth.
    public nonisolated static let journalThreshold = 8

    /// Where the records are: `KEY.journal/`.
    public nonisolated var journalPrefix: String { key + ".journal/" }

    nonisolated func recordKey(_ segment: String, _ number: Int) -> String {
        journalPrefix + segment + "-" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number)
    }

    /// Persists `state` as a record of what changed since the state last persisted, when a
    /// segment is open and the record fits in it (`JournalSegment.fits`); otherwise whole,
    /// beginning a segment when the state has `journalThreshold` instances or more.
    ///
    /// A record is written only while the object is still the one this run wrote (HeadObject,
    /// then PutObject), so a run that lost the state stops before the step it would record, as a
    /// refused whole write stops it.
    public func record(_ state: State) async throws(StateError) {
        if let open = segment, let base = persisted {
            let body = JournalRecord.encode(from: base, to: state)
            if open.fits(body.count) {
                try await confirmUnchanged()
                let name = recordKey(open.id, open.records + 1)
                try await putRecord(name, body)
                segment?.records += 1
                segment?.recordedBytes += body.count
                foldedRecords.append(name)
                persisted = state
                return
            }
        }
        try await writeWhole(state, body: state.encoded(), opening: state.instanceCount >= Self.journalThreshold)
    }

    /// The apply has ended with `state` persisted: a state whose object names a journal is
    /// written whole without it, and the records are removed.
    public func settle(_ state: State) async throws(StateError) {
        guard namesJournal || persisted != state else { return await removeFoldedRecords() }
        try await write(state)
    }

    /// Fails unless the object is still the one this run last read or wrote.
    func confirmUnchanged() async throws(StateError) {
        let current: String?
        do {
            current = try await client.head(bucket: bucket, key: key)
        } catch {
            throw StateError(path: location, message: explain(error), operation: .write)
        }
        guard case .etag(let etag) = seen, current == etag else { throw changedUnderneath(.matching(etag: "")) }
    }

    /// Writes the record `name`. Only this run writes under its segment's name, so a record
    /// already there is its own earlier attempt (its answer lost, the call failed after): the
    /// record replacing it holds that change and the later ones, from the same base.
    func putRecord(_ name: String, _ body: [UInt8]) async throws(StateError) {
        do {
            try await client.put(bucket: bucket, key: name, body: body, encrypt: encrypt)
        } catch {
            throw StateError(path: "s3://\(bucket)/\(name)", message: explain(error), operation: .write)
        }
    }

    /// Folds the records of `segment` into `state`, in order; every record under the journal is
    /// remembered, to be removed by the next whole write.
    func replay(_ segment: String, onto state: inout State) async throws(StateError) {
        let keys: [String]
        do {
            keys = try await client.list(bucket: bucket, prefix: journalPrefix)
        } catch {
            throw StateError(path: location + ".journal/", message: explain(error), operation: .read)
        }
        foldedRecords = keys
        namesJournal = true
        let own = journalPrefix + segment + "-"
        let numbered = keys.filter { $0.hasPrefix(own) }.compactMap { key in Int(key.dropFirst(own.count)).map { ($0, key) } }.sorted { $0.0 < $1.0 }
        for (expected, (number, name)) in zip(1..., numbered) {
            // Records are written one after another: a gap means one was removed.
            guard number == expected else {
                throw StateError(path: "s3://\(bucket)/\(recordKey(segment, expected))", message: "the journal record is missing (the next one, \(number), is there), so the state cannot be read whole. Restore it from the bucket's versions, or push a state with tfy state push", operation: .read)
            }
            let object: S3Client.Object?
            do {
                object = try await client.get(bucket: bucket, key: name)
            } catch {
                throw StateError(path: "s3://\(bucket)/\(name)", message: explain(error), operation: .read)
            }
            guard let object else { throw StateError(path: "s3://\(bucket)/\(name)", message: "the journal record disappeared while it was read", operation: .read) }
            if let problem = JournalRecord.apply(object.body, to: &state) {
                throw StateError(path: "s3://\(bucket)/\(name)", message: problem)
            }
        }
    }

    /// Removes the records a whole write without a segment made obsolete. One left behind
    /// (a failed call) is never read again: only the segment an object names is.
    func removeFoldedRecords() async {
        let names = foldedRecords
        foldedRecords = []
        let client = self.client, bucket = self.bucket
        await withTaskGroup(of: Void.self) { group in
            for (i, name) in names.enumerated() {
                if i >= 8 { await group.next() }
                group.addTask { try? await client.delete(bucket: bucket, key: name) }
            }
        }
    }
}

/// One journal record: the state's instances that changed (whole, as the state file holds
/// them, sensitive values digested with the stack key), the addresses removed, the outputs
/// when they changed, and the serial, lineage and stack the state has after it.
enum JournalRecord {
    static func encode(from base: State, to state: State) -> [UInt8] {
        var before: [ResourceAddress: StateInstance] = [:]
        for (address, instance) in base.instances { before[address] = instance }
        var changed = state
        changed.resources = []
        // Data sources are read again by every plan, and replay keeps the object's own.
        changed.dataResources = []
        var present = Set<ResourceAddress>()
        for resource in state.resources {
            var kept = resource
            kept.instances = resource.instances.filter { instance in
                let address = ResourceAddress(module: resource.module, type: resource.type, name: resource.name, key: instance.indexKey)
                present.insert(address)
                return before[address] != instance
            }
            if !kept.instances.isEmpty { changed.resources.append(kept) }
        }
        guard case .object(var document) = changed.json else { return [] }
        if base.outputs == state.outputs { document["outputs"] = nil }
        let removed = before.keys.filter { !present.contains($0) }.map(\.description).sorted()
        if !removed.isEmpty { document["removed"] = .array(removed.map(JSONValue.string)) }
        return Array(JSONValue.object(document).compact().utf8)
    }

    /// Applies the record `bytes` to `state`; a description of the problem when it cannot.
    static func apply(_ bytes: [UInt8], to state: inout State) -> String? {
        let root: JSONValue
        switch JSONValue.parse(bytes) {
        case .success(let parsed): root = parsed
        case .failure(let error): return "the journal record is not valid JSON (\(error))"
        }
        let record: State
        switch State.decode(root) {
        case .success(let decoded): record = decoded
        case .failure(let error): return "the journal record is not readable: \(error.description.replacingOccurrences(of: "the file", with: "it"))"
        }
        guard record.lineage == state.lineage else {
            return "the journal record belongs to lineage \(record.lineage), not the state's \(state.lineage)"
        }
        for resource in record.resources {
            let same = { (other: StateResource) in other.module == resource.module && other.type == resource.type && other.name == resource.name }
            if !state.resources.contains(where: same) {
                var empty = resource
                empty.instances = []
                state.resources.append(empty)
            }
            let r = state.resources.firstIndex(where: same)!
            for instance in resource.instances {
                state.resources[r].instances.removeAll { $0.indexKey == instance.indexKey }
                state.resources[r].instances.append(instance)
            }
            state.resources[r].instances.sort { InstanceKey.precedes($0.indexKey, $1.indexKey) }
        }
        for text in root["removed"]?.arrayValue ?? [] {
            guard let name = text.stringValue, let address = ResourceAddress(parsing: name) else { return "the journal record removes \(text.compact()), not an address" }
            state.setInstance(address, nil)
        }
        state.resources.removeAll { $0.instances.isEmpty }
        state.resources.sort(by: StateResource.precedes)
        if root["outputs"] != nil { state.outputs = record.outputs }
        state.serial = record.serial
        state.tfyVersion = record.tfyVersion
        if let stack = record.stack { state.stack = stack }
        return nil
    }
}

extension State {
    /// The number of resource instances.
    var instanceCount: Int { resources.reduce(0) { $0 + $1.instances.count } }
}
