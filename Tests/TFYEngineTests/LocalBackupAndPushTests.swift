import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// The local backend's `.backup` (docs/apply.md, "The state file") and `tfy state push -`
/// (docs/backend.md): the backup holds exactly the state a run read at its start, or the one a
/// push replaced; a refused push changes neither file.
@Suite(.timeLimit(.minutes(30)))
struct LocalBackupAndPushTests {
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func text(_ state: State) -> String { String(decoding: state.encoded(), as: UTF8.self) }

    @Test func applyKeepsTheStateItReadAsTheBackup() async throws {
        let world = try await World()
        let backup = world.statePath + ".backup"
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(first.status == 0, "\(first.err)")
        #expect(bytes(backup) == nil, "there was no state to back up")
        let afterFirst = try #require(bytes(world.statePath))

        let second = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-no-color"])
        #expect(second.status == 0, "\(second.err)")
        #expect(bytes(backup) == afterFirst, "the backup is the state as the second run read it, byte for byte")
        #expect(bytes(world.statePath) != afterFirst)
        #expect(try world.state().instances.count == 4)
        let attributes = try FileManager.default.attributesOfItem(atPath: backup)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
    }

    @Test func pushFromStandardInputBacksUpWhatItReplacesAndRefusesWhatWouldLoseChanges() async throws {
        let world = try await World()
        let backup = world.statePath + ".backup"
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let applied = try #require(bytes(world.statePath))
        let current = try world.state()
        func push(_ input: String, _ extra: [String] = []) async -> World.Run {
            await world.tfy(["state", "push", "-", "-chdir", "cluster"] + extra, input: input)
        }

        // A newer serial of the same lineage replaces the state; the replaced one is the backup.
        var newer = current
        newer.serial += 1
        newer.outputs["pushed"] = StateOutput(value: .string("yes"), sensitive: false)
        let pushed = await push(text(newer))
        #expect(pushed.status == 0, "\(pushed.err)")
        #expect(pushed.out == "Pushed - to \(world.statePath) (lineage \(current.lineage), serial \(newer.serial)).\n")
        #expect(pushed.err.isEmpty, "\(pushed.err)")
        #expect(bytes(world.statePath) == Data(newer.encoded()), "written exactly as pushed")
        #expect(bytes(backup) == applied, "the replaced state, byte for byte")
        #expect(!FileManager.default.fileExists(atPath: StateLock.lockPath(forState: world.statePath)), "unlocked")

        // Refused: another lineage, an older serial, the same serial with other content. Neither
        // the state nor its backup changes.
        var otherLineage = newer
        otherLineage.lineage = "99999999-2222-3333-4444-555555555555"
        otherLineage.serial += 5
        let lineage = await push(text(otherLineage))
        #expect(lineage.status == 1)
        #expect(lineage.err == "Error: State not replaced\n\n\(world.statePath) holds a state of lineage \(current.lineage), and - is of lineage \(otherLineage.lineage): they are not the same state's history, so writing one over the other would lose the first. Compare them (tfy state pull), and use -force only if - is the one to keep.\n\n", "\(lineage.err)")
        var older = newer
        older.serial -= 1
        let olderRun = await push(text(older))
        #expect(olderRun.status == 1)
        #expect(olderRun.err.contains("\(world.statePath) has serial \(newer.serial), newer than -'s \(older.serial): writing it would undo later changes."), "\(olderRun.err)")
        var conflict = newer
        conflict.outputs["pushed"] = StateOutput(value: .string("also"), sensitive: false)
        let conflictRun = await push(text(conflict))
        #expect(conflictRun.status == 1)
        #expect(conflictRun.err.contains("both have serial \(newer.serial) but differ: two runs changed the same state."), "\(conflictRun.err)")
        let notAState = await push("{\"version\": 4")
        #expect(notAState.status == 1)
        #expect(notAState.err.hasPrefix("Error: Cannot read the state to push\n\n\"-\": "), "\(notAState.err)")
        #expect(bytes(world.statePath) == Data(newer.encoded()))
        #expect(bytes(backup) == applied)

        // The state that is already there: nothing written, the backup kept.
        let same = await push(text(newer))
        #expect(same.status == 0)
        #expect(same.out == "The state in \(world.statePath) is already this one (serial \(newer.serial)); nothing was written.\n")
        #expect(bytes(backup) == applied)

        // -force writes another lineage, and backs up what it replaced.
        let forced = await push(text(otherLineage), ["-force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(bytes(world.statePath) == Data(otherLineage.encoded()))
        #expect(bytes(backup) == Data(newer.encoded()))
    }

    /// The same push as a process of its own, the state piped to its standard input.
    @Test func pushReadsAPipe() async throws {
        try requireExecutable()
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let applied = try #require(bytes(world.statePath))
        var newer = try world.state()
        newer.serial += 1
        let run = try world.spawnInteractive(["state", "push", "-", "-chdir", "cluster"])
        let result = try await run.answer(text(newer))
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "Pushed - to \(world.statePath) (lineage \(newer.lineage), serial \(newer.serial)).\n")
        #expect(bytes(world.statePath) == Data(newer.encoded()))
        #expect(bytes(world.statePath + ".backup") == applied)
    }
}
