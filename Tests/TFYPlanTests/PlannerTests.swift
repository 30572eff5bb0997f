import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

let planFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("TFYCommandsTests/Fixtures").path

func load(_ files: [String: String]) -> Configuration {
    let sources = files.keys.sorted().map { SourceFile(name: $0, bytes: Array(files[$0]!.utf8)) }
    return ConfigurationLoader(resourceTypes: .standard).load(files: sources, directory: "/nonexistent", defaultStack: "test").0
}

func plan(_ configuration: Configuration, prior: State? = nil, options: PlanOptions = PlanOptions(), variables: [String: Value]? = nil) -> (Plan?, Diagnostics) {
    let values = variables ?? VariableResolver(missingRequired: .error).resolve(configuration, inputs: []).0
    return Planner.plan(PlanRequest(configuration: configuration, variables: values, prior: prior, options: options))
}

@Suite(.timeLimit(.minutes(30)))
struct GraphTests {
    @Test func cyclesNameEveryMember() {
        var graph = DependencyGraph<String>()
        graph.add("a", dependsOn: "b")
        graph.add("b", dependsOn: "c")
        graph.add("c", dependsOn: "a")
        graph.add("d", dependsOn: "a")
        guard case .failure(let cycle) = graph.topologicalOrder() else { Issue.record("no cycle found"); return }
        #expect(cycle.members == ["a", "b", "c"])
        #expect(cycle.description == "a → b → c → a")
    }

    @Test func orderIsDeterministicDependenciesFirst() throws {
        var graph = DependencyGraph<String>()
        graph.add("web[1]", dependsOn: "sg")
        graph.add("web[0]", dependsOn: "sg")
        graph.add("boot", dependsOn: "web[0]")
        graph.add("boot", dependsOn: "web[1]")
        graph.add("alone")
        #expect(try graph.topologicalOrder().get() == ["alone", "sg", "web[0]", "web[1]", "boot"])
        #expect(try graph.reversed.topologicalOrder().get() == ["alone", "boot", "web[0]", "web[1]", "sg"])
    }

    @Test func destroyOrderIsExactlyTheReverseOfCreateOrder() throws {
        let configuration = try #require(ConfigurationLoader(resourceTypes: .standard).load(directory: planFixtures + "/plan-configs/cluster").0)
        let (create, d1) = plan(configuration)
        #expect(!d1.hasErrors)
        let createOrder = try ApplyOrder.order(try #require(create)).get()
        #expect(createOrder == [
            "aws_security_group.cluster", "aws_instance.master[0]", "aws_instance.master[1]", "aws_instance.worker[0]",
        ])
        let prior = try #require(try LocalStateStore(path: planFixtures + "/plan-cases/no-changes/prior.tfstate").read())
        var options = PlanOptions()
        options.destroy = true
        let (destroy, d2) = plan(configuration, prior: prior, options: options)
        #expect(!d2.hasErrors)
        #expect(try ApplyOrder.order(try #require(destroy)).get() == createOrder.reversed())
    }

    @Test func orphansAreDeletedInReverseDependencyOrderFromState() throws {
        var prior = State(lineage: "l")
        prior.resources = [
            StateResource(type: "aws_instance", name: "app", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("i-1")], dependencies: ["aws_security_group.db"])]),
            StateResource(type: "aws_security_group", name: "db", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("sg-1")], dependencies: ["aws_security_group.zz"])]),
            StateResource(type: "aws_security_group", name: "zz", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("sg-2")])]),
        ]
        let (result, diagnostics) = plan(load(["main.yml": "locals:\n  x: 1\n"]), prior: prior)
        #expect(!diagnostics.hasErrors)
        let p = try #require(result)
        #expect(p.changes.map(\.reason) == Array(repeating: .deleteBecauseNoResourceConfig, count: 3))
        #expect(try ApplyOrder.order(p).get() == ["aws_instance.app", "aws_security_group.db", "aws_security_group.zz"])
    }
}

