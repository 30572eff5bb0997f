import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYState
import TFYTestSupport

/// Where state lives (issue 15, item 6): beside the configuration, whichever directory tfy runs
/// from; `-chdir` as Terraform's global option; a saved plan applies to the state it was made
/// against and to no other.
@Suite(.timeLimit(.minutes(30)))
struct StateLocationTests {
    @Test func runningFromTheParentAndFromInsideUsesOneState() async throws {
        let world = try await World()
        let inside = world.directory + "/cluster"
        let first = await world.tfy(["-chdir=cluster", "apply", "-auto-approve", "-var", "machines=3", "-no-color"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."), "\(first.out)")
        #expect(FileManager.default.fileExists(atPath: inside + "/state/\(world.stack).tfstate"))
        let again = await world.tfy(["apply", "-auto-approve", "-var", "machines=3", "-no-color"], workingDirectory: inside)
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("No changes."), "\(again.out)")
        let fromParent = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-no-color"])
        #expect(fromParent.status == 0, "\(fromParent.err)")
        #expect(fromParent.out.contains("No changes."), "\(fromParent.out)")
        let plan = await world.tfy(["-chdir", "cluster", "plan", "-var", "machines=3", "-detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(try await world.liveInstances().count == 3, "one cluster, launched once")
        #expect(!FileManager.default.fileExists(atPath: world.directory + "/state"), "no state under the working directory")
    }

    /// A state kept under the working directory by an earlier tfy is not silently left behind.
    @Test func aStateLeftInTheWorkingDirectoryStopsTheRun() async throws {
        let world = try await World()
        let old = world.directory + "/state/\(world.stack).tfstate"
        try FileManager.default.createDirectory(atPath: world.directory + "/state", withIntermediateDirectories: true)
        try LocalStateStore(path: old).write(State(lineage: "11111111-1111-1111-1111-111111111111"))
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 1)
        #expect(plan.err == """
            Error: State file outside the configuration directory

            A stack's default state is cluster/state/\(world.stack).tfstate, beside its configuration, and there is none there; but state/\(world.stack).tfstate exists, where earlier versions of tfy kept it when run from this directory. Planning without it would create again everything it records. Move it (and its .backup and .known_hosts files) beside the configuration:
                mkdir -p cluster/state && mv state/\(world.stack).tfstate cluster/state/\(world.stack).tfstate
            or name it with -state state/\(world.stack).tfstate.


            """)
        #expect(try await world.liveInstances().isEmpty)
    }

    @Test func aSavedPlanAppliesToItsOwnStateAndRefusesAnother() async throws {
        let world = try await World()
        let made = await world.tfy(["plan", "cluster", "-var", "machines=1", "-var", "Masters=1", "-state", "kept/one.tfstate", "-out", "one.tfplan"])
        #expect(made.status == 0, "\(made.err)")
        let refused = await world.tfy(["apply", "-state", "other.tfstate", "one.tfplan", "-no-color"])
        #expect(refused.status == 1)
        #expect(refused.err == """
            Error: Saved plan is for another state

            The plan file "one.tfplan" was made against the state kept/one.tfstate, but -state names other.tfstate. A saved plan applies only to the state it was made against: apply it without -state, or make a new plan with -state other.tfstate and apply that one.


            """)
        #expect(try await world.liveInstances().isEmpty, "nothing was applied")
        #expect(!FileManager.default.fileExists(atPath: world.directory + "/other.tfstate"))

        // Without -state (or with the same one) it applies to the state it records.
        let applied = await world.tfy(["apply", "one.tfplan", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        let kept = try #require(try LocalStateStore(path: world.directory + "/kept/one.tfstate").read())
        #expect(kept.instances.map(\.address.description) == ["aws_instance.master[0]", "aws_security_group.cluster"])
        #expect(!FileManager.default.fileExists(atPath: world.statePath))
        #expect(try await world.liveInstances().count == 1)
    }

    @Test func chdirMovesEveryRelativePath() async throws {
        let world = try await World()
        try "machines: 1\nMasters: 1\n".write(toFile: world.directory + "/cluster/small.yml.vars", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["-chdir=cluster", "plan", "-var-file", "small.yml.vars", "-out", "small.tfplan", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "\(plan.out)")
        #expect(FileManager.default.fileExists(atPath: world.directory + "/cluster/small.tfplan"))
        let show = await world.tfy(["-chdir=cluster", "show", "-json", "small.tfplan"])
        #expect(show.status == 0, "\(show.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
        #expect(document["format_version"] as? String != nil)
        let saved = try #require(FileManager.default.contents(atPath: world.directory + "/cluster/small.tfplan"))
        let recorded = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect(recorded["state"] as? String == "state/\(world.stack).tfstate", "relative to where plan ran: the configuration directory")
    }

    /// `-chdir` after `plan` used to be read as the short flags -c -h -d -i -r, printing help and
    /// exiting 0 without planning.
    @Test(arguments: [["plan", "-chdir", "web"], ["plan", "-chdir=web"], ["apply", "-chdir", "web", "-auto-approve"]])
    func chdirAfterACommandThatDoesNotTakeItIsAClearError(arguments: [String]) async throws {
        let directory = NSTemporaryDirectory() + "tfy-chdir-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/web", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = await TFYCommandLine.capture(arguments, directory: directory, environment: [:])
        #expect(run.status == 1)
        #expect(run.out == "")
        #expect(run.err == "Error: Invalid -chdir option\n\n-chdir is a global option: it goes before the subcommand, as in Terraform: tfy -chdir=web \(arguments[0]). (To name the configuration directory instead, give it as the argument: tfy \(arguments[0]) web.)\n\n")
    }

    @Test func chdirToNoDirectoryIsAClearError() async throws {
        let directory = NSTemporaryDirectory() + "tfy-chdir-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = await TFYCommandLine.capture(["-chdir=nowhere", "plan"], directory: directory, environment: [:])
        #expect(run.status == 1)
        #expect(run.err == "Error: Invalid -chdir option\n\nThere is no directory at \"nowhere\" to work in.\n\n")
    }
}
