import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// The local state lock under crashes: it dies with its holder, an empty or garbled lock file
/// wedges nothing, a live holder is still refused and named, and a crashed write's temporary
/// files are removed by the next run.
@Suite(.timeLimit(.minutes(30)))
struct LocalStateLockTests {
    var lockPath: (World) -> String { { StateLock.lockPath(forState: $0.statePath) } }

    /// The lock file's JSON once a run has written it (the run writes it right after taking the
    /// lock), and the run itself waiting at its prompt.
    func waitForLockInfo(_ world: World, _ run: World.Interactive) async throws -> [String: Any] {
        try await eventually("the run taking the lock and prompting", timeout: programTimeout) {
            let prompted = (try? String(contentsOfFile: run.outFile, encoding: .utf8))?.contains("Enter a value: ") == true
            guard prompted, let data = FileManager.default.contents(atPath: lockPath(world)) else { return nil }
            return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
    }

    @Test func aRunKilledWhileHoldingTheLockLeavesNothingToForceUnlock() async throws {
        try requireExecutable()
        let world = try await World()
        let first = try world.spawnInteractive(["apply", "cluster", "-var", "machines=2", "-no-color"])
        let info = try await waitForLockInfo(world, first)
        let id = try #require(info["ID"] as? String)
        kill(first.process.processIdentifier, SIGKILL)
        _ = try await first.finished()
        #expect(FileManager.default.fileExists(atPath: lockPath(world)), "kill -9 leaves the lock file behind")

        let rerun = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(rerun.status == 0, "\(rerun.err)")
        let line = "Found a stale state lock left by a process that is gone (ID \(id), OperationTypeApply by \(info["Who"] as? String ?? "?"), PID \(first.process.processIdentifier) on \(info["Host"] as? String ?? "?"), created \(info["Created"] as? String ?? "?")); took it.\n"
        #expect(rerun.err == line, "\(rerun.err)")
        #expect(rerun.out.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."))
        #expect(try await world.liveInstances().count == 2)
        #expect(!FileManager.default.fileExists(atPath: lockPath(world)), "the rerun released its lock")
    }

    @Test func anEmptyLockFileDoesNotWedgeTheStack() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        // A run that died between creating the lock file and writing it.
        #expect(FileManager.default.createFile(atPath: lockPath(world), contents: Data()))
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.err == "Found an empty state lock file \(lockPath(world)) that no process holds (a run died while taking the lock); took it.\n")
        #expect(!FileManager.default.fileExists(atPath: lockPath(world)))
    }

    @Test(arguments: [Data(), Data("{\"ID\": tru".utf8)])
    func forceUnlockRemovesAnEmptyOrGarbledLockFile(_ content: Data) async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        #expect(FileManager.default.createFile(atPath: lockPath(world), contents: content))
        let unlocked = await world.tfy(["force-unlock", "any-id", "-chdir", "cluster"])
        #expect(unlocked.status == 0, "\(unlocked.err)")
        #expect(unlocked.out.hasPrefix("tfy state has been successfully unlocked!"))
        #expect(!FileManager.default.fileExists(atPath: lockPath(world)))
    }

    @Test func aLiveHolderIsStillRefusedNamedAndCannotBeForceUnlocked() async throws {
        try requireExecutable()
        let world = try await World()
        let first = try world.spawnInteractive(["apply", "cluster", "-var", "machines=2", "-no-color"])
        let info = try await waitForLockInfo(world, first)
        let id = try #require(info["ID"] as? String)
        let pid = first.process.processIdentifier

        let second = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-no-color", "-lock-timeout", "1s"])
        #expect(second.status == 1)
        #expect(second.err.hasPrefix("Error: Error acquiring the state lock\n\nThe state is locked by another run, so this one cannot change it.\n\nLock Info:\n  ID:        \(id)\n  Path:      \(world.statePath)\n  Operation: OperationTypeApply\n"), "\(second.err)")
        #expect(second.err.contains("  PID:       \(pid) on \(info["Host"] as? String ?? "?")\n"))
        #expect(second.err.contains("(this one waited 1s)"))

        let forced = await world.tfy(["force-unlock", id, "-chdir", "cluster"])
        #expect(forced.status == 1)
        #expect(forced.err.contains("Error: Lock held by a running process\n\nThe lock \(id) on \(world.statePath) is held by process \(pid) on \(info["Host"] as? String ?? "?"), which is still running (OperationTypeApply by \(info["Who"] as? String ?? "?")). A local lock ends with the process that holds it, so there is nothing to force: wait for that run to finish, or stop it.\n"), "\(forced.err)")
        #expect(StateLock.holder(statePath: world.statePath)?.id == id)

        let declined = try await first.answer("no")
        #expect(declined.status == 1)
        #expect(!FileManager.default.fileExists(atPath: lockPath(world)))
        #expect(try await world.liveInstances().isEmpty)
    }

    @Test func theStateDirectoryIsCreatedPrivate() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: world.stateDirectory)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func temporaryFilesOfACrashedWriteAreRemovedByTheNextRun() async throws {
        let world = try await World()
        try FileManager.default.createDirectory(atPath: world.stateDirectory, withIntermediateDirectories: true)
        // A crashed write's copy of a state that records a security group: never read as the state.
        var state = State(lineage: "left-behind")
        state.resources = [StateResource(type: "aws_security_group", name: "cluster", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("sg-0")])])]
        let leftovers = [world.statePath + ".tmp-999999-1", world.statePath + ".backup.tmp-999999-2"]
        for path in leftovers { #expect(FileManager.default.createFile(atPath: path, contents: Data(state.encoded()))) }
        let other = world.stateDirectory + "/other.tfstate.tmp-999999-3"
        #expect(FileManager.default.createFile(atPath: other, contents: Data()))

        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("Plan: 3 to add, 0 to change, 0 to destroy."))
        for path in leftovers { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(FileManager.default.fileExists(atPath: other), "another state's files are not this run's to remove")
    }
}