@Suite(.timeLimit(.minutes(30)))
struct PlannerTests {
    @Test func countThatDependsOnApplyIsAnError() {
        let configuration = load(["main.yml": """
            resource:
              aws_security_group:
                g: {name: g}
              aws_instance:
                m: {count: "${length(aws_security_group.g.id)}", ami: a, instance_type: t}
            """])
        let (result, diagnostics) = plan(configuration)
        #expect(result == nil)
        #expect(diagnostics.errors.map(\.summary) == ["Invalid count argument"])
        #expect(diagnostics.errors.first?.location == SourceLocation(file: "main.yml", line: 5, column: 19))
    }

    /// A read during apply records what waits for it (through a local too) and what it waits
    /// for; a targeted plan keeps only the reads a targeted change waits for.
    @Test func deferredReadsKnowTheirDependentsAndTargetingKeepsOnlyTheNeededOnes() throws {
        let configuration = load(["main.yml": """
            locals:
              group: "${data.aws_security_group.x.id}"
            resource:
              aws_security_group:
                g: {name: g}
                h: {name: h}
              aws_instance:
                m: {ami: a, instance_type: t, vpc_security_group_ids: ["${local.group}"]}
                n: {ami: a, instance_type: t}
            data:
              aws_security_group:
                x: {id: "${aws_security_group.g.id}"}
                y: {name: "${aws_security_group.h.id}"}
            """])
        let (all, diagnostics) = plan(configuration)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let reads = try #require(all?.dataReads)
        #expect(reads.map { "\($0.address) \($0.dependencies) \($0.dependents)" } == [
            #"aws_security_group.x ["aws_security_group.g"] ["aws_instance.m"]"#,
            #"aws_security_group.y ["aws_security_group.h"] []"#,
        ])
        var options = PlanOptions()
        options.targets = ["aws_instance.m"]
        #expect(plan(configuration, options: options).0?.dataReads.map(\.address.description) == ["aws_security_group.x"])
        options.targets = ["aws_instance.n"]
        #expect(plan(configuration, options: options).0?.dataReads.map(\.address.description) == [])
    }

    @Test func ignoreChangesKeepsThePriorValue() throws {
        let configuration = load(["main.yml": """
            resource:
              aws_instance:
                m: {ami: new, instance_type: t, lifecycle: {ignore_changes: [ami]}}
            """])
        var prior = State(lineage: "l")
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("i-1"), "ami": .string("old"), "instance_type": .string("t"),
        ])])]
        let (result, _) = plan(configuration, prior: prior)
        let change = try #require(result?.changes.first)
        #expect(change.action == .noOp)
        #expect(change.after?.mapValue?["ami"] == .string("old"))
    }

    /// As in Terraform, a path ignores only its part of the attribute: a tag EC2 or a person
    /// changed stays, the other tags follow the configuration; `[0]` names a single nested block.
    @Test func ignoreChangesWithANestedPathKeepsOnlyThatPart() throws {
        let configuration = load(["main.yml": """
            resource:
              aws_instance:
                m:
                  ami: a
                  instance_type: t
                  tags: {Name: new, Env: prod}
                  root_block_device: {volume_size: 50}
                  lifecycle:
                    ignore_changes:
                      - tags["Name"]
                      - tags.Owner
                      - root_block_device[0].volume_size
            """])
        var prior = State(lineage: "l")
        let priorAttributes: [String: Value] = [
            "id": .string("i-1"), "ami": .string("a"), "instance_type": .string("t"),
            "tags": .map(["Name": .string("old"), "Env": .string("prod")]),
            "root_block_device": .map([
                "volume_size": .number(20), "volume_type": .string("gp3"), "iops": .number(3000), "throughput": .number(125),
                "encrypted": .bool(false), "kms_key_id": .string(""), "delete_on_termination": .bool(true),
                "volume_id": .string("vol-1"), "device_name": .string("/dev/xvda"),
            ]),
        ]
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: priorAttributes)])]
        let unchanged = try #require(plan(configuration, prior: prior).0?.changes.first)
        #expect(unchanged.action == .noOp)
        #expect(unchanged.after?.mapValue?["tags"] == .map(["Name": .string("old"), "Env": .string("prod")]))
        #expect(unchanged.after?.mapValue?["root_block_device"]?.mapValue?["volume_size"] == .number(20))

        var changedEnv = priorAttributes
        changedEnv["tags"] = .map(["Name": .string("old"), "Env": .string("dev"), "Owner": .string("ops")])
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: changedEnv)])]
        let update = try #require(plan(configuration, prior: prior).0?.changes.first)
        #expect(update.action == .update)
        #expect(update.after?.mapValue?["tags"] == .map(["Name": .string("old"), "Env": .string("prod"), "Owner": .string("ops")]))
    }

    /// A state written before an attribute with a default existed (monitoring, source_dest_check)
    /// reads as if it held the default, as Terraform upgrades state to a new schema; a
    /// configuration that sets the new attribute otherwise plans an update.
    @Test func attributesAddedToTheSchemaReadAsTheirDefaults() throws {
        var prior = State(lineage: "l")
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("i-1"), "ami": .string("a"), "instance_type": .string("t"),
        ])])]
        let unchanged = try #require(plan(load(["main.yml": "resource:\n  aws_instance:\n    m: {ami: a, instance_type: t}\n"]), prior: prior).0?.changes.first)
        #expect(unchanged.action == .noOp)
        #expect(unchanged.before?.mapValue?["monitoring"] == .bool(false))
        #expect(unchanged.before?.mapValue?["source_dest_check"] == .bool(true))
        let changed = try #require(plan(load(["main.yml": "resource:\n  aws_instance:\n    m: {ami: a, instance_type: t, monitoring: true}\n"]), prior: prior).0?.changes.first)
        #expect(changed.action == .update)
        #expect(changed.after?.mapValue?["monitoring"] == .bool(true))
    }

    /// As in Terraform, an optional computed attribute configured as null is the provider's to
    /// choose: the subnet and address EC2 picked stay, and nothing is replaced.
    @Test func optionalComputedAttributeSetToNullKeepsThePriorValue() throws {
        let configuration = load(["main.yml": """
            resource:
              aws_instance:
                m: {ami: a, instance_type: t, subnet_id: null, associate_public_ip_address: null}
            """])
        var prior = State(lineage: "l")
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("i-1"), "ami": .string("a"), "instance_type": .string("t"), "subnet_id": .string("subnet-1"),
            "associate_public_ip_address": .bool(true), "private_ip": .string("172.31.0.5"), "user_data_replace_on_change": .bool(false),
        ])])]
        let (result, _) = plan(configuration, prior: prior)
        let change = try #require(result?.changes.first)
        #expect(change.action == .noOp)
        #expect(change.after?.mapValue?["subnet_id"] == .string("subnet-1"))
        #expect(change.after?.mapValue?["private_ip"] == .string("172.31.0.5"))
    }

    @Test func unknownReplaceAddressIsAnError() {
        var options = PlanOptions()
        options.replace = ["aws_instance.nope"]
        let (_, diagnostics) = plan(load(["main.yml": "locals:\n  x: 1\n"]), options: options)
        #expect(diagnostics.errors.map(\.summary) == ["Invalid -replace address"])
    }

    @Test func sensitiveValuesAreComparedByDigest() throws {
        let text = """
            variable:
              secret: {type: string, sensitive: true}
            resource:
              aws_instance:
                m: {ami: a, instance_type: t, user_data: "${var.secret}"}
            """
        let configuration = load(["main.yml": text])
        let key = StackKey.generate()
        var prior = State(lineage: "lin")
        prior.stackKey = key
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("i-1"), "ami": .string("a"), "instance_type": .string("t"),
            "user_data": SensitiveDigest.of(.string("one"), key: key),
            "user_data_replace_on_change": .bool(false),
        ])])]
        let same = plan(configuration, prior: prior, variables: ["secret": .sensitive(.string("one"))]).0
        #expect(same?.changes.first?.action == .noOp)
        let changed = plan(configuration, prior: prior, variables: ["secret": .sensitive(.string("two"))]).0
        let change = try #require(changed?.changes.first)
        #expect(change.action == .update)
        #expect(change.after?.mapValue?["user_data"]?.isSensitive == true)
    }

    /// A legacy digest (lineage-salted SHA-256, from before the stack key) the configured value
    /// matches plans as no change, and the plan's prior state holds it upgraded to the HMAC form
    /// that apply then writes; one it does not match is a change.
    @Test func legacyDigestsConvergeAndAreUpgraded() throws {
        let text = """
            variable:
              secret: {type: string, sensitive: true}
            resource:
              aws_instance:
                m: {ami: a, instance_type: t, user_data: "${var.secret}"}
            output:
              token: {value: "${var.secret}", sensitive: true}
            """
        let configuration = load(["main.yml": text])
        let legacy = Value.sensitive(.sensitive(.string("sha256:" + SHA256.hex(Array("lin\u{0}\"one\"".utf8)))))
        #expect(SensitiveDigest.legacy(.string("one"), salt: "lin") == legacy)
        var prior = State(lineage: "lin")
        prior.outputs["token"] = StateOutput(value: legacy, sensitive: true)
        prior.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("i-1"), "ami": .string("a"), "instance_type": .string("t"), "user_data": legacy,
            "user_data_replace_on_change": .bool(false),
        ])])]
        let key = StackKey.generate()
        var request = PlanRequest(configuration: configuration, variables: ["secret": .sensitive(.string("one"))], prior: prior, options: PlanOptions())
        request.stackKey = key
        let same = try #require(Planner.plan(request).0)
        #expect(same.changes.map(\.action) == [.noOp])
        #expect(same.outputs.map(\.action) == [.noOp])
        #expect(same.priorState?.instances.first?.instance.attributes["user_data"] == SensitiveDigest.of(.string("one"), key: key))
        request.variables = ["secret": .sensitive(.string("two"))]
        let changed = try #require(Planner.plan(request).0)
        #expect(changed.changes.map(\.action) == [.update])
        #expect(changed.priorState?.instances.first?.instance.attributes["user_data"] == legacy)
    }
}

