import Foundation
import Testing
import TFYAWS
import TFYCore
import TFYState
import TFYTestSupport

/// The S3 state's journal (docs/backend.md, "The journal"): an apply of a large state uploads
/// small records instead of the whole state at every step, a run killed mid-apply leaves them
/// for the next run to replay, and nothing is launched twice or orphaned.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct S3JournalTests {
    /// 20 instances: every S3 call is accounted for by the design, and the bytes uploaded stay
    /// far below a whole state per step (an apply without the journal uploaded 30.5 times the
    /// final state here: 57 whole writes).
    @Test func anApplyOf20InstancesWritesRecordsAndFoldsThemAtTheEnd() async throws {
        let world = try await World()
        try await world.useS3Backend()
        _ = try await world.cli(["s3api", "put-bucket-versioning", "--bucket", S3BackendTests.bucket, "--versioning-configuration", "Status=Enabled"])
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(apply.status == 0, "\(apply.err)")
        let versions = try await world.cli(["s3api", "list-object-versions", "--bucket", S3BackendTests.bucket])["Versions"] as? [[String: Any]] ?? []
        let stateVersions = versions.filter { $0["Key"] as? String == world.stateKey }
        let records = versions.filter { ($0["Key"] as? String)?.hasPrefix(world.stateKey + ".journal/") == true }
        // How many steps share a write depends on how the operations overlap (writes are
        // group-committed); what each call is for does not. PutObject: the lock, the stack key,
        // every version of the state (whole writes) and every record; HeadObject: one before each
        // record (the object is still this run's); DeleteObject: every record once the state is
        // written whole at the end (the lock is released after the line is printed). The state is
        // read with one GetObject: it names no journal, so nothing is listed.
        let calls = Self.calls(apply.out)
        #expect(calls["PutObject"] == 2 + stateVersions.count + records.count, "\(apply.out)")
        #expect(calls["HeadObject"] == records.count, "\(apply.out)")
        #expect(calls["DeleteObject"] == records.count, "\(apply.out)")
        #expect(calls["ListObjectsV2"] == nil, "\(apply.out)")
        #expect(records.count > 0)
        // While the state has fewer than 8 instances it is written whole: the group and the first
        // launches. After that, a whole write begins a segment of at most as many records as the
        // state has instances: 4 segments at most for 21 resources' steps, and the last write.
        #expect(stateVersions.count < 20 + 4 + 1, "\(stateVersions.count) whole writes, \(records.count) records")
        let final = try #require(stateVersions.first { $0["IsLatest"] as? Bool == true }?["Size"] as? Int)
        let uploaded = (stateVersions + records).reduce(0) { $0 + ($1["Size"] as? Int ?? 0) }
        #expect(uploaded <= 12 * final, "\(uploaded) bytes uploaded for a final state of \(final) bytes")
        // Folded: the records are gone, and the state names no journal.
        #expect(try await world.s3Keys(prefix: world.stateKey + ".journal/").isEmpty)
        #expect(try await world.stateMetadata() == [:])
        let state = try #require(try await world.s3State())
        #expect(state.instances.filter { $0.address.type == "aws_instance" && $0.instance.attributes["id"] != nil }.count == 20)
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=20", "-detailed-exitcode"]).status == 0)
    }

    /// kill -9 mid-apply while the journal holds records: a reader sees the state with them
    /// replayed, and the next apply finishes with exactly N instances, none orphaned, the
    /// journal folded into the state and removed.
    @Test func killedMidApplyTheJournalIsReplayedAndTheRerunFinishes() async throws {
        try requireExecutable()
        let world = try await World()
        try await world.useS3Backend()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "150"])
        // The apply cannot finish before it is killed, however fast or slow the machine: the
        // proxy forwards ten launches and holds every later one (held, never forwarded: the rerun
        // below goes to moto directly).
        try await UpdateRecoveryTests.faults(proxy, #"{"hold_after": {"RunInstances": 10}}"#)
        let process = try world.spawn(["apply", "cluster", "-auto-approve", "-var", "machines=20"], endpoint: "http://127.0.0.1:\(proxy.port)")
        let store = world.s3Store()
        let client = world.s3Client()
        let prefix = world.stateKey + ".journal/"
        // Killed once the journal holds records and the state they make records 3 instance IDs:
        // launches are in flight then, some recorded only as a token.
        try await eventually("the journal recording 3 instance IDs", timeout: 300) { () async throws -> Bool? in
            guard process.isRunning else { throw HelperError(description: "tfy apply ended (status \(process.terminationStatus)) before the journal recorded 3 instances") }
            guard try await !client.list(bucket: S3BackendTests.bucket, prefix: prefix).isEmpty, let state = try await store.read() else { return nil }
            return Self.launched(state) >= 3 ? true : nil
        }
        kill(process.processIdentifier, SIGKILL)
        try await waitForExit(process, name: "tfy apply after SIGKILL")
        #expect(process.terminationReason == .uncaughtSignal, "killed before the apply ended")
        // The held launches must never reach moto. Left held, the proxy forwards them after its
        // 120 s hold timeout, while the rerun runs: on a slow machine moto then launched ten
        // more. (EC2 would answer such a late request with the instance the rerun launched under
        // the same recorded ClientToken; moto does not dedupe by token.) Released now, they meet
        // an error instead.
        try await UpdateRecoveryTests.faults(proxy, #"{"fail_actions": {"RunInstances": "InsufficientInstanceCapacity"}, "hold_after": {}}"#)

        // The object alone is behind; the records it names complete it.
        let left = try await world.s3Keys(prefix: prefix)
        #expect(!left.isEmpty)
        let segment = try #require(try await world.stateMetadata()["tfy-journal"])
        #expect(left.contains { $0.hasPrefix(prefix + segment + "-") }, "\(left) \(segment)")
        let object = try State.decode([UInt8](try #require(try await world.s3Object(world.stateKey)))).get()
        let replayed = try #require(try await store.read())
        #expect(Self.launched(replayed) >= Self.launched(object))
        #expect(replayed.serial > object.serial)
        let listed = await world.tfy(["state", "list", "-chdir", "cluster"])
        #expect(listed.out.split(separator: "\n").count == replayed.instances.count, "\(listed.out)")

        // The lock died with nothing: it is removed by hand, as after any killed run.
        let lock = try JSONSerialization.jsonObject(with: try #require(try await world.s3Object(world.stateKey + ".tflock"))) as? [String: Any]
        let id = try #require(lock?["ID"] as? String)
        #expect(await world.tfy(["force-unlock", id, "-chdir", "cluster"]).status == 0)
        let rerun = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(rerun.status == 0, "\(rerun.err)")
        let live = try await world.liveInstances()
        #expect(live.count == 20)
        #expect(Set(live.map(\.name)).count == 20, "nothing launched twice")
        let state = try #require(try await world.s3State())
        let recorded = state.instances.filter { $0.address.type == "aws_instance" }.compactMap { $0.instance.attributes["id"]?.stringValue }
        #expect(Set(recorded) == Set(live.map(\.id)), "no orphan, no entry without its instance")
        #expect(recorded.count == 20)
        #expect(try await world.s3Keys(prefix: prefix).isEmpty, "the journal is folded and removed")
        #expect(try await world.stateMetadata() == [:])
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=20", "-detailed-exitcode"]).status == 0)
    }

    /// The store alone: a large state's steps become records that a new reader folds; a record
    /// is refused once the object is no longer this run's; a missing record is an error, not a
    /// state silently older than the one recorded.
    @Test func recordsFollowTheirObjectAndAGapIsAnError() async throws {
        let world = try await World()
        try await world.prepareS3()
        let store = world.s3Store()
        var state = State(lineage: "11111111-2222-3333-4444-555555555555")
        state.stackKey = StackKey.generate()
        func step(_ name: String) async throws {
            state.serial += 1
            state.setInstance(try #require(ResourceAddress(parsing: "aws_instance.\(name)")),
                              StateInstance(indexKey: nil, attributes: ["id": .string("i-\(name)")]))
            try await store.record(state)
        }
        #expect(try await store.read() == nil)
        for name in ["a", "b", "c", "d", "e", "f", "g"] { try await step(name) }
        #expect(try await world.stateMetadata() == [:], "7 instances: written whole, no journal")
        try await step("h")
        let segment = try #require(try await world.stateMetadata()["tfy-journal"])
        #expect(segment.hasPrefix("11111111-2222-3333-4444-555555555555-8-"))
        try await step("i")
        try await step("j")
        let prefix = world.stateKey + ".journal/"
        #expect(try await world.s3Keys(prefix: prefix) == [prefix + segment + "-000001", prefix + segment + "-000002"])
        #expect(try await world.s3State()?.serial == 8, "the object alone is behind")
        #expect(try await world.s3Store().read() == state, "a reader folds the records")

        // Someone writes the object meanwhile: the next step is refused before it is recorded.
        var edited = try #require(try await world.s3State())
        edited.serial = 100
        try await world.putS3Object(world.stateKey, Data(edited.encoded()))
        await #expect(throws: StateError.self) { try await step("k") }
        #expect(try await world.s3Keys(prefix: prefix).count == 2)

        // The object names the segment again, and its first record is gone: the state cannot be
        // read whole.
        _ = try await world.cli(["s3api", "copy-object", "--bucket", S3BackendTests.bucket, "--key", world.stateKey,
                                 "--copy-source", "\(S3BackendTests.bucket)/\(world.stateKey)", "--metadata", "tfy-journal=\(segment)",
                                 "--metadata-directive", "REPLACE"])
        _ = try await world.cli(["s3api", "delete-object", "--bucket", S3BackendTests.bucket, "--key", prefix + segment + "-000001"])
        do {
            _ = try await world.s3Store().read()
            Issue.record("a segment with a gap was read")
        } catch {
            #expect(error.path == "s3://\(S3BackendTests.bucket)/\(prefix)\(segment)-000001")
            #expect(error.message == "the journal record is missing (the next one, 2, is there), so the state cannot be read whole. Restore it from the bucket's versions, or push a state with tfy state push")
        }
    }

    /// A state with the same resource in the root module and in two module instances: once the
    /// journal holds records of all three, a reader folds them into the state that was recorded
    /// (records used to drop the module instances and write theirs over the root's).
    @Test func recordsOfModuleInstancesFoldIntoTheirModules() async throws {
        let world = try await World()
        try await world.prepareS3()
        let store = world.s3Store()
        var state = State(lineage: "11111111-2222-3333-4444-555555555555")
        state.stackKey = StackKey.generate()
        for index in 0..<12 {
            let module = [#"module.workers["a"]."#, "", #"module.workers["b"]."#][index % 3]
            state.serial += 1
            state.setInstance(try #require(ResourceAddress(parsing: "\(module)aws_instance.node[\(index / 3)]")),
                              StateInstance(indexKey: .int(index / 3), attributes: ["id": .string("i-\(index)")]))
            try await store.record(state)
        }
        #expect(try await world.s3Keys(prefix: world.stateKey + ".journal/").count > 1, "the last steps are records")
        #expect(try await world.s3State()?.serial == 8, "the object alone is behind: written whole at the 8th instance")
        let read = try #require(try await world.s3Store().read())
        #expect(read == state)
        #expect(read.instances.count == 12)
        #expect(read.instances.map(\.address.description).filter { $0.hasPrefix(#"module.workers["b"]"#) }
            == (0..<4).map { #"module.workers["b"].aws_instance.node["# + "\($0)]" })
    }

    /// The aws_instance entries with an ID.
    static func launched(_ state: State) -> Int {
        state.instances.filter { $0.address.type == "aws_instance" && $0.instance.attributes["id"] != nil }.count
    }

    /// The counts of the "API calls:" line, by action.
    static func calls(_ output: String) -> [String: Int] {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("API calls: ") }) else { return [:] }
        var counts: [String: Int] = [:]
        for item in line.dropFirst("API calls: ".count).components(separatedBy: ", ") {
            let words = item.split(separator: " ")
            if words.count >= 2, let count = Int(words[1]) { counts[String(words[0])] = count }
        }
        return counts
    }
}

extension World {
    func s3Client() -> S3Client {
        S3Client(credentials: AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "x"), region: "us-east-1", endpoint: motoEndpoint,
                 retry: RetryPolicy(maxAttempts: 3, random: { 0 }, sleep: { _ in }))
    }

    /// The keys under `prefix`, as the AWS CLI lists them.
    func s3Keys(prefix: String) async throws -> [String] {
        let json = try await cli(["s3api", "list-objects-v2", "--bucket", S3BackendTests.bucket, "--prefix", prefix])
        return (json["Contents"] as? [[String: Any]] ?? []).compactMap { $0["Key"] as? String }
    }

    /// The state object's user metadata.
    func stateMetadata() async throws -> [String: String] {
        try await cli(["s3api", "head-object", "--bucket", S3BackendTests.bucket, "--key", stateKey])["Metadata"] as? [String: String] ?? [:]
    }
}
