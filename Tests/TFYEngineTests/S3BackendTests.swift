import Foundation
import Testing
import TFYAWS
import TFYCore
import TFYState
import TFYTestSupport

/// The S3 backend against moto's S3, checked with the AWS CLI: state and lock objects, two runs
/// at once, a lost lock, migration, push, throttling, and the errors a team meets first.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct S3BackendTests {
    static let bucket = "tfy-team"

    @Test func applyKeepsTheStateInS3AndNoLockAfterwards() async throws {
        let world = try await World()
        try await world.useS3Backend()
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(apply.status == 0, "\(apply.err)")
        // One lock, one read of the state and one of the stack key, the key kept, then one write
        // per persisted step, one lock read and its delete.
        #expect(apply.out.hasSuffix(", GetObject 2, PutObject 11, RunInstances 2\n"), "\(apply.out)")
        #expect(!FileManager.default.fileExists(atPath: world.statePath), "no local state file")
        let state = try #require(try await world.s3State())
        #expect(state.instances.map(\.address.description) == ["aws_instance.master[0]", "aws_instance.master[1]", "aws_security_group.cluster"])
        #expect(state.serial > 1)
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil, "the lock is gone once the run ends")
        let written = try #require(try await world.s3Object(world.stateKey))
        #expect(String(decoding: written, as: UTF8.self).contains("\"lineage\": \"\(state.lineage)\""))

        // Every command reads the same object.
        let list = await world.tfy(["state", "list", "-chdir", "cluster"])
        #expect(list.out == "aws_instance.master[0]\naws_instance.master[1]\naws_security_group.cluster\n")
        let ip = await world.tfy(["output", "master_ip", "-raw", "-chdir", "cluster"])
        #expect(ip.out == state.instances.first { $0.address.description == "aws_instance.master[0]" }?.instance.attributes["public_ip"]?.stringValue)
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        let pulled = await world.tfy(["state", "pull", "-chdir", "cluster"])
        #expect(Array(pulled.out.utf8) == Array(written))
        #expect(try await world.s3State() == state, "a plan writes nothing")

        // A saved plan applies against the same object, and is refused once that object moved on.
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=3", "-out", "grow.tfplan"]).status == 0)
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=3", "-out", "stale.tfplan"]).status == 0)
        let saved = await world.tfy(["apply", "grow.tfplan"])
        #expect(saved.status == 0, "\(saved.err)")
        #expect(try await world.s3State()?.instances.count == 4)
        let stale = await world.tfy(["apply", "stale.tfplan", "-no-color"])
        #expect(stale.status == 1)
        #expect(stale.err.contains("Error: Saved plan is stale"), "\(stale.err)")

        let destroy = await world.tfy(["destroy", "cluster", "-auto-approve", "-var", "machines=3"])
        #expect(destroy.status == 0, "\(destroy.err)")
        #expect(try await world.s3State()?.instances.isEmpty == true)
        #expect(try await world.liveInstances().isEmpty)
    }

    /// While one apply waits for its "yes", its lock object is in S3; a second run fails naming it.
    @Test func aSecondRunIsRefusedWhileTheFirstHoldsTheLock() async throws {
        try requireExecutable()
        let world = try await World()
        try await world.useS3Backend()
        let first = try world.spawnInteractive(["apply", "cluster", "-var", "machines=2", "-no-color"])
        let lockBytes = try await world.waitForS3Object(world.stateKey + ".tflock")
        let lock = try #require(try JSONSerialization.jsonObject(with: lockBytes) as? [String: Any])
        let id = try #require(lock["ID"] as? String)
        #expect(lock["Operation"] as? String == "OperationTypeApply")
        #expect(lock["Path"] as? String == "\(Self.bucket)/\(world.stateKey)")
        #expect((lock["Who"] as? String)?.contains("@") == true)
        #expect(lock["Created"] is String)

        let second = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-no-color", "-lock-timeout", "1s"])
        #expect(second.status == 1)
        #expect(second.err.contains("(this one waited 1s)"))
        #expect(second.err.hasPrefix("Error: Error acquiring the state lock\n\nThe state is locked by another run, so this one cannot change it.\n\nLock Info:\n  ID:        \(id)\n  Path:      \(Self.bucket)/\(world.stateKey)\n  Operation: OperationTypeApply\n"), "\(second.err)")
        #expect(second.err.contains(" ago)\n"))
        #expect(second.err.contains("remove the lock with: tfy force-unlock \(id)"))
        #expect(try await world.liveInstances().isEmpty, "the second run created nothing")

        let finished = try await first.answer("yes")
        #expect(finished.status == 0, "\(finished.err)")
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
        #expect(try await world.s3State()?.instances.count == 3)
        #expect(try await world.liveInstances().count == 2)
    }

    /// Two applies started at the same moment, as two CI jobs would be: one proceeds, the other is
    /// refused with the holder, and the cluster exists once.
    @Test func twoAppliesStartedTogetherProceedOneAtATime() async throws {
        try requireExecutable()
        let world = try await World()
        // The runs' first S3 calls are held until both are in flight, so neither run is done before
        // the other asks for the lock: an event, where 100 ms of latency was a window a loaded
        // machine could miss.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--hold-until-in-flight", "2"])
        try await world.useS3Backend(s3Endpoint: "http://127.0.0.1:\(proxy.port)")
        let runs = try (0..<2).map { _ in try world.spawnInteractive(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"]) }
        var results: [World.Run] = []
        for run in runs {
            try run.input.fileHandleForWriting.close()
            results.append(try await run.finished())
        }
        #expect(results.map(\.status).sorted() == [0, 1], "\(results.map(\.err))")
        let refused = try #require(results.first { $0.status == 1 })
        #expect(refused.err.hasPrefix("Error: Error acquiring the state lock\n\nThe state is locked by another run, so this one cannot change it.\n\nLock Info:\n  ID:        "), "\(refused.err)")
        #expect(refused.err.contains("  Operation: OperationTypeApply\n"))
        #expect(try await world.liveInstances().count == 2)
        #expect(try await world.s3State()?.instances.count == 3)
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
    }

    /// The lock protocol itself: of many runs taking the lock at the same moment, exactly one wins.
    @Test func ofConcurrentLockersExactlyOneWins() async throws {
        let world = try await World()
        try await world.useS3Backend()
        let stores = (0..<8).map { _ in world.s3Store() }
        let results = await withTaskGroup(of: Result<LockInfo, LockError>.self) { group in
            for store in stores {
                group.addTask {
                    do throws(LockError) {
                        return .success(try await store.lock(operation: "OperationTypeApply", timeout: 0).info)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = results.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        let losers = results.compactMap { result -> LockError? in if case .failure(let e) = result { return e } else { return nil } }
        #expect(losers.count == 7)
        #expect(losers.allSatisfy { $0.holder?.id == winners.first?.id })
        let stored = try #require(try await world.s3Object(world.stateKey + ".tflock"))
        #expect(String(decoding: stored, as: UTF8.self).contains("\"ID\": \"\(winners.first?.id ?? "-")\""))

        // use_lockfile: false takes no lock (as in Terraform), so a plan goes ahead while one is held.
        let lockedPlan = await world.tfy(["plan", "cluster", "-var", "machines=2"])
        #expect(lockedPlan.status == 1)
        #expect(lockedPlan.err.contains("Error acquiring the state lock"), "\(lockedPlan.err)")
        #expect(lockedPlan.err.contains("ID:        \(winners.first?.id ?? "-")\n"), "the winner holds it: \(lockedPlan.err)")
        let unlocked = await world.tfy(["plan", "cluster", "-var", "machines=2", "-backend-config", "use_lockfile=false"])
        #expect(unlocked.status == 0, "\(unlocked.err)")
        #expect(try await world.s3Object(world.stateKey + ".tflock") == stored)
    }

    /// A lock create or a state write that took effect but whose answer was lost is retried, and
    /// S3 refuses the retry because of the first attempt: tfy recognises its own lock and its own
    /// bytes instead of reporting another holder or a conflict.
    @Test func aCallWhoseAnswerWasLostIsNotMistakenForAnotherWriter() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        try await world.prepareS3()
        let store = world.s3Store(endpoint: "http://127.0.0.1:\(proxy.port)")
        func loseNextAnswer() async throws {
            try await runProgram("curl", ["-s", "-X", "POST", "-d", #"{"lose_next_answers": 1}"#, "http://127.0.0.1:\(proxy.port)/__faults__"])
        }
        try await loseNextAnswer()
        let lock = try await store.lock(operation: "OperationTypeApply", timeout: 0)
        let stored = try #require(try await world.s3Object(world.stateKey + ".tflock"))
        #expect(String(decoding: stored, as: UTF8.self).contains("\"ID\": \"\(lock.info.id)\""))
        #expect(try await store.read() == nil)

        var state = State(lineage: "11111111-2222-3333-4444-555555555555")
        state.serial = 1
        try await loseNextAnswer()
        try await store.write(state)
        #expect(try await world.s3State() == state)
        // The ETag taken from the object read back carries the next write.
        state.serial = 2
        try await loseNextAnswer()
        try await store.write(state)
        #expect(try await world.s3State() == state)
        try await lock.unlock()
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
        let stats = try JSONSerialization.jsonObject(with: try await runProgram("curl", ["-s", "http://127.0.0.1:\(proxy.port)/__stats__"])) as? [String: Int]
        #expect(stats?["answers_lost"] == 1, "each fault was used")
    }

    /// A run whose lock was removed, and whose state was changed meanwhile, does not overwrite the
    /// change: its first write is refused before it launches anything, its state goes to
    /// errored.tfstate, and state push recovers it.
    @Test func aRunThatLostItsLockCannotOverwriteTheState() async throws {
        try requireExecutable()
        let world = try await World()
        try await world.useS3Backend()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1"]).status == 0)
        let first = try world.spawnInteractive(["apply", "cluster", "-var", "machines=2", "-var", "Masters=1", "-no-color"])
        let lockBytes = try await world.waitForS3Object(world.stateKey + ".tflock")
        let id = try #require((try JSONSerialization.jsonObject(with: lockBytes) as? [String: Any])?["ID"] as? String)
        #expect(await world.tfy(["force-unlock", id, "-chdir", "cluster"]).status == 0)
        // Someone edits the state by hand meanwhile (a new version of the object, serial moved on).
        var edited = try #require(try await world.s3State())
        edited.serial += 1
        edited.outputs["note"] = StateOutput(value: .string("edited by hand"), sensitive: false)
        try await world.putS3Object(world.stateKey, Data(edited.encoded()))

        // An errored.tfstate from an earlier failure, not pushed yet, is kept.
        try "an earlier run's state".write(toFile: world.directory + "/errored.tfstate", atomically: true, encoding: .utf8)

        let finished = try await first.answer("yes")
        #expect(finished.status == 1, "\(finished.out)")
        #expect(try String(contentsOfFile: world.directory + "/errored.tfstate", encoding: .utf8) == "an earlier run's state")
        #expect(finished.err.hasPrefix("Error: Error creating aws_instance.worker[0]\n\n  with aws_instance.worker[0]\n\ns3://\(Self.bucket)/\(world.stateKey): the object changed after this run read it, so tfy did not overwrite it."), "\(finished.err)")
        #expect(finished.err.contains("tfy could not write the updated state to s3://\(Self.bucket)/\(world.stateKey): the object changed after this run read it"))
        #expect(finished.err.contains("Error: Failed to persist state to the backend"))
        #expect(finished.err.contains("the state has been written to \"errored-1.tfstate\" in the current directory"))
        #expect(finished.err.contains("    tfy state push errored-1.tfstate"))
        #expect(finished.err.contains("Error: Error releasing the state lock"))
        #expect(try await world.s3State() == edited, "the hand edit survives")
        // The worker it was about to launch is recorded in the saved state; pushing it makes the state whole.
        let errored = try #require(try LocalStateStore(path: world.directory + "/errored-1.tfstate").read())
        // The first write (recording the launch about to happen) was refused, so nothing was launched.
        #expect(try await world.liveInstances().map(\.name) == ["my-TachyonMaster"])
        #expect(errored.instances.map(\.address.description) == ["aws_instance.master[0]", "aws_instance.worker[0]", "aws_security_group.cluster"])
        // Both moved the serial on by one from the same state: push sees the conflict and asks for -force.
        #expect(errored.serial == edited.serial)
        let refused = await world.tfy(["state", "push", "errored-1.tfstate", "-chdir", "cluster"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("both have serial \(edited.serial) but differ: two runs changed the same state."))
        #expect(try await world.s3State() == edited)
        let push = await world.tfy(["state", "push", "-force", "errored-1.tfstate", "-chdir", "cluster"])
        #expect(push.status == 0, "\(push.err)")
        #expect(try await world.s3State() == errored)
        let again = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-var", "Masters=1"])
        #expect(again.status == 0, "\(again.err)")
        #expect(try await world.liveInstances().map(\.name) == ["my-TachyonMaster", "my-TachyonWorker1"])
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-var", "Masters=1", "-detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
    }

    @Test func migrationToS3AndBackKeepsLineageAndSerial() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let local = try world.state()
        let localBytes = try Data(contentsOf: URL(fileURLWithPath: world.statePath))
        try await world.useS3Backend()
        // With the backend configured and the state still local, tfy says so rather than start empty.
        let before = await world.tfy(["plan", "cluster", "-var", "machines=2", "-no-color"])
        #expect(before.err.contains("Warning: Local state file not used"), "\(before.err)")

        let migrate = await world.tfy(["state", "migrate", "-chdir", "cluster"])
        #expect(migrate.status == 0, "\(migrate.err)")
        #expect(migrate.out == "Migrated the state (lineage \(local.lineage), serial \(local.serial)) from \(world.statePath) to s3://\(Self.bucket)/\(world.stateKey).\nThe stack key was kept in s3://\(Self.bucket)/\(world.stateKey).keys/stack-key.\nThe local file was renamed to \(world.statePath).migrated, so no run reads it by mistake.\n")
        #expect(try await world.s3Object(world.stateKey) == localBytes, "the same bytes: lineage and serial kept")
        #expect(!FileManager.default.fileExists(atPath: world.statePath))
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(!plan.err.contains("Local state file not used"))

        // Migrating again onto a state of another lineage is refused.
        try FileManager.default.moveItem(atPath: world.statePath + ".migrated", toPath: world.statePath)
        var other = local
        other.lineage = "00000000-0000-0000-0000-000000000000"
        try LocalStateStore(path: world.statePath).write(other)
        let refused = await world.tfy(["state", "migrate", "-chdir", "cluster"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("Error: State not replaced\n\ns3://\(Self.bucket)/\(world.stateKey) holds a state of lineage \(local.lineage), and \(world.statePath) is of lineage 00000000-0000-0000-0000-000000000000"), "\(refused.err)")
        #expect(try await world.s3Object(world.stateKey) == localBytes)
        try FileManager.default.removeItem(atPath: world.statePath)

        let back = await world.tfy(["state", "migrate", "-to-local", "-chdir", "cluster"])
        #expect(back.status == 0, "\(back.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.statePath)) == localBytes)
        try FileManager.default.removeItem(atPath: world.directory + "/cluster/backend.yml")
        let localPlan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode"])
        #expect(localPlan.status == 0, "\(localPlan.out)\(localPlan.err)")
        #expect(try world.state() == local)
    }

    /// A stack with a generated key moves to S3 with its key, and back to another machine with it.
    @Test func migrationCarriesGeneratedKeys() async throws {
        let world = try await World()
        world.stateConfiguration = "keys"
        try FileManager.default.createDirectory(atPath: world.directory + "/keys", withIntermediateDirectories: true)
        let config = "stack: \(world.stack)\nprovider:\n  aws: {region: us-east-1}\nresource:\n  tfy_ssh_key:\n    cluster: {}\n"
        try config.write(toFile: world.directory + "/keys/main.yml", atomically: true, encoding: .utf8)
        #expect(await world.tfy(["apply", "keys", "-auto-approve"]).status == 0)
        // Beside the configuration's state, recorded relative to the working directory.
        let recorded = "keys/state/\(world.stack).tfy_ssh_key.cluster.key"
        let key = try String(contentsOfFile: world.directory + "/" + recorded, encoding: .utf8)

        try await world.prepareS3()
        let backend = "backend:\n  s3: {bucket: \(Self.bucket), key: \(world.stateKey), region: us-east-1}\n"
        try backend.write(toFile: world.directory + "/keys/backend.yml", atomically: true, encoding: .utf8)
        // A file left by an earlier migration is kept: this one is renamed beside it.
        try "an earlier migration".write(toFile: world.statePath + ".migrated", atomically: true, encoding: .utf8)
        let migrate = await world.tfy(["state", "migrate", "-chdir", "keys"])
        #expect(migrate.status == 0, "\(migrate.err)")
        #expect(migrate.out.hasSuffix("The local file was renamed to \(world.statePath).migrated-1, so no run reads it by mistake.\n"))
        #expect(try String(contentsOfFile: world.statePath + ".migrated", encoding: .utf8) == "an earlier migration")
        #expect(migrate.out.contains("\ntfy_ssh_key.cluster: private key kept in s3://\(Self.bucket)/\(world.stateKey).keys/tfy_ssh_key.cluster\n"), "\(migrate.out)")
        #expect(try await world.s3Object(world.stateKey + ".keys/tfy_ssh_key.cluster").map { String(decoding: $0, as: UTF8.self) } == key)

        // Another machine takes the stack back to a local file: the key comes along.
        let other = world.directory + "/other"
        try FileManager.default.createDirectory(atPath: other + "/keys", withIntermediateDirectories: true)
        try config.write(toFile: other + "/keys/main.yml", atomically: true, encoding: .utf8)
        try backend.write(toFile: other + "/keys/backend.yml", atomically: true, encoding: .utf8)
        let back = await world.tfy(["state", "migrate", "-to-local", "-chdir", "keys"], workingDirectory: other)
        #expect(back.status == 0, "\(back.err)")
        #expect(back.out.contains("\ntfy_ssh_key.cluster: private key fetched from s3://\(Self.bucket)/\(world.stateKey).keys/tfy_ssh_key.cluster to \(recorded)\n"))
        #expect(try String(contentsOfFile: other + "/" + recorded, encoding: .utf8) == key)
        #expect((try FileManager.default.attributesOfItem(atPath: other + "/" + recorded)[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.fileExists(atPath: other + "/keys/state/\(world.stack).tfstate"))
    }

    @Test func pushRefusesAnotherLineageAnOlderSerialAndAConflict() async throws {
        let world = try await World()
        try await world.useS3Backend()
        var state = State(lineage: "11111111-2222-3333-4444-555555555555")
        state.serial = 5
        state.outputs["a"] = StateOutput(value: .string("first"), sensitive: false)
        func push(_ s: State, _ extra: [String] = []) async throws -> World.Run {
            let file = world.directory + "/push.tfstate"
            try LocalStateStore(path: file).write(s)
            return await world.tfy(["state", "push", "push.tfstate", "-chdir", "cluster"] + extra)
        }
        #expect(try await push(state).out == "Pushed push.tfstate to s3://\(Self.bucket)/\(world.stateKey) (lineage \(state.lineage), serial 5).\n")
        #expect(try await world.s3State() == state)

        var otherLineage = state
        otherLineage.lineage = "99999999-2222-3333-4444-555555555555"
        otherLineage.serial = 9
        let lineage = try await push(otherLineage)
        #expect(lineage.status == 1)
        #expect(lineage.err == "Error: State not replaced\n\ns3://\(Self.bucket)/\(world.stateKey) holds a state of lineage \(state.lineage), and push.tfstate is of lineage \(otherLineage.lineage): they are not the same state's history, so writing one over the other would lose the first. Compare them (tfy state pull), and use -force only if push.tfstate is the one to keep.\n\n")

        var older = state
        older.serial = 3
        let olderRun = try await push(older)
        #expect(olderRun.status == 1)
        #expect(olderRun.err.contains("has serial 5, newer than push.tfstate's 3: writing it would undo later changes."))

        var conflict = state
        conflict.outputs["a"] = StateOutput(value: .string("second"), sensitive: false)
        let conflictRun = try await push(conflict)
        #expect(conflictRun.status == 1)
        #expect(conflictRun.err.contains("both have serial 5 but differ: two runs changed the same state."))
        #expect(try await world.s3State() == state, "nothing was overwritten")

        #expect(try await push(state).out == "The state in s3://\(Self.bucket)/\(world.stateKey) is already this one (serial 5); nothing was written.\n")
        let forced = try await push(otherLineage, ["-force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(try await world.s3State() == otherLineage)
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
    }

    /// SlowDown (HTTP 503) from S3 is retried for the lock, the reads and the writes alike.
    @Test func throttlingIsRetried() async throws {
        let world = try await World()
        // The lock's release comes after the API-calls line, so its calls' retries are not in it:
        // with this seed every throttled request comes before (the proxy draws one number per
        // request, so the seed fixes which of the run's S3 requests are throttled).
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--throttle", "0.4", "--seed", "13"])
        try await world.useS3Backend(s3Endpoint: "http://127.0.0.1:\(proxy.port)")
        // EC2 goes straight to moto; only the backend's calls pass the proxy.
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(apply.status == 0, "\(apply.err)")
        let stats = try await proxyStats(proxy)
        #expect((stats["throttled"] ?? 0) > 0)
        // Every request the proxy throttled was retried, and the run's API-calls line says so.
        #expect(reportedRetries(apply.out) == stats["throttled"], "\(apply.out)")
        #expect(try await world.s3State()?.instances.count == 3)
        #expect(try await world.s3Object(world.stateKey + ".tflock") == nil)
    }

    @Test func aMissingBucketIsAClearError() async throws {
        let world = try await World()
        try await world.useS3Backend(createBucket: false)
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 1)
        #expect(plan.err == "Error: Error acquiring the state lock\n\nCannot create the lock object s3://\(Self.bucket)/\(world.stateKey).tflock: the bucket \"\(Self.bucket)\" does not exist (region us-east-1, \(world.motoEndpoint)). Create it, with versioning on (see docs/backend.md), or correct the backend's \"bucket\".\n\n")
    }

    /// Credentials that may read but not write: moto checks IAM policies once authentication is on.
    @Test func accessDeniedNamesWhatTheBackendNeeds() async throws {
        // The first four calls (bucket, user, key, policy) are made before moto checks anything.
        let world = try await World(motoEnvironment: ["INITIAL_NO_AUTH_ACTION_COUNT": "4"])
        try await world.useS3Backend()
        _ = try await world.cli(["iam", "create-user", "--user-name", "ci"])
        let key = try #require(try await world.cli(["iam", "create-access-key", "--user-name", "ci"])["AccessKey"] as? [String: Any])
        let policy = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}"#
        _ = try await world.cli(["iam", "put-user-policy", "--user-name", "ci", "--policy-name", "read-only", "--policy-document", policy])
        world.extraEnvironment["AWS_ACCESS_KEY_ID"] = key["AccessKeyId"] as? String
        world.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"] as? String
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 1)
        let expected = "Error: Error acquiring the state lock\n\nCannot create the lock object s3://\(Self.bucket)/\(world.stateKey).tflock: access denied (AccessDenied from S3, S3 PutObject failed: AccessDenied: "
        #expect(plan.err.hasPrefix(expected), "\(plan.err)")
        #expect(plan.err.contains("The credentials from environment may not use s3://\(Self.bucket)/\(world.stateKey): the backend needs s3:ListBucket on the bucket, s3:GetObject and s3:PutObject on the key, and s3:GetObject, s3:PutObject and s3:DeleteObject on the key + \".tflock\""))
        #expect(!plan.err.contains(key["SecretAccessKey"] as? String ?? "-"))

        world.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let wrong = await world.tfy(["state", "list", "-chdir", "cluster"])
        #expect(wrong.status == 1)
        #expect(wrong.err.hasPrefix("Error: Failed to load state\n\nError reading the state s3://\(Self.bucket)/\(world.stateKey): S3 rejected the credentials from environment (S3 GetObject failed: SignatureDoesNotMatch: "), "\(wrong.err)")
        #expect(wrong.err.hasSuffix("Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the backend's \"profile\". The object was not modified.\n\n"))
        #expect(!wrong.err.contains("not-the-secret"))
    }

    @Test func backendSettingsFromTheCommandLine() async throws {
        let world = try await World()
        try await world.useS3Backend(block: "backend:\n  s3: {region: us-east-1}\n")
        let missing = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(missing.err == "Error: Missing backend setting\n\nThe S3 backend needs \"bucket\": set it in the backend block (cluster/backend.yml:2:3) or with -backend-config bucket=VALUE.\n\n")
        let unknown = await world.tfy(["plan", "cluster", "-no-color", "-backend-config", "buckt=x"])
        #expect(unknown.err == "Error: Invalid -backend-config\n\nThe s3 backend has no setting \"buckt\". Did you mean \"bucket\"?\n\n")
        let notBool = await world.tfy(["plan", "cluster", "-no-color", "-backend-config", "encrypt=yes", "-backend-config", "nonsense"])
        #expect(notBool.err == "Error: Invalid -backend-config\n\nencrypt must be true or false, not \"yes\".\n\nError: Invalid -backend-config\n\n\"nonsense\" is neither KEY=VALUE nor a file of settings.\n\n")
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2",
                                     "-backend-config", "bucket=\(Self.bucket)", "-backend-config", "key=\(world.stateKey)", "-backend-config", "encrypt=true"])
        #expect(apply.status == 0, "\(apply.err)")
        let head = try await world.cli(["s3api", "head-object", "--bucket", Self.bucket, "--key", world.stateKey])
        #expect(head["ServerSideEncryption"] as? String == "AES256")
        // The same settings from a file, as one per environment would be kept.
        try "bucket: \(Self.bucket)\nkey: \(world.stateKey)\nencrypt: true\n".write(toFile: world.directory + "/prod.backend.yml", atomically: true, encoding: .utf8)
        let fromFile = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode", "-backend-config", "prod.backend.yml"])
        #expect(fromFile.status == 0, "\(fromFile.out)\(fromFile.err)")
        try "bucket: 5\nbuckt: x\n".write(toFile: world.directory + "/bad.backend.yml", atomically: true, encoding: .utf8)
        let badFile = await world.tfy(["plan", "cluster", "-no-color", "-backend-config", "bad.backend.yml", "-backend-config", "nofile.yml"])
        #expect(badFile.err == "Error: Invalid -backend-config\n\n\"nofile.yml\" is neither KEY=VALUE nor a file of settings.\n\nError: Invalid backend setting\n\n  on bad.backend.yml:1:9:\n\nbucket must be a string, not 5.\n\nError: Invalid -backend-config\n\n  on bad.backend.yml:2:8:\n\nThe s3 backend has no setting \"buckt\". Did you mean \"bucket\"?\n\n", "\(badFile.err)")
        let local = await world.tfy(["plan", "cluster", "-state", "x.tfstate", "-backend-config", "bucket=\(Self.bucket)", "-backend-config", "key=\(world.stateKey)", "-no-color"])
        #expect(local.err == "Error: -state cannot be used with the S3 backend\n\nThis configuration keeps its state in s3://\(Self.bucket)/\(world.stateKey); -state names a local file. To move the state between them, use tfy state migrate.\n\n")
        try "backend:\n  s3: {bucket: \"${var.stack_tag}\", key: k}\n".write(toFile: world.directory + "/cluster/backend.yml", atomically: true, encoding: .utf8)
        let variable = await world.tfy(["plan", "cluster", "-no-color"])
        try "backend:\n  s3: {bucket: 5, key: k}\n".write(toFile: world.directory + "/cluster/backend.yml", atomically: true, encoding: .utf8)
        let number = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(number.err == "Error: Invalid backend setting\n\n  on cluster/backend.yml:2:8:\n  2 |   s3: {bucket: 5, key: k}\n    |        ^\n\nbucket must be a string, not 5.\n\n", "\(number.err)")
        try "backend:\n  s3: {bucket: \"${var.stack_tag}\", key: k}\n".write(toFile: world.directory + "/cluster/backend.yml", atomically: true, encoding: .utf8)
        let variableAgain = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(variable.err == variableAgain.err)
        let validate = await world.tfy(["validate", "cluster", "-no-color"])
        #expect(validate.status == 1)
        #expect(validate.err == variable.err, "validate finds it without contacting anything")
        #expect(variable.err == "Error: Variables not allowed\n\n  on cluster/backend.yml:2:19:\n  2 |   s3: {bucket: \"${var.stack_tag}\", key: k}\n    |                   ^\n\nThe backend is set up before variables, locals and resources are known, so its settings must be literal values. Give \"bucket\" with -backend-config bucket=VALUE instead.\n\n", "\(variable.err)")
    }
}

extension World {
    var stateKey: String { "stacks/\(stack).tfstate" }

    /// Creates the bucket and adds `backend.yml` naming it; S3 calls go to `s3Endpoint` (moto).
    func useS3Backend(block: String? = nil, createBucket: Bool = true, s3Endpoint: String? = nil) async throws {
        try await prepareS3(createBucket: createBucket, s3Endpoint: s3Endpoint)
        let text = block ?? "backend:\n  s3: {bucket: \(S3BackendTests.bucket), key: \(stateKey), region: us-east-1, use_lockfile: true}\n"
        try text.write(toFile: directory + "/cluster/backend.yml", atomically: true, encoding: .utf8)
    }

    /// The bucket, and tfy's S3 calls pointed at moto (or a proxy in front of it).
    func prepareS3(createBucket: Bool = true, s3Endpoint: String? = nil) async throws {
        if createBucket { _ = try await cli(["s3api", "create-bucket", "--bucket", S3BackendTests.bucket]) }
        extraEnvironment["AWS_ENDPOINT_URL_S3"] = s3Endpoint ?? motoEndpoint
    }

    /// The object's bytes as the AWS CLI reads them, or nil when there is none (a failed read throws).
    func s3Object(_ key: String) async throws -> Data? {
        try await awsS3Object(motoEndpoint, bucket: S3BackendTests.bucket, key: key, accessKey: "AKIDTEST", secret: "x")
    }

    func putS3Object(_ key: String, _ data: Data) async throws {
        let file = NSTemporaryDirectory() + "tfy-s3-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        try data.write(to: URL(fileURLWithPath: file))
        _ = try await cli(["s3api", "put-object", "--bucket", S3BackendTests.bucket, "--key", key, "--body", file])
    }

    func s3State() async throws -> State? {
        guard let data = try await s3Object(stateKey) else { return nil }
        return try State.decode([UInt8](data)).get()
    }

    /// Waits (up to 60 s) until the object exists, and returns it.
    func waitForS3Object(_ key: String) async throws -> Data {
        try await eventually("\(key) appearing") { try await s3Object(key) }
    }

    func s3Store(endpoint: String? = nil) -> S3StateStore {
        let client = S3Client(credentials: AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "x"), region: "us-east-1", endpoint: endpoint ?? motoEndpoint,
                              retry: RetryPolicy(maxAttempts: 3, random: { 0 }, sleep: { _ in }))
        return S3StateStore(client: client, bucket: S3BackendTests.bucket, key: stateKey)
    }
}

/// The team's case: the state in S3, and a cluster key (`tfy_ssh_key`) that bootstraps upload
/// (`source` computed from `private_key_file`, read at apply). Another machine plans without the
/// key, and applies by fetching it from the backend, which keeps it beside the state.
@Suite(.serialized, .timeLimit(.minutes(30))) struct TeamBootstrapTests {
    @Test func anotherMachinePlansWithoutTheKeyAndAppliesWithTheBackendsCopy() async throws {
        let world = try await World()
        let hosts = try await Hosts(world, count: 1)
        try FileManager.default.createDirectory(atPath: world.directory + "/keyed", withIntermediateDirectories: true)
        let config = """
            stack: \(world.stack)
            variable:
              stack_tag: {type: string}
              port: {type: number}
              key_file: {type: string}
              root: {type: string}
              user: {type: string}
            provider:
              aws: {region: us-east-1}
            backend:
              s3: {bucket: \(S3BackendTests.bucket), key: \(world.stateKey), region: us-east-1}
            resource:
              aws_instance:
                node: {ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "${var.stack_tag}-node"}}
              tfy_ssh_key:
                cluster: {}
              tfy_bootstrap:
                node:
                  instance_id: "${aws_instance.node.id}"
                  connection: {host: 127.0.0.1, port: "${var.port}", user: "${var.user}", private_key_file: "${var.key_file}", timeout: 20s}
                  files:
                    - {source: "${tfy_ssh_key.cluster.private_key_file}", destination: "${var.root}/cluster_key", mode: "0600"}
                    - {content: "${tfy_ssh_key.cluster.public_key}", destination: "${var.root}/cluster_key.pub"}
                  inline: ["ls -l ${var.root}/cluster_key | cut -c1-10"]
            """
        try config.write(toFile: world.directory + "/keyed/main.yml", atomically: true, encoding: .utf8)
        try await world.prepareS3()
        let variables = ["-var", "port=\(hosts.ports[0])", "-var", "key_file=\(hosts.keyFile)", "-var", "root=\(world.directory)/roots/h0", "-var", "user=\(NSUserName())"]

        let apply = await world.tfy(["apply", "keyed", "-auto-approve", "-no-color"] + variables)
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")
        #expect(apply.out.contains("tfy_bootstrap.node (remote-exec): -rw-------\n"))
        // The state records where the key is, relative to the working directory; never the key.
        let recorded = "keyed/state/\(world.stack).tfy_ssh_key.cluster.key"
        #expect(try await world.s3State()?.instance(ResourceAddress(type: "tfy_ssh_key", name: "cluster"))?.attributes["private_key_file"]?.stringValue == recorded)
        let key = try String(contentsOfFile: world.directory + "/" + recorded, encoding: .utf8)
        #expect(hosts.file(0, "cluster_key") == key)
        #expect(String(decoding: try await world.s3Object(world.stateKey) ?? Data(), as: UTF8.self).contains("PRIVATE KEY") == false, "the key is not in the state")
        // The backend keeps a copy for other machines, encrypted at rest, under its own prefix.
        let escrow = world.stateKey + ".keys/tfy_ssh_key.cluster"
        #expect(try await world.s3Object(escrow).map { String(decoding: $0, as: UTF8.self) } == key)
        #expect(try await world.cli(["s3api", "head-object", "--bucket", S3BackendTests.bucket, "--key", escrow])["ServerSideEncryption"] as? String == "AES256")

        // Another machine: its own checkout, no state/ directory, no key.
        let ci = world.directory + "/ci"
        try FileManager.default.createDirectory(atPath: ci + "/keyed", withIntermediateDirectories: true)
        try config.write(toFile: ci + "/keyed/main.yml", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "keyed", "-detailed-exitcode", "-no-color"] + variables, workingDirectory: ci)
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("No changes."))
        #expect(!FileManager.default.fileExists(atPath: ci + "/" + recorded), "planning needs no key")

        // Applying there fetches the key from the backend first.
        try FileManager.default.removeItem(atPath: world.directory + "/roots/h0/cluster_key")
        let rerun = await world.tfy(["apply", "keyed", "-auto-approve", "-no-color", "-replace", "tfy_bootstrap.node"] + variables, workingDirectory: ci)
        #expect(rerun.status == 0, "\(rerun.out)\(rerun.err)")
        #expect(rerun.out.contains("tfy_ssh_key.cluster: private key fetched from s3://\(S3BackendTests.bucket)/\(world.stateKey).keys/tfy_ssh_key.cluster to \(recorded)\n"))
        #expect(try String(contentsOfFile: ci + "/" + recorded, encoding: .utf8) == key)
        #expect((try FileManager.default.attributesOfItem(atPath: ci + "/" + recorded)[.posixPermissions] as? Int) == 0o600)
        #expect(hosts.file(0, "cluster_key") == key)

        // A key neither here nor in the backend: a warning first, then the bootstrap's own error.
        try FileManager.default.removeItem(atPath: ci + "/" + recorded)
        _ = try await world.cli(["s3api", "delete-object", "--bucket", S3BackendTests.bucket, "--key", escrow])
        let lost = await world.tfy(["apply", "keyed", "-auto-approve", "-no-color", "-replace", "tfy_bootstrap.node"] + variables, workingDirectory: ci)
        #expect(lost.status == 1)
        #expect(lost.err.contains("Warning: Private key not found\n\n  with tfy_ssh_key.cluster\n\ntfy_ssh_key.cluster's private key is neither at \(recorded) on this machine nor in s3://\(S3BackendTests.bucket)/\(world.stateKey).keys/tfy_ssh_key.cluster."), "\(lost.err)")
        #expect(lost.err.contains("cannot read \(ci)/\(recorded), the file to upload to \(world.directory)/roots/h0/cluster_key: it does not exist on this machine or is not readable."))
        try await world.putS3Object(escrow, Data(key.utf8))

        // tfy ssh finds the node through the S3 state, and pins the host key on this machine too
        // (whose state/ directory did not exist: ssh would have connected without pinning).
        let ssh = await world.tfy(["ssh", "node", "-chdir", "keyed", "--", "cat", world.directory + "/roots/h0/cluster_key.pub"], workingDirectory: ci)
        #expect(ssh.status == 0, "\(ssh.err)")
        #expect(ssh.out == (try await world.s3State()?.instance(ResourceAddress(type: "tfy_ssh_key", name: "cluster"))?.attributes["public_key"]?.stringValue ?? "-") + "\n")
        let pinned = try String(contentsOfFile: ci + "/keyed/state/\(world.stack).known_hosts", encoding: .utf8)
        #expect(pinned.hasPrefix("[127.0.0.1]:\(hosts.ports[0]) ssh-ed25519 "))

        // Destroying the key removes the backend's copy too.
        let destroy = await world.tfy(["destroy", "keyed", "-auto-approve", "-no-color"] + variables, workingDirectory: ci)
        #expect(destroy.status == 0, "\(destroy.err)")
        #expect(try await world.s3Object(escrow) == nil)
        #expect(!FileManager.default.fileExists(atPath: ci + "/" + recorded))
    }
}
