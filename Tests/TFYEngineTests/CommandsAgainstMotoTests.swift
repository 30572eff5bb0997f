import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// The commands around apply: outputs, state inspection, refresh-only, JSON progress, timeouts.
@Suite(.timeLimit(.minutes(20)))
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
        #expect(show.out.contains("    instance_type               = \"t2.small\"\n"))
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
        let lines = run.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("{\"@level\":\"info\",\"@message\":\"aws_security_group.cluster: Creating...\",\"type\":\"apply_start\"}"))
        #expect(lines.contains { $0.hasPrefix("{\"@level\":\"info\",\"@message\":\"aws_instance.master[0]: Still creating... [") })
        #expect(lines.last == "{\"@level\":\"info\",\"@message\":\"Apply complete! Resources: 3 added, 0 changed, 0 destroyed.\",\"changes\":{\"add\":3,\"change\":0,\"operation\":\"apply\",\"remove\":0},\"type\":\"change_summary\"}")
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