@Suite(.timeLimit(.minutes(30)))
struct SavedPlanCheckTests {
    func samplePlan() -> Plan {
        Plan(stack: "s", prior: PriorStateReference(lineage: "lin", serial: 7), configHash: "sha256:abc", variables: [:],
             options: PlanOptions(), changes: [], outputs: [])
    }

    @Test func freshPlanPasses() {
        var state = State(lineage: "lin")
        state.serial = 7
        #expect(SavedPlanCheck.staleness(of: samplePlan(), currentState: state, configHash: "sha256:abc") == nil)
    }

    @Test func movedSerialConfigAndVersionAreNamed() {
        var state = State(lineage: "lin")
        state.serial = 8
        let diagnostic = SavedPlanCheck.staleness(of: samplePlan(), currentState: state, configHash: "sha256:def", toolVersion: "9.9.9")
        #expect(diagnostic?.summary == "Saved plan is stale")
        #expect(diagnostic?.detail == "The given plan file can no longer be applied because the state's serial is 8, the plan was made against serial 7; the configuration files changed since the plan was made; the plan was made by tfy \(TFYVersion.current), this is tfy 9.9.9. Run \"tfy plan\" again to make a new plan, review it, and apply that one.")
    }

    @Test func otherLineageIsNamed() {
        let diagnostic = SavedPlanCheck.staleness(of: samplePlan(), currentState: State(lineage: "other"), configHash: "sha256:abc")
        #expect(diagnostic?.detail.hasPrefix("The given plan file can no longer be applied because the state's lineage is \"other\", the plan was made against \"lin\".") == true)
    }

