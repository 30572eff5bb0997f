import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Apply and destroy against moto, each test with its own moto and stack, checked with the AWS CLI.
@Suite(.timeLimit(.minutes(30)))
struct ApplyLifecycleTests {
    @Test func fullLifecycle() async throws {
        let world = try await World()
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out.contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."))
        #expect(created.out.contains("aws_instance.master[0]: Creation complete after "))
        #expect(created.out.contains("\nOutputs:\n\nmaster_ip = \""))
        #expect(created.out.contains("API calls: "))
        var live = try await world.liveInstances()
        #expect(live.map(\.name) == ["my-TachyonMaster", "my-TachyonMaster2", "my-TachyonWorker1", "my-TachyonWorker2", "my-TachyonWorker3"])
        #expect(Set(live.map(\.id)) == Set(try world.stateInstances().values))
        let group = try #require(try await world.securityGroups().first)
        #expect(group["GroupName"] as? String == "\(world.stack)-cluster")

        let again = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")

        // 5 → 8 → 3 machines: only the right instances, names kept.
        let before = Dictionary(uniqueKeysWithValues: live.map { ($0.name, $0.id) })
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=8"]).status == 0)
        live = try await world.liveInstances()
        #expect(live.count == 8)
        #expect(live.map(\.name).last == "my-TachyonWorker6")
        for (name, id) in before { #expect(live.first { $0.name == name }?.id == id) }
        let scaledDown = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-no-color"])
        #expect(scaledDown.out.contains("Apply complete! Resources: 0 added, 0 changed, 5 destroyed."))
        live = try await world.liveInstances()
        #expect(live.map(\.name) == ["my-TachyonMaster", "my-TachyonMaster2", "my-TachyonWorker1"])
        #expect(live.first { $0.name == "my-TachyonWorker1" }?.id == before["my-TachyonWorker1"])

        // A rule changes in place.
        let rule = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-var", "ingress_cidr=198.51.100.0/24", "-no-color"])
        #expect(rule.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(rule.out)\(rule.err)")
        let permissions = try #require(try await world.securityGroups().first?["IpPermissions"] as? [[String: Any]])
        #expect(permissions.flatMap { ($0["IpRanges"] as? [[String: Any]]) ?? [] }.compactMap { $0["CidrIp"] as? String } == ["198.51.100.0/24"])

        // A new AMI replaces every instance.
        let ami = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-var", "ingress_cidr=198.51.100.0/24", "-var", "AMI=ami-12c6146b", "-no-color"])
        #expect(ami.out.contains("Apply complete! Resources: 3 added, 0 changed, 3 destroyed."), "\(ami.out)\(ami.err)")
        live = try await world.liveInstances()
        #expect(live.map(\.ami) == ["ami-12c6146b", "ami-12c6146b", "ami-12c6146b"])
        #expect(Set(live.map(\.id)).isDisjoint(with: before.values))

        let destroyed = await world.tfy(["destroy", "cluster", "-auto-approve", "-no-color", "-var", "AMI=ami-12c6146b"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        #expect(destroyed.out.contains("Destroy complete! Resources: 4 destroyed."))
        #expect(try await world.liveInstances().isEmpty)
        #expect(try await world.securityGroups().isEmpty)
        #expect(try world.state().resources.isEmpty)
    }

    /// A group replaced delete-first while its dependents are created and updated in the same
    /// apply: each instance gets the new group's ID. The apply's value cache counted the group as
    /// done when its delete finished, so dependents were evaluated before its create, with the ID
    /// unknown: the new worker was launched with no SecurityGroupId at all (on real EC2, the VPC's
    /// default group) and the masters kept the deleted group. Found by the chaos campaign.
    @Test func dependentsOfAGroupReplacedDeleteFirstGetTheNewGroup() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let old = try #require(try await world.securityGroups().first?["GroupId"] as? String)
        let replaced = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-replace", "aws_security_group.cluster", "-no-color"])
        #expect(replaced.status == 0, "\(replaced.err)")
        #expect(replaced.out.contains("Apply complete! Resources: 2 added, 2 changed, 1 destroyed."), "\(replaced.out)")
        let groups = try await world.securityGroups().compactMap { $0["GroupId"] as? String }
        let new = try #require(groups.first)
        #expect(groups == [new] && new != old)
        let live = try await world.cli(["ec2", "describe-instances", "--filters", "Name=tag:tfy:stack,Values=\(world.stack)", "Name=instance-state-name,Values=running"])
        let memberships = ((live["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }
            .map { (($0["SecurityGroups"] as? [[String: Any]]) ?? []).compactMap { $0["GroupId"] as? String } }
        #expect(memberships == [[new], [new], [new]], "\(memberships)")
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=3", "-detailed-exitcode"]).status == 0)
    }

    @Test func driftIsShownAndRepaired() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let victim = try #require(try await world.liveInstances().first { $0.name == "my-TachyonWorker1" })
        let group = try #require(try await world.securityGroups().first?["GroupId"] as? String)
        _ = try await world.cli(["ec2", "terminate-instances", "--instance-ids", victim.id])
        _ = try await world.cli(["ec2", "authorize-security-group-ingress", "--group-id", group, "--protocol", "tcp", "--port", "22", "--cidr", "203.0.113.0/24"])
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=3", "-no-color", "-detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(plan.out.contains("Note: Objects have changed outside of tfy"))
        #expect(plan.out.contains("  # aws_instance.worker[0] has been deleted"))
        #expect(plan.out.contains("  # aws_security_group.cluster has changed"))
        #expect(plan.out.contains("  # aws_instance.worker[0] will be created"))
        #expect(plan.out.contains("  # aws_security_group.cluster will be updated in-place"))
        #expect(plan.out.contains("Plan: 1 to add, 1 to change, 0 to destroy."))
        let json = await world.tfy(["plan", "cluster", "-var", "machines=3", "-format", "json"])
        #expect(json.out.contains("\"resource_drift\": [\n    {"))
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        #expect(try await world.liveInstances().count == 3)
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=3", "-detailed-exitcode"]).status == 0)
    }

    @Test func secondRunWaitsThenFailsNamingTheHolder() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"]).status == 0)
        let stateBefore = try String(contentsOfFile: world.statePath, encoding: .utf8)
        let holder = try await StateLock.acquire(statePath: world.statePath, operation: "OperationTypeApply")
        defer { holder.release() }
        let started = Date()
        let second = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3", "-lock-timeout=1s", "-no-color"])
        #expect(second.status == 1)
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(second.err.contains("Error: Error acquiring the state lock"))
        #expect(second.err.contains("  ID:        \(holder.info.id)"))
        #expect(second.err.contains("  Operation: OperationTypeApply"))
        #expect(second.err.contains("(this one waited 1s)"))
        #expect(try String(contentsOfFile: world.statePath, encoding: .utf8) == stateBefore)
        holder.release()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
    }

    /// A lock file no process holds (what a killed run leaves) is removed by its ID only; a lock a
    /// live process holds is refused (LocalStateLockTests).
    @Test func forceUnlockRemovesOnlyTheNamedLock() async throws {
        let world = try await World()
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2"])
        #expect(applied.status == 0, "\(applied.err)")
        let lock = try await StateLock.acquire(statePath: world.statePath, operation: "OperationTypeApply")
        let lockFile = StateLock.lockPath(forState: world.statePath)
        let card = try #require(FileManager.default.contents(atPath: lockFile))
        lock.release()
        #expect(FileManager.default.createFile(atPath: lockFile, contents: card))
        #expect(await world.tfy(["force-unlock", "wrong-id", "-chdir", "cluster"]).status == 1)
        #expect(FileManager.default.contents(atPath: lockFile) == card)
        #expect(await world.tfy(["force-unlock", lock.info.id, "-chdir", "cluster"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: lockFile))
    }

    @Test func savedPlansApplyExactlyOrAreRefusedWhenStale() async throws {
        let world = try await World()
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=2", "-out", "plans/first.tfplan"]).status == 0)
        let applied = await world.tfy(["apply", "plans/first.tfplan", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."))
        #expect(!applied.out.contains("Enter a value"))
        // As Terraform: the plan was reviewed when it was saved, so applying it shows progress only.
        #expect(!applied.out.contains("tfy will perform the following actions"))
        #expect(!applied.out.contains("Plan: 3 to add, 0 to change, 0 to destroy."))
        #expect(!applied.out.contains("will be created"))

        #expect(await world.tfy(["plan", "cluster", "-var", "machines=3", "-out", "plans/second.tfplan"]).status == 0)
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=4"]).status == 0)
        let stale = await world.tfy(["apply", "plans/second.tfplan", "-no-color"])
        #expect(stale.status == 1)
        #expect(stale.err.contains("Error: Saved plan is stale"))
        #expect(stale.err.contains("the state's serial is"))
        #expect(try await world.liveInstances().count == 4)
    }

    @Test func applyAsksForYes() async throws {
        let world = try await World()
        let declined = await world.tfy(["apply", "cluster", "-var", "machines=2"], input: "no\n")
        #expect(declined.status == 1)
        #expect(declined.out.contains("Only 'yes' will be accepted to approve."))
        #expect(declined.err.contains("Apply cancelled."))
        #expect(try await world.liveInstances().isEmpty)
        let accepted = await world.tfy(["apply", "cluster", "-var", "machines=2"], input: "yes\n")
        #expect(accepted.status == 0)
        #expect(try await world.liveInstances().count == 2)
    }
}
