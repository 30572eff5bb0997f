import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// No write replaces what is not a regular file, and nothing but a regular file is read as the
/// state: a FIFO or a symbolic link at `-out` is left untouched, a broken link at the state path
/// is an error, never "no state".
@Suite(.timeLimit(.minutes(30)))
struct LocalStateWriteTests {
    var lockPath: (World) -> String { { StateLock.lockPath(forState: $0.statePath) } }

    enum Special: String, CaseIterable { case fifo, symlink }

    @Test(arguments: Special.allCases)
    func planOutRefusesToReplaceWhatIsNotARegularFile(_ special: Special) async throws {
        let world = try await World()
        let plans = world.directory + "/plans"
        try FileManager.default.createDirectory(atPath: plans, withIntermediateDirectories: true)
        let out = plans + "/review.tfplan", target = plans + "/kept.txt"
        let kind: String
        switch special {
        case .fifo:
            #expect(mkfifo(out, 0o600) == 0)
            kind = "a FIFO (named pipe)"
        case .symlink:
            try "kept\n".write(toFile: target, atomically: false, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: out, withDestinationPath: target)
            kind = "a symbolic link to \"\(target)\""
        }
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-out", "plans/review.tfplan", "-no-color"])
        #expect(plan.status == 1)
        #expect(plan.err == "Error: Failed to write plan file\n\n\(out): it is \(kind), not a regular file; tfy replaces only a regular file or a missing path, so it was left untouched\n\n", "\(plan.err)")
        var status = stat()
        #expect(lstat(out, &status) == 0)
        #expect(status.st_mode & S_IFMT == (special == .fifo ? S_IFIFO : S_IFLNK))
        if special == .symlink {
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out) == target)
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "kept\n")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: plans).sorted() == (special == .fifo ? ["review.tfplan"] : ["kept.txt", "review.tfplan"]))
    }

    enum Link: String, CaseIterable { case dangling, looping }

    @Test(arguments: Link.allCases)
    func aBrokenSymlinkAtTheStatePathIsAnErrorNotNoState(_ link: Link) async throws {
        let world = try await World()
        try FileManager.default.createDirectory(atPath: world.stateDirectory, withIntermediateDirectories: true)
        let target = link == .dangling ? world.stateDirectory + "/moved-away.tfstate" : world.statePath
        try FileManager.default.createSymbolicLink(atPath: world.statePath, withDestinationPath: target)
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-no-color"])
        #expect(plan.status == 1)
        let why = link == .dangling ? "which does not exist" : "which loops back on itself"
        #expect(plan.err == "Error: Failed to load state\n\nError reading the state file \"\(world.statePath)\": it is a symbolic link to \"\(target)\", \(why); tfy reads the state only from a regular file (give the file itself with -state PATH). The file was not modified.\n\n", "\(plan.err)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: world.statePath) == target)
        #expect(!FileManager.default.fileExists(atPath: lockPath(world)))
    }

    @Test func aSymlinkToAStateFileIsRefusedNamingItsTarget() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let real = world.directory + "/elsewhere.tfstate"
        try FileManager.default.moveItem(atPath: world.statePath, toPath: real)
        try FileManager.default.createSymbolicLink(atPath: world.statePath, withDestinationPath: real)
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-no-color"])
        #expect(plan.status == 1)
        #expect(plan.err == "Error: Failed to load state\n\nError reading the state file \"\(world.statePath)\": it is a symbolic link to \"\(real)\"; tfy reads the state only from a regular file (give the file itself with -state PATH). The file was not modified.\n\n", "\(plan.err)")
        let direct = await world.tfy(["plan", "cluster", "-var", "machines=2", "-state", real, "-detailed-exitcode"])
        #expect(direct.status == 0, "\(direct.err)")
    }
}