    @Test func planDocumentRoundTrips() throws {
        var p = samplePlan()
        p.changes = [PlannedChange(address: ResourceAddress(type: "aws_instance", name: "m", index: 2), action: .replace(createFirst: false), reason: .replaceBecauseCannotUpdate,
                                   before: .map(["ami": .string("a"), "user_data": .sensitive(.string("sha256:00"))]),
                                   after: .map(["ami": .string("b"), "id": .unknown, "tags": .map(["x": .unknown]), "ips": .list([.string("1"), .unknown])]),
                                   replacePaths: [["ami"]], dependencies: ["aws_security_group.g"])]
        p.outputs = [PlannedOutput(name: "o", action: .create, before: nil, after: .unknown, sensitive: false)]
        let decoded = try Plan.decode(p.encoded()).get()
        #expect(decoded == p)
    }
}

/// Issue 17: sets and empty maps compare as Terraform compares them, so a configuration that
/// says the same thing in another way plans no change.
@Suite(.timeLimit(.minutes(30)))
struct SetAndEmptyMapPlanningTests {
    static func keyPair(tags: String?, prior priorTags: Value) throws -> PlannedChange {
        let configuration = load(["main.yml": """
            resource:
              aws_key_pair:
                k: {key_name: k, public_key: "ssh-ed25519 AAAA"\(tags.map { ", tags: \($0)" } ?? "")}
            """])
        var prior = State(lineage: "l")
        prior.resources = [StateResource(type: "aws_key_pair", name: "k", instances: [StateInstance(indexKey: nil, attributes: [
            "id": .string("k"), "key_name": .string("k"), "public_key": .string("ssh-ed25519 AAAA"), "tags": priorTags,
            "arn": .string("arn:aws:ec2:us-east-1::key-pair/key-1"), "fingerprint": .string("f"), "key_pair_id": .string("key-1"),
        ])])]
        return try #require(plan(configuration, prior: prior).0?.changes.first)
    }

