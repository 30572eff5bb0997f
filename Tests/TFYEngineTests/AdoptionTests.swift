import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Untracked objects of this stack are adopted (shown in the plan, never launched again) or
/// warned about, never deleted; an ID EC2 does not list yet is waited for, not replaced.
@Suite(.timeLimit(.minutes(30)))
struct AdoptionTests {
    /// The plan's `  # …` header lines.
    static func headers(_ out: String) -> [String] {
        out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("  # ") && !$0.hasPrefix("  # (") }
    }

    /// The `API calls: …` line of a run's output.
    static func calls(_ out: String) -> String? {
        out.split(separator: "\n").last { $0.hasPrefix("API calls: ") }.map(String.init)
    }

    /// A CreateSecurityGroup that took effect but whose answer was lost is retried, and EC2 says
    /// the name is taken: the group carries this stack's and this address's tags (set by the create
    /// itself), so it is the run's own group, taken rather than reported as another's.
    @Test func aGroupWhoseCreateAnswerWasLostIsTakenNotRefused() async throws {
        let world = try await World()
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        try await runProgram("curl", ["-sf", "-X", "POST", "-d", #"{"lose_actions": ["CreateSecurityGroup"]}"#, "http://127.0.0.1:\(proxy.port)/__faults__"])
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(try await proxyStats(proxy)["answers_lost"] == 1)
        let groups = try await world.securityGroups()
        #expect(groups.count == 1)
        #expect(try world.state().instances.first { $0.address.type == "aws_security_group" }?.instance.attributes["id"]?.stringValue == groups.first?["GroupId"] as? String)
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode"]).status == 0)
    }

    @Test func aLostStateAdoptsEveryObjectInsteadOfLaunchingThemAgain() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let ids = try world.stateInstances()
        let group = try #require(try world.state().instances.first { $0.address.type == "aws_security_group" }?.instance.attributes["id"]?.stringValue)
        try FileManager.default.removeItem(atPath: world.statePath)

        let plan = await world.tfy(["plan", "cluster", "-var", "machines=3", "-detailed-exitcode", "-no-color", "-out", "adopt.tfplan"])
        #expect(plan.status == 2, "\(plan.out)\(plan.err)")
        #expect(Self.headers(plan.out) == [
            "  # aws_instance.master[0] will be adopted (found by its tags, \(ids["aws_instance.master[0]"]!))",
            "  # aws_instance.master[1] will be adopted (found by its tags, \(ids["aws_instance.master[1]"]!))",
            "  # aws_instance.worker[0] will be adopted (found by its tags, \(ids["aws_instance.worker[0]"]!))",
            "  # aws_security_group.cluster will be adopted (found by its tags, \(group))",
        ], "\(plan.out)")
        #expect(plan.out.contains("\nPlan: 4 to adopt, 0 to add, 0 to change, 0 to destroy.\n"), "\(plan.out)")
        #expect(!plan.out.contains("will be created"))

        let shown = await world.tfy(["show", "-json", "adopt.tfplan"])
        #expect(shown.status == 0, "\(shown.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])
        let changes = try #require(json["resource_changes"] as? [[String: Any]])
        let adopted = changes.map { change -> String in
            let inner = change["change"] as? [String: Any] ?? [:]
            let actions = (inner["actions"] as? [String] ?? []).joined(separator: ",")
            let id = (inner["adopting"] as? [String: Any])?["id"] as? String ?? "-"
            return "\(change["address"] as? String ?? "") \(actions) \(id)"
        }
        #expect(adopted == [
            "aws_instance.master[0] no-op \(ids["aws_instance.master[0]"]!)",
            "aws_instance.master[1] no-op \(ids["aws_instance.master[1]"]!)",
            "aws_instance.worker[0] no-op \(ids["aws_instance.worker[0]"]!)",
            "aws_security_group.cluster no-op \(group)",
        ])

        let applied = await world.tfy(["apply", "adopt.tfplan", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("\nApply complete! Resources: 4 adopted, 0 added, 0 changed, 0 destroyed.\n"), "\(applied.out)")
        #expect(try world.stateInstances() == ids)
        #expect(Set(try await world.liveInstances().map(\.id)) == Set(ids.values))
        #expect(try await world.securityGroups().count == 1)
        let clean = await world.tfy(["plan", "cluster", "-var", "machines=3", "-detailed-exitcode", "-no-color"])
        #expect(clean.status == 0, "\(clean.out)")
    }

    @Test func killedRightAfterTheLaunchesWhileEC2HidesThemTheRerunWaitsInsteadOfLaunchingAgain() async throws {
        try requireExecutable()
        let world = try await World()
        // EC2 lists nothing launched in the last 6 s; the run is killed once it has recorded every ID.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--invisible-seconds", "6"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let process = try world.spawn(["apply", "cluster", "-auto-approve", "-var", "machines=6"], endpoint: world.endpoint)
        // A loaded machine may take long to launch six: the kill waits for the launches, not a time.
        try await CrashAndFaultTests().signal(process, SIGKILL, whenStateRecords: 6, world, deadline: 300)
        #expect(CrashAndFaultTests.recordedInstances(world.statePath) == 6)
        #expect(try world.state().instances.contains { $0.address.type == "aws_instance" && $0.instance.status == .tainted },
                "killed before the instances were seen running")
        #expect(try await proxyStats(proxy)["hidden"] ?? 0 > 0, "EC2 hid the new instances")

        let rerun = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=6", "-no-color"])
        #expect(rerun.status == 0, "\(rerun.out)\(rerun.err)")
        #expect(!rerun.out.contains("will be created"), "\(rerun.out)")
        let live = try await world.liveInstances()
        #expect(live.count == 6)
        #expect(Set(live.map(\.id)) == Set(try world.stateInstances().values))
        #expect(try world.state().instances.allSatisfy { $0.instance.status == nil })
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=6", "-detailed-exitcode"]).status == 0)
    }

    @Test func anUntrackedInstanceNotInTheConfigurationIsWarnedAboutAndLeftRunning() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let worker = try #require(try world.stateInstances()["aws_instance.worker[0]"])
        #expect(await world.tfy(["state", "rm", "-keep-tags", "aws_instance.worker[0]", "-chdir", "cluster"]).status == 0)
        let warning = """
            Warning: Untracked object of this stack

              with aws_instance.worker[0]

            aws_instance \(worker) is tagged tfy:stack=\(world.stack) and tfy:address=aws_instance.worker[0], but the configuration has no aws_instance.worker[0], so tfy neither adopts it into the state nor deletes it; it is left running. To manage it again, put aws_instance.worker[0] (back) in the configuration: the next plan adopts it. To get rid of it, terminate or delete it yourself. To keep it and stop this warning, remove its tfy:stack and tfy:address tags, as tfy state rm does.
            """
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=2", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains(warning), "\(plan.out)")
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=2", "-no-color"])
        #expect(applied.status == 0, "\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(applied.out.contains(warning) || applied.err.contains(warning), "\(applied.out)\(applied.err)")
        #expect(try await world.liveInstances().map(\.id).contains(worker))
        #expect(try world.stateInstances()["aws_instance.worker[0]"] == nil)
    }

    @Test func aNoChangeRunMakesTwoEC2CallsWithOrWithoutAState() async throws {
        let world = try await World()
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=12"]).status == 0)
        let unchanged = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=12", "-no-color"])
        #expect(unchanged.status == 0, "\(unchanged.err)")
        #expect(Self.calls(unchanged.out) == "API calls: DescribeInstances 1, DescribeSecurityGroups 1", "\(unchanged.out)")
        try FileManager.default.removeItem(atPath: world.statePath)
        let adopting = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=12", "-no-color"])
        #expect(adopting.status == 0, "\(adopting.err)")
        #expect(adopting.out.contains("Apply complete! Resources: 13 adopted, 0 added, 0 changed, 0 destroyed."), "\(adopting.out)")
        #expect(Self.calls(adopting.out) == "API calls: DescribeInstances 1, DescribeSecurityGroups 1", "\(adopting.out)")
        #expect(try world.stateInstances().count == 12)
    }
}
