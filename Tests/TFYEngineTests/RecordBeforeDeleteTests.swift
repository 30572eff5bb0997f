import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Every deletion is recorded with a conditional state write before the delete call (issue 15,
/// item 5): a run that lost its lock, whose state someone changed meanwhile, deletes nothing.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct RecordBeforeDeleteTests {
    @Test func aDestroyThatLostItsLockTerminatesNothing() async throws {
        try requireExecutable()
        let world = try await World()
        try await world.useS3Backend()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-var", "Masters=1"]).status == 0)
        let launched = try await world.liveInstances()
        #expect(launched.map(\.name) == ["my-TachyonMaster", "my-TachyonWorker1"])
        let destroy = try world.spawnInteractive(["destroy", "cluster", "-var", "machines=2", "-var", "Masters=1", "-no-color"])
        let lockBytes = try await world.waitForS3Object(world.stateKey + ".tflock")
        let id = try #require((try JSONSerialization.jsonObject(with: lockBytes) as? [String: Any])?["ID"] as? String)
        let unlocked = await world.tfy(["force-unlock", id, "-chdir", "cluster"])
        #expect(unlocked.status == 0, "\(unlocked.out)\(unlocked.err)")
        // Someone edits the state by hand meanwhile (a new version of the object, serial moved on).
        var edited = try #require(try await world.s3State())
        edited.serial += 1
        edited.outputs["note"] = StateOutput(value: .string("edited by hand"), sensitive: false)
        try await world.putS3Object(world.stateKey, Data(edited.encoded()))

        let finished = try await destroy.answer("yes")
        #expect(finished.status == 1, "\(finished.out)")
        let refusal = "s3://\(S3BackendTests.bucket)/\(world.stateKey): the object changed after this run read it, so tfy did not overwrite it."
        for address in ["aws_instance.master[0]", "aws_instance.worker[0]"] {
            #expect(finished.err.contains("Error: Error destroying \(address)\n\n  with \(address)\n\n\(refusal)"), "\(finished.err)")
        }
        #expect(!finished.err.contains("Error destroying aws_security_group.cluster"), "its dependents failed, so it was not tried")
        // The AWS CLI's view: both instances still run, and the group is still there.
        let live = try await world.cli(["ec2", "describe-instances", "--instance-ids"] + launched.map(\.id))
        let states = ((live["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }
            .map { ($0["State"] as? [String: Any])?["Name"] as? String ?? "" }
        #expect(states == ["running", "running"])
        #expect(try await world.securityGroups().count == 1)
        #expect(try await world.s3State() == edited, "the hand edit survives")
    }

    /// With local state the deletion is recorded too: a delete call that fails leaves the state
    /// saying which object was being deleted; the next destroy finishes it.
    @Test func aDeletionIsRecordedBeforeItsCall() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1"]).status == 0)
        _ = try await runProgram("curl", ["-sf", "-X", "POST", "-d", #"{"fail_actions": {"TerminateInstances": "UnauthorizedOperation"}}"#, "http://127.0.0.1:\(proxy.port)/__faults__"])
        let failed = await world.tfy(["destroy", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1", "-no-color"])
        #expect(failed.status == 1)
        #expect(failed.err.hasPrefix("Error: Error destroying aws_instance.master[0]\n\n  with aws_instance.master[0]\n\n"), "\(failed.err)")
        let master = ResourceAddress(type: "aws_instance", name: "master", index: 0)
        #expect(try world.state().instance(master)?.isMarked(StateInstance.Marker.deleting) == true)
        #expect(try await world.liveInstances().map(\.name) == ["my-TachyonMaster"])

        _ = try await runProgram("curl", ["-sf", "-X", "POST", "-d", #"{"fail_actions": {}}"#, "http://127.0.0.1:\(proxy.port)/__faults__"])
        let destroyed = await world.tfy(["destroy", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1", "-no-color"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(try world.state().instances.isEmpty)
        #expect(try await world.liveInstances().isEmpty)
    }
}