    @Test func anEmptyMapAndNoMapPlanNoChangeEitherWay() throws {
        #expect(try Self.keyPair(tags: "{}", prior: .null).action == .noOp)
        #expect(try Self.keyPair(tags: nil, prior: .map([:])).action == .noOp)
        #expect(try Self.keyPair(tags: "{}", prior: .map([:])).action == .noOp)
        let added = try Self.keyPair(tags: "{Team: a}", prior: .null)
        #expect(added.action == .update)
        #expect(added.after?.mapValue?["tags"] == .map(["Team": .string("a")]))
        #expect(try Self.keyPair(tags: nil, prior: .map(["Team": .string("a")])).action == .update)
    }

    @Test func securityGroupRulesAndTheirCIDRsInAnotherOrderPlanNoChange() throws {
        func configuration(_ rules: [String]) -> Configuration {
            load(["main.yml": """
                resource:
                  aws_security_group:
                    web:
                      name: web
                      ingress:
                        \(rules.joined(separator: "\n        "))
                """])
        }
        let ssh = "- {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: [198.51.100.0/24, 10.0.0.0/8, 10.0.0.0/8], description: ssh}"
        let dns = "- {protocol: udp, from_port: 53, to_port: 53, cidr_blocks: [10.0.0.0/8]}"
        let created = try #require(plan(configuration([ssh, dns])).0?.changes.first?.after?.mapValue)
        // The configured set in its canonical order: no repeats, CIDRs and rules sorted.
        let ingress = try #require(created["ingress"]?.listValue)
        #expect(ingress.map { $0.mapValue?["protocol"] } == [.string("tcp"), .string("udp")])
        #expect(ingress.first?.mapValue?["cidr_blocks"] == .list([.string("10.0.0.0/8"), .string("198.51.100.0/24")]))

        var prior = State(lineage: "l")
        var attributes = created
        for (name, value) in [("id", "sg-1"), ("arn", "arn:aws:ec2:us-east-1:1:security-group/sg-1"), ("owner_id", "1"), ("vpc_id", "vpc-1")] {
            attributes[name] = .string(value)
        }
        attributes["egress"] = .null
        prior.resources = [StateResource(type: "aws_security_group", name: "web", instances: [StateInstance(indexKey: nil, attributes: attributes)])]
        let reordered = try #require(plan(configuration([dns, ssh.replacingOccurrences(of: "[198.51.100.0/24, 10.0.0.0/8, 10.0.0.0/8]", with: "[10.0.0.0/8, 198.51.100.0/24]")]),
                                          prior: prior).0?.changes.first)
        #expect(reordered.action == .noOp)
        let changed = try #require(plan(configuration([dns, ssh.replacingOccurrences(of: "description: ssh", with: "description: admin")]), prior: prior).0?.changes.first)
        #expect(changed.action == .update)
    }
}
