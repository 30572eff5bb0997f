import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// An instance stopped for an in-place update is never left stopped (issue 15, item 9): a failed
/// modify starts it again before the error is told, and a run killed while it is stopped leaves a
/// state from which the next plan shows the start and apply makes it.
@Suite(.timeLimit(.minutes(30)))
struct UpdateRecoveryTests {
    static let configuration = """
        variable:
          type: {type: string, default: t2.small}
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            box:
              ami: ami-1ecae776
              instance_type: "${var.type}"
              tags: {Name: box}

        """

    /// A world with one instance in `resize/`, applied through a fault proxy.
    static func resizable() async throws -> (World, Helper) {
        let world = try await World()
        world.stateConfiguration = "resize"
        try FileManager.default.createDirectory(atPath: world.directory + "/resize", withIntermediateDirectories: true)
        try ("stack: \(world.stack)\n" + configuration).write(toFile: world.directory + "/resize/main.yml", atomically: true, encoding: .utf8)
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let apply = await world.tfy(["apply", "resize", "-auto-approve"])
        #expect(apply.status == 0, "\(apply.err)")
        return (world, proxy)
    }

    static func faults(_ proxy: Helper, _ json: String) async throws {
        _ = try await runProgram("curl", ["-sf", "-X", "POST", "-d", json, "http://127.0.0.1:\(proxy.port)/__faults__"])
    }

    /// The instance as the AWS CLI sees it: state and type.
    static func described(_ world: World) async throws -> (state: String, type: String) {
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        let json = try await world.cli(["ec2", "describe-instances", "--instance-ids", id])
        let instance = try #require(((json["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }.first)
        return ((instance["State"] as? [String: Any])?["Name"] as? String ?? "", instance["InstanceType"] as? String ?? "")
    }

    @Test func aFailedModifyStartsTheInstanceAgain() async throws {
        let (world, proxy) = try await Self.resizable()
        try await Self.faults(proxy, #"{"fail_actions": {"ModifyInstanceAttribute": "InvalidParameterValue"}}"#)
        let update = await world.tfy(["apply", "resize", "-auto-approve", "-var", "type=t2.medium", "-no-color"])
        #expect(update.status == 1)
        #expect(update.err.hasPrefix("Error: Error updating aws_instance.box\n\n  with aws_instance.box\n\n"), "\(update.err)")
        #expect(update.err.contains("InvalidParameterValue"), "\(update.err)")
        #expect(try await proxyStats(proxy)["failed_actions"] == 1)
        let after = try await Self.described(world)
        #expect(after.state == "running", "started again before the error was reported")
        #expect(after.type == "t2.small")
        #expect(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box"))?.isMarked(StateInstance.Marker.stoppedForUpdate) == false, "nothing left to finish")

        // Once EC2 takes the change, the same apply makes it.
        try await Self.faults(proxy, #"{"fail_actions": {}}"#)
        let again = await world.tfy(["apply", "resize", "-auto-approve", "-var", "type=t2.medium", "-no-color"])
        #expect(again.status == 0, "\(again.err)")
        #expect(try await Self.described(world) == ("running", "t2.medium"))
    }

    @Test func killedWhileStoppedTheNextPlanShowsTheStartAndApplyMakesIt() async throws {
        try requireExecutable()
        let (world, proxy) = try await Self.resizable()
        // The modify is held until the run is killed: the instance is stopped then.
        try await Self.faults(proxy, #"{"hold_actions": ["ModifyInstanceAttribute"]}"#)
        let process = try world.spawn(["apply", "resize", "-auto-approve", "-var", "type=t2.medium"], endpoint: world.endpoint)
        let deadline = Date().addingTimeInterval(60)
        while try await proxyStats(proxy)["held"] ?? 0 < 1 {
            try #require(Date() < deadline && process.isRunning, "the update reached its modify")
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill(process.processIdentifier, SIGKILL)
        try await waitForExit(process, name: "tfy apply killed during its update")
        // Let the held call go, failed: the killed run's modify never takes effect.
        try await Self.faults(proxy, #"{"hold_actions": [], "fail_actions": {"ModifyInstanceAttribute": "InvalidParameterValue"}}"#)
        #expect(try await Self.described(world) == ("stopped", "t2.small"))
        #expect(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box"))?.isMarked(StateInstance.Marker.stoppedForUpdate) == true)

        let plan = await world.tfy(["plan", "resize", "-no-color", "-detailed-exitcode"])
        #expect(plan.status == 2, "\(plan.err)")
        #expect(plan.out.contains("""
              # aws_instance.box will be updated in-place
              ~ resource "aws_instance" "box" {
            """), "\(plan.out)")
        #expect(plan.out.contains("      ~ instance_state = \"stopped\" -> \"running\"\n"), "\(plan.out)")
        #expect(plan.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(plan.out)")

        let apply = await world.tfy(["apply", "resize", "-auto-approve", "-no-color"])
        #expect(apply.status == 0, "\(apply.err)")
        #expect(apply.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(apply.out)")
        #expect(try await Self.described(world) == ("running", "t2.small"))
        #expect(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box"))?.isMarked(StateInstance.Marker.stoppedForUpdate) == false)
        let clean = await world.tfy(["plan", "resize", "-detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.out)\(clean.err)")
    }
}
