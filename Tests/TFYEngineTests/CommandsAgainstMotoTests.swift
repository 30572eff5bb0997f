import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYState
import TFYTestSupport

/// The commands around apply: outputs, state inspection, refresh-only, JSON progress, timeouts.
@Suite(.timeLimit(.minutes(30)))
struct CommandsAgainstMotoTests {
    @Test func outputsAndStateCommands() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let ip = await world.tfy(["output", "master_ip", "-raw", "-chdir", "cluster"])
        #expect(ip.status == 0)
        let master = try #require(try world.state().instances.first { $0.address.description == "aws_instance.master[0]" }?.instance.attributes["public_ip"]?.stringValue)
        #expect(ip.out == master)
        #expect(await world.tfy(["output", "-chdir", "cluster"]).out == "master_ip = \"\(master)\"\n")
        #expect(await world.tfy(["output", "nope", "-chdir", "cluster"]).status == 1)
        let list = await world.tfy(["state", "list", "-chdir", "cluster"])
        #expect(list.out == "aws_instance.master[0]\naws_instance.master[1]\naws_instance.worker[0]\naws_security_group.cluster\n")
        let show = await world.tfy(["state", "show", "aws_instance.worker[0]", "-chdir", "cluster"])
        #expect(show.out.hasPrefix("# aws_instance.worker[0]:\nresource \"aws_instance\" \"worker\" {\n"))
        #expect(show.out.contains("    instance_type                        = \"t2.small\"\n"))
        let removed = await world.tfy(["state", "rm", "-keep-tags", "aws_instance.worker[0]", "-chdir", "cluster"])
        #expect(removed.out == "Removed aws_instance.worker[0]\nSuccessfully removed 1 resource instance(s).\n")
        #expect(try world.stateInstances().count == 2)
        // The instance still runs, and -keep-tags left it tagged with its address: the next plan adopts it again.
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=3", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 2, "\(plan.out)")
        #expect(plan.out.contains("  # aws_instance.worker[0] will be adopted (found by its tags, "), "\(plan.out)")
        #expect(try await world.liveInstances().count == 3)
    }

    @Test func refreshOnlyRecordsDriftWithoutChangingAnything() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let victim = try #require(try await world.liveInstances().first { $0.name == "my-TachyonWorker1" })
        _ = try await world.cli(["ec2", "terminate-instances", "--instance-ids", victim.id])
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=3", "-refresh-only", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.worker[0] has been deleted"))
        #expect(plan.out.contains("This is a refresh-only plan, so tfy will not take any actions to undo these."))
        let refreshed = await world.tfy(["refresh", "cluster", "-var", "machines=3", "-no-color"])
        #expect(refreshed.status == 0, "\(refreshed.err)")
        #expect(try world.stateInstances()["aws_instance.worker[0]"] == nil)
        #expect(try await world.liveInstances().count == 2)
    }

    @Test func jsonProgressAndStillRunningLines() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "150"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        world.extraEnvironment = ["TFY_PROGRESS_INTERVAL": "0.2"]
        let run = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-json"])
        #expect(run.status == 0, "\(run.err)")
        // Terraform's machine-readable UI, every line as its schema describes it.
        let messages = JSONStreamTests.messages(run.out).compactMap(\.objectValue)
        let start = try #require(messages.first { $0["type"] == .string("apply_start") && $0["@message"] == .string("aws_security_group.cluster: Creating...") })
        #expect(start["hook"]?.objectValue?["action"] == .string("create"))
        let progress = try #require(messages.first { $0["type"] == .string("apply_progress") && $0["hook"]?.objectValue?["resource"]?.objectValue?["addr"] == .string("aws_instance.master[0]") })
        #expect(progress["@message"]?.stringValue?.hasPrefix("aws_instance.master[0]: Still creating... [") == true)
        #expect(progress["hook"]?.objectValue?["elapsed_seconds"]?.intValue != nil)
        let summary = try #require(messages.first { $0["type"] == .string("change_summary") && $0["changes"]?.objectValue?["operation"] == .string("apply") })
        #expect(summary["@message"] == .string("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."))
        #expect(summary["changes"] == .object(["add": .int(3), "change": .int(0), "import": .int(0), "remove": .int(0), "operation": .string("apply")]))
        #expect(messages.last?["type"] == .string("tfy_api_calls"))
    }

    @Test func aCreateThatFailsAfterTheObjectExistsIsSavedTaintedAndReplacedNextTime() async throws {
        let world = try await World()
        // The group is created, then authorizing the malformed rule fails.
        let failed = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-var", "ingress_cidr=not-a-cidr", "-no-color"])
        #expect(failed.status == 1)
        #expect(failed.err.contains("Error: Error creating aws_security_group.cluster"))
        #expect(try world.state().instances.map { "\($0.address) \($0.instance.status?.rawValue ?? "ok")" } == ["aws_security_group.cluster tainted"])
        #expect(try await world.liveInstances().isEmpty, "the instances that depend on the group were skipped")
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-no-color"])
        #expect(plan.out.contains("  # aws_security_group.cluster is tainted, so must be replaced"))
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(try world.state().instances.count == 3)
        #expect(try world.state().instances.allSatisfy { $0.instance.status == nil })
        #expect(try await world.liveInstances().count == 2)
        #expect(try await world.securityGroups().count == 1)
    }
}

/// Signal handling belongs to the whole process: a run inside another program (these tests run
/// many at once) must not take SIGINT or SIGTERM over, or one run's end would restore the default
/// under another run, and an interrupt meant for the test process would be swallowed.
@Suite(.timeLimit(.minutes(30))) struct InProcessSignalTests {
    /// SIGINT's and SIGTERM's handlers, read without changing them.
    static func dispositions() -> [UInt] {
        [SIGINT, SIGTERM].map { sig in
            var current = sigaction()
            sigaction(sig, nil, &current)
            return unsafeBitCast(current.__sigaction_handler.sa_handler, to: UInt.self)
        }
    }

    @Test func anInProcessApplyLeavesTheProcessSignalHandlingAlone() async throws {
        let world = try await World()
        let before = Self.dispositions()
        final class Seen: @unchecked Sendable { var atPrompt: [UInt] = []; var err = "" }
        let seen = Seen()
        // Read while the apply waits for its answer: the moment its interrupt handling is in place.
        let context = CommandContext(environment: world.environment, workingDirectory: world.directory, isTerminal: false,
                                     out: { _ in }, err: { seen.err += $0 }, readLine: { seen.atPrompt = Self.dispositions(); return "no" })
        let status = await TFYCommandLine.run(["apply", "cluster", "-var", "machines=2", "-no-color"], context: context)
        #expect(status == 1)
        #expect(seen.atPrompt.count == 2, "the apply reached its prompt: \(seen.err)")
        #expect(seen.atPrompt == before)
        #expect(Self.dispositions() == before)
        #expect(try await world.liveInstances().isEmpty)
    }
}
