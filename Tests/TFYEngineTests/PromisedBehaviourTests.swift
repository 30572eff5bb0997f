import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// What the documentation promises about apply and bootstrap, checked against moto and sshd:
/// create-before-destroy replacement, in-place instance updates, timeouts that taint, the refresh
/// budget, `-parallelism`, `-target`, `output -json` and explicit bootstrap `triggers`.
@Suite(.timeLimit(.minutes(30)))
struct PromisedBehaviourTests {
    @Test func createBeforeDestroyLaunchesTheNewInstanceMovesItsDependentsThenDeletesTheOld() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
              AMI: {type: string, default: ami-1ecae776}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  ami: "${var.AMI}"
                  instance_type: t2.small
                  tags: {Name: box}
                  lifecycle: {create_before_destroy: true}
                peer:
                  ami: ami-1ecae776
                  instance_type: t2.small
                  tags: {Name: peer, Box: "${aws_instance.box.id}"}
            """)
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(first.status == 0, "\(first.out)\(first.err)")
        let before = try world.stateInstances()
        let old = try #require(before["aws_instance.box"]), peer = try #require(before["aws_instance.peer"])

        let plan = await world.tfy(["plan", "cluster", "-var", "AMI=ami-12c6146b", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.box must be replaced\n+/- resource \"aws_instance\" \"box\" {\n"), "\(plan.out)")
        #expect(plan.out.contains("  # aws_instance.peer will be updated in-place\n"), "\(plan.out)")
        #expect(plan.out.contains("Plan: 1 to add, 1 to change, 1 to destroy."), "\(plan.out)")

        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let replaced = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "AMI=ami-12c6146b", "-no-color"])
        #expect(replaced.status == 0, "\(replaced.out)\(replaced.err)")
        #expect(replaced.out.contains("Apply complete! Resources: 1 added, 1 changed, 1 destroyed."), "\(replaced.out)")
        let new = try #require(try world.stateInstances()["aws_instance.box"])
        #expect(new != old)
        #expect(try world.stateInstances()["aws_instance.peer"] == peer)
        #expect(try world.state().instances.allSatisfy { $0.instance.deposed.isEmpty && $0.instance.status == nil })

        // What was sent, in order: the new instance was launched, the dependent moved to it, and
        // only then the old one (the deposed object) terminated, each call answered before the next was sent.
        let sent = try await proxyRequests(proxy)
        let launch = try #require(sent.firstIndex { $0.action == "RunInstances" && $0.params["ImageId"] == "ami-12c6146b" })
        let moved = try #require(sent.firstIndex { $0.action == "CreateTags" && $0.params["ResourceId.1"] == peer && $0.tags["Box"] == new })
        let terminated = try #require(sent.firstIndex { $0.action == "TerminateInstances" })
        #expect(sent.filter { $0.action == "TerminateInstances" }.map { $0.params } == [["Action": "TerminateInstances", "Version": "2016-11-15", "InstanceId.1": old]])
        #expect(sent.filter { $0.action == "RunInstances" }.count == 1)
        #expect(sent[launch].end < sent[moved].start && sent[moved].end < sent[terminated].start, "\(sent.map(\.action))")
        // The run's own events say the same.
        let lines = replaced.out.split(separator: "\n").map(String.init)
        let created = try #require(lines.firstIndex { $0.hasPrefix("aws_instance.box: Creation complete after ") })
        let modified = try #require(lines.firstIndex { $0.hasPrefix("aws_instance.peer: Modifications complete after ") })
        let destroying = try #require(lines.firstIndex { $0 == "aws_instance.box: Destroying..." })
        #expect(created < modified && modified < destroying, "\(replaced.out)")

        // Independently: the old instance is terminated, the new one runs with the new AMI, and the peer points at it.
        let live = try await world.liveInstances()
        #expect(live.map(\.name) == ["box", "peer"])
        #expect(live.map(\.id) == [new, peer])
        #expect(live.first?.ami == "ami-12c6146b")
        #expect(try await world.instanceState(old) == "terminated")
        #expect(try await world.instanceTags(peer)["Box"] == new)
    }

    @Test func anInstanceTypeChangeStopsModifiesAndStartsTheSameInstance() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
              type: {type: string, default: t2.small}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  ami: ami-1ecae776
                  instance_type: "${var.type}"
                  tags: {Name: box}
            """)
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(first.status == 0, "\(first.out)\(first.err)")
        let id = try #require(try world.stateInstances()["aws_instance.box"])

        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        // No "Still modifying..." lines between the two checked below, however slow the machine.
        world.extraEnvironment = ["TFY_PROGRESS_INTERVAL": "3600"]
        let updated = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "type=t2.medium", "-no-color"])
        #expect(updated.status == 0, "\(updated.out)\(updated.err)")
        #expect(updated.out.contains("  # aws_instance.box will be updated in-place\n"), "\(updated.out)")
        #expect(updated.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(updated.out)")
        #expect(updated.out.contains("\naws_instance.box: Modifying...\naws_instance.box: Modifications complete after "), "\(updated.out)")

        // Exactly these calls, in this order: the refresh (the stack's instances by tag), the
        // update's read, stop, one wait (moto stops at once), the type change, start, one wait.
        let sent = try await proxyRequests(proxy)
        #expect(sent.map(\.action) == ["DescribeInstances",
                                       "DescribeInstances", "StopInstances", "DescribeInstances",
                                       "ModifyInstanceAttribute", "StartInstances", "DescribeInstances"], "\(sent.map(\.action))")
        #expect(sent.filter { ["StopInstances", "StartInstances"].contains($0.action) }.map { $0.params["InstanceId.1"] } == [id, id])
        // Every read after the refresh is of this instance, by ID.
        #expect(sent.dropFirst(1).filter { $0.action == "DescribeInstances" }.map(\.filters) == Array(repeating: ["instance-id": [id]], count: 3))
        let modify = try #require(sent.first { $0.action == "ModifyInstanceAttribute" })
        #expect(modify.params == ["Action": "ModifyInstanceAttribute", "Version": "2016-11-15", "InstanceId": id, "InstanceType.Value": "t2.medium"])
        for (earlier, later) in zip(sent, sent.dropFirst()) { #expect(earlier.end < later.start, "one call at a time: \(earlier.action) then \(later.action)") }

        // The same instance, running, with the new type; and nothing left to do.
        let instance = try await world.instance(id)
        #expect(instance["InstanceType"] as? String == "t2.medium")
        #expect((instance["State"] as? [String: Any])?["Name"] as? String == "running")
        #expect(try world.stateInstances() == ["aws_instance.box": id])
        #expect(try world.state().instances.first?.instance.attributes["instance_type"]?.stringValue == "t2.medium")
        #expect(try world.state().instances.first?.instance.attributes["instance_state"]?.stringValue == "running")
        let again = await world.tfy(["plan", "cluster", "-var", "type=t2.medium", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }

    @Test func aWaitThatTimesOutLeavesTheInstanceTaintedAndTheNextApplyReplacesIt() async throws {
        let world = try await World()
        // EC2 not showing the new instance (eventual consistency that lasts): the wait for
        // "running" sees nothing until TFY_TIMEOUT runs out.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        try await setFaults(proxy, #"{"hide_instances": true}"#)
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        world.extraEnvironment = ["TFY_TIMEOUT": "1"]
        let failed = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1", "-no-color"])
        #expect(failed.status == 1)
        let id = try #require(try world.stateInstances()["aws_instance.master[0]"])
        #expect(id.hasPrefix("i-"))
        #expect(failed.err.contains("Error: Error creating aws_instance.master[0]"), "\(failed.err)")
        #expect(failed.err.contains("timed out after 1s waiting for instance \(id) to become running (last seen: not found)"), "\(failed.err)")
        let recorded = try #require(try world.state().instances.first { $0.address.description == "aws_instance.master[0]" })
        #expect(recorded.instance.status == .tainted)
        #expect(try world.state().instances.first { $0.address.description == "aws_security_group.cluster" }?.instance.status == nil)

        // EC2 answers again: the next plan replaces the tainted instance, and apply does.
        world.endpoint = world.motoEndpoint
        world.extraEnvironment = [:]
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=1", "-var", "Masters=1", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.master[0] is tainted, so must be replaced\n-/+ resource \"aws_instance\" \"master\" {"), "\(plan.out)")
        #expect(plan.out.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "\(plan.out)")
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=1", "-var", "Masters=1", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed."), "\(applied.out)")
        let replacement = try #require(try world.stateInstances()["aws_instance.master[0]"])
        #expect(replacement != id)
        #expect(try world.state().instances.allSatisfy { $0.instance.status == nil })
        #expect(try await world.instanceState(id) == "terminated")
        #expect(try await world.liveInstances().map(\.id) == [replacement])
    }

    @Test func aNoChangeRunReadsTheWholeClusterWithTwoCalls() async throws {
        let world = try await World()
        let created = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=12", "-no-color"])
        try #require(created.status == 0, "\(created.out)\(created.err)")
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"

        let plan = await world.tfy(["plan", "cluster", "-var", "machines=12", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        let group = try #require(try world.state().instances.first { $0.address.type == "aws_security_group" }?.instance.attributes["id"]?.stringValue)
        let ids = try world.stateInstances().values.sorted()
        #expect(ids.count == 12)
        let sent = try await proxyRequests(proxy)
        // The stack's groups by tag and the stack's instances by tag (one page each): every
        // recorded object is in those answers, so nothing is read by ID.
        #expect(sent.map(\.action).sorted() == ["DescribeInstances", "DescribeSecurityGroups"], "\(sent.map(\.action))")
        #expect(sent.filter { $0.action == "DescribeSecurityGroups" }.map(\.filters) == [["tag:tfy:stack": [world.stack]]])
        #expect(sent.filter { $0.action == "DescribeInstances" }.map { $0.filters.mapValues { $0.sorted() } } == [
            ["tag:tfy:stack": [world.stack], "instance-state-name": ["pending", "running", "stopped", "stopping"]],
        ], "\(sent.map(\.params))")
        // Instances are read in pages of 1,000 (pipelined beyond the first); twelve fit one page.
        #expect(sent.filter { $0.action == "DescribeInstances" }.map { $0.params["MaxResults"] } == ["1000"])
        #expect(sent.allSatisfy { $0.params["NextToken"] == nil }, "one page each")
        #expect(!group.isEmpty)

        // apply reports the same two calls, and makes no other.
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=12", "-no-color"])
        #expect(apply.status == 0, "\(apply.out)\(apply.err)")
        #expect(apply.out.contains("No changes. Your infrastructure matches the configuration."), "\(apply.out)")
        #expect(apply.out.split(separator: "\n").last == "API calls: DescribeInstances 1, DescribeSecurityGroups 1", "\(apply.out)")
        #expect(try await proxyRequests(proxy).count == 4)
    }

    @Test func parallelismBoundsTheOperationsInFlight() async throws {
        let world = try await World()
        // The group first, so that the run below starts with eight independent operations.
        let group = await world.tfy(["apply", "cluster", "-auto-approve", "-target", "aws_security_group.cluster", "-no-color"])
        try #require(group.status == 0, "\(group.out)\(group.err)")
        // The proxy holds the first request until a second one is in flight beside it (proof that
        // two operations did run at once, whatever the load), and latency keeps every call open
        // long enough for any further operation to overlap it, were the limit not kept.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "200", "--hold-until-in-flight", "2"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=8", "-parallelism", "2", "-refresh=false", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 8 added, 0 changed, 0 destroyed."), "\(applied.out)")
        let sent = try await proxyRequests(proxy)
        // The operations' own calls: everything but the waiter's batched polls by instance ID,
        // which run with no slot (docs/apply.md: waiting gives the slot back).
        let polls = sent.filter { $0.action == "DescribeInstances" && $0.filters["instance-id"] != nil }
        let operations = sent.filter { !($0.action == "DescribeInstances" && $0.filters["instance-id"] != nil) }
        #expect(operations.filter { $0.action == "RunInstances" }.count == 8)
        #expect(!polls.isEmpty)
        #expect(maxOverlap(operations) == 2, "at most 2 operations at once, and 2 did overlap: \(operations.map(\.action))")
        // One poller serves every wait: its polls never overlap each other.
        #expect(maxOverlap(polls) == 1)
        #expect(try await proxyStats(proxy)["max_in_flight"] ?? 0 >= 2)
        #expect(maxOverlap(sent) <= 3)
    }

    @Test func targetAppliesOnlyTheTargetAndWhatItNeeds() async throws {
        let world = try await World()
        let plan = await world.tfy(["plan", "cluster", "-target", "aws_instance.worker[1]", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "\(plan.out)")
        #expect(plan.out.contains("  # aws_security_group.cluster will be created\n"))
        #expect(plan.out.contains("  # aws_instance.worker[1] will be created\n"))
        #expect(!plan.out.contains("aws_instance.worker[0]") && !plan.out.contains("aws_instance.master"), "\(plan.out)")
        let warning = """
            Warning: Resource targeting is in effect

            You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.

            The -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when tfy specifically suggests to use it as part of an error message.
            """
        #expect((plan.out + plan.err).contains(warning), "\(plan.out)\(plan.err)")

        let applied = await world.tfy(["apply", "cluster", "-target", "aws_instance.worker[1]", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "\(applied.out)")
        #expect(applied.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect((applied.out + applied.err).contains(warning), "\(applied.out)\(applied.err)")
        // After the apply, Terraform's reminder that other changes may be pending.
        #expect(applied.err.contains("""
            Warning: Applied changes may be incomplete

            The plan was created with the -target option in effect, so some changes requested in the configuration may have been ignored and the output values may not be fully updated. Run the following command to verify that no other changes are pending:
                tfy plan

            Note that the -target option is not suitable for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when tfy specifically suggests to use it as part of an error message.
            """), "\(applied.err)")
        #expect(try world.state().instances.map(\.address.description) == ["aws_instance.worker[1]", "aws_security_group.cluster"])
        #expect(try await world.liveInstances().map(\.name) == ["my-TachyonWorker2"])
        #expect(try await world.securityGroups().count == 1)

        // The rest is still to do.
        let rest = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(rest.out.contains("Plan: 4 to add, 0 to change, 0 to destroy."), "\(rest.out)")
        let plain = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(plain.out.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."), "\(plain.out)\(plain.err)")
        #expect(plain.status == 0 && plain.err == "", "only a targeted run warns: \(plain.err)")
    }

    @Test func outputJSONIsTerraformsDocument() async throws {
        let world = try await World()
        var config = try String(contentsOfFile: world.directory + "/cluster/main.yml", encoding: .utf8)
        config = config.replacingOccurrences(of: "variable:\n", with: "variable:\n  secret: {type: string, sensitive: true, default: s3cret}\n")
        config += """
              masters: {value: "${var.Masters}"}
              names: {value: "${aws_instance.worker[*].tags.Name}"}
              token: {value: "${var.secret}", sensitive: true}

            """
        try config.write(toFile: world.directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=4", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let ip = try #require(try world.state().instances.first { $0.address.description == "aws_instance.master[0]" }?.instance.attributes["public_ip"]?.stringValue)
        let json = await world.tfy(["output", "-json", "-chdir", "cluster"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.err == "")
        #expect(json.out == """
            {
              "master_ip": {
                "sensitive": false,
                "type": "string",
                "value": "\(ip)"
              },
              "masters": {
                "sensitive": false,
                "type": "number",
                "value": 2
              },
              "names": {
                "sensitive": false,
                "type": [
                  "tuple",
                  [
                    "string",
                    "string"
                  ]
                ],
                "value": [
                  "my-TachyonWorker1",
                  "my-TachyonWorker2"
                ]
              },
              "token": {
                "sensitive": true,
                "type": "dynamic",
                "value": null
              }
            }
            """ + "\n", "\(json.out)")
        let one = await world.tfy(["output", "names", "-json", "-chdir", "cluster"])
        #expect(one.out == "[\n  \"my-TachyonWorker1\",\n  \"my-TachyonWorker2\"\n]\n", "\(one.out)")
        let stateText = try String(contentsOfFile: world.statePath, encoding: .utf8)
        #expect(!json.out.contains("s3cret") && !stateText.contains("s3cret"))
        let secret = await world.tfy(["output", "token", "-json", "-chdir", "cluster"])
        #expect(secret.status == 1)
        #expect(secret.out.contains("\"summary\":\"Output \\\"token\\\" is sensitive\""), "\(secret.out)")
    }

    @Test func explicitTriggersAloneDecideWhetherABootstrapRunsAgain() async throws {
        let world = try await World()
        let hosts = try await Hosts(world, count: 1)
        try world.configure("""
            variable:
              stack_tag: {type: string}
              ports: {type: list(number)}
              key_file: {type: string}
              root: {type: string}
              user: {type: string}
              version: {type: string, default: "1"}
              greeting: {type: string, default: hello}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                node:
                  ami: ami-1ecae776
                  instance_type: t2.micro
                  tags: {Name: "${var.stack_tag}-node"}
              tfy_bootstrap:
                setup:
                  instance_id: "${aws_instance.node.id}"
                  connection: {host: 127.0.0.1, port: "${var.ports[0]}", user: "${var.user}", private_key_file: "${var.key_file}"}
                  triggers: {version: "${var.version}"}
                  environment: {ROOT: "${var.root}", GREETING: "${var.greeting}"}
                  inline:
                    - mkdir -p "$ROOT" && echo "$GREETING" >> "$ROOT/runs"
            """)
        func runs() -> String? { try? String(contentsOfFile: world.directory + "/roots/runs", encoding: .utf8) }
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"] + hosts.arguments)
        try #require(first.status == 0, "\(first.out)\(first.err)")
        #expect(runs() == "hello\n")

        // Unchanged triggers: a changed environment updates the bootstrap in place and runs nothing.
        let edited = await world.tfy(["plan", "cluster", "-var", "greeting=again", "-no-color"] + hosts.arguments)
        #expect(edited.out.contains("  # tfy_bootstrap.setup will be updated in-place\n"), "\(edited.out)")
        #expect(edited.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "\(edited.out)")
        let quiet = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "greeting=again", "-no-color"] + hosts.arguments)
        #expect(quiet.status == 0, "\(quiet.out)\(quiet.err)")
        #expect(quiet.out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(quiet.out)")
        #expect(!quiet.out.contains("(remote-exec)"), "\(quiet.out)")
        #expect(runs() == "hello\n")
        #expect(await world.tfy(["plan", "cluster", "-var", "greeting=again", "-detailed-exitcode"] + hosts.arguments).status == 0)

        // A changed trigger replaces it: the script runs again, with the values of now.
        let bumped = await world.tfy(["plan", "cluster", "-var", "greeting=again", "-var", "version=2", "-no-color"] + hosts.arguments)
        #expect(bumped.out.contains("  # tfy_bootstrap.setup must be replaced\n"), "\(bumped.out)")
        #expect(bumped.out.contains("~ \"version\" = \"1\" -> \"2\""), "\(bumped.out)")
        #expect(bumped.out.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "\(bumped.out)")
        let rerun = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "greeting=again", "-var", "version=2", "-no-color"] + hosts.arguments)
        #expect(rerun.status == 0, "\(rerun.out)\(rerun.err)")
        #expect(rerun.out.contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed."), "\(rerun.out)")
        #expect(runs() == "hello\nagain\n")
        #expect(await world.tfy(["plan", "cluster", "-var", "greeting=again", "-var", "version=2", "-detailed-exitcode"] + hosts.arguments).status == 0)
    }
}

/// One request the fault proxy received: its EC2 action and form parameters, and when (seconds
/// on the proxy's monotonic clock) it arrived and was answered.
struct ProxiedRequest: Sendable {
    var params: [String: String]
    var start: Double
    var end: Double
    var action: String { params["Action"] ?? "" }
    /// The `Filter.N.Name`/`Filter.N.Value.M` filters of a Describe call, values in order.
    var filters: [String: [String]] {
        var filters: [String: [String]] = [:]
        for (key, name) in params where key.hasPrefix("Filter.") && key.hasSuffix(".Name") {
            let prefix = String(key.dropLast(4)) + "Value."
            filters[name] = params.filter { $0.key.hasPrefix(prefix) }.sorted { Int($0.key.dropFirst(prefix.count))! < Int($1.key.dropFirst(prefix.count))! }.map(\.value)
        }
        return filters
    }
    /// The `Tag.N.Key`/`Tag.N.Value` pairs of a CreateTags.
    var tags: [String: String] {
        var tags: [String: String] = [:]
        for (key, name) in params where key.hasPrefix("Tag.") && key.hasSuffix(".Key") {
            tags[name] = params[String(key.dropLast(4)) + ".Value"]
        }
        return tags
    }
}

/// Every request the fault proxy received, in order of arrival (`/__requests__`); each answered.
func proxyRequests(_ proxy: Helper) async throws -> [ProxiedRequest] {
    let data = try await runProgram("curl", ["-sf", "http://127.0.0.1:\(proxy.port)/__requests__"])
    guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        throw HelperError(description: "the fault proxy's request log is not a JSON list: \(String(decoding: data, as: UTF8.self))")
    }
    return try list.map { entry in
        guard let params = entry["params"] as? [String: String], let start = entry["start"] as? Double else {
            throw HelperError(description: "a malformed request log entry: \(entry)")
        }
        guard let end = entry["end"] as? Double else { throw HelperError(description: "a request still unanswered: \(params)") }
        return ProxiedRequest(params: params, start: start, end: end)
    }
}

/// Sets the fault proxy's faults at run time (`POST /__faults__`).
func setFaults(_ proxy: Helper, _ json: String) async throws {
    _ = try await runProgram("curl", ["-sf", "-X", "POST", "-d", json, "http://127.0.0.1:\(proxy.port)/__faults__"])
}

/// The most requests of `requests` that were in flight at one moment.
func maxOverlap(_ requests: [ProxiedRequest]) -> Int {
    // Ends sort before starts at the same instant: a request answered as another arrives did not overlap it.
    var events: [(time: Double, change: Int)] = []
    for request in requests {
        events.append((request.start, 1))
        events.append((request.end, -1))
    }
    events.sort { a, b in a.time != b.time ? a.time < b.time : a.change < b.change }
    var current = 0, most = 0
    for event in events {
        current += event.change
        most = max(most, current)
    }
    return most
}

extension World {
    /// Replaces the configuration in `cluster/` with `yaml` (the world's stack line in front).
    func configure(_ yaml: String) throws {
        try ("stack: \(stack)\n" + yaml + "\n").write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
    }

    /// One instance as the AWS CLI describes it (terminated ones included).
    func instance(_ id: String) async throws -> [String: Any] {
        let json = try await cli(["ec2", "describe-instances", "--instance-ids", id])
        guard let instance = ((json["Reservations"] as? [[String: Any]])?.first?["Instances"] as? [[String: Any]])?.first else {
            throw HelperError(description: "the AWS CLI does not describe \(id): \(json)")
        }
        return instance
    }

    func instanceState(_ id: String) async throws -> String? {
        (try await instance(id)["State"] as? [String: Any])?["Name"] as? String
    }

    func instanceTags(_ id: String) async throws -> [String: String] {
        (try await instance(id)["Tags"] as? [[String: String]] ?? []).reduce(into: [:]) { $0[$1["Key"]!] = $1["Value"]! }
    }
}
