import Foundation
import Testing
import TFYCore
import TFYEngine
import TFYRender

/// Each difference issue 19 lists between tfy's plan JSON and Terraform's, pinned with the
/// values Terraform 1.11 printed for the same configuration (AWS provider 5.100).
@Suite(.timeLimit(.minutes(5)))
struct PlanJSONRendererTests {
    static func json(_ text: String) -> JSONValue {
        guard case .success(let value) = JSONValue.parse(Array(text.utf8)) else { fatalError("bad JSON in a test: \(text)") }
        return value
    }

    static let master = ResourceAddress(type: "aws_instance", name: "master")
    static let group = ResourceAddress(type: "aws_security_group", name: "cluster")

    static func plan(_ changes: [PlannedChange], variables: [String: PlanVariable] = [:], options: PlanOptions = PlanOptions()) -> Plan {
        var plan = Plan(stack: "s", prior: nil, configHash: "sha256:0", variables: variables, options: options, changes: changes, outputs: [])
        plan.toolVersion = "9.8.7"
        return plan
    }

    static func render(_ plan: Plan) -> JSONValue { PlanJSONRenderer.document(plan, resourceTypes: .standard) }

    static func change(_ plan: Plan, _ index: Int = 0) -> JSONValue? { render(plan)["resource_changes"]?.arrayValue?[index]["change"] }

    /// A new instance as tfy plans it: computed attributes unknown, the group's ID unknown.
    static let newInstance: Value = .map([
        "ami": .string("ami-1"), "instance_type": .string("t2.small"), "id": .unknown, "public_ip": .unknown,
        "vpc_security_group_ids": .list([.unknown]), "ebs_block_device": .null, "tags": .map(["Name": .string("m")]),
        "root_block_device": .map([
            "volume_size": .number(20), "encrypted": .bool(true), "delete_on_termination": .bool(true),
            "device_name": .unknown, "volume_id": .unknown,
        ]),
    ])

    @Test func rootBlockDeviceIsAListOfOneBlock() throws {
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: Self.newInstance)])))
        #expect(change["after"]?["root_block_device"] == Self.json(#"[{"delete_on_termination": true, "encrypted": true, "volume_size": 20}]"#))
        #expect(change["after_unknown"]?["root_block_device"] == Self.json(#"[{"device_name": true, "volume_id": true}]"#))
        #expect(change["after_sensitive"]?["root_block_device"] == Self.json("[{}]"))
    }

    @Test func unknownValuesAreLeftOutOfAfterAndMarkedInAfterUnknown() throws {
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: Self.newInstance)])))
        let after = try #require(change["after"]?.objectValue)
        #expect(after["id"] == nil)
        #expect(after["public_ip"] == nil)
        #expect(change["after_unknown"]?["id"] == .bool(true))
        #expect(change["after_unknown"]?["public_ip"] == .bool(true))
        #expect(change["after_unknown"]?["ami"] == nil)
    }

    @Test func unsetListsAreEmptyListsNotNull() throws {
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: Self.newInstance)])))
        #expect(change["after"]?["ebs_block_device"] == .array([]))
        #expect(change["after_unknown"]?["ebs_block_device"] == .array([]))
    }

    @Test func securityGroupIDsOfAGroupNotYetCreatedAreUnknown() throws {
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: Self.newInstance)])))
        #expect(change["after"]?["vpc_security_group_ids"] == nil)
        #expect(change["after_unknown"]?["vpc_security_group_ids"] == .bool(true))
        #expect(change["after_sensitive"]?["vpc_security_group_ids"] == .array([]))
    }

    /// The order Terraform printed for these three rules, configured udp, tcp 22, tcp all.
    @Test func securityGroupRulesAreSortedAsTerraformSortsThem() throws {
        func rule(_ proto: String, _ from: Double, _ to: Double, _ cidr: String) -> Value {
            .map(["protocol": .string(proto), "from_port": .number(from), "to_port": .number(to), "cidr_blocks": .list([.string(cidr)]),
                  "ipv6_cidr_blocks": .null, "security_groups": .null, "self": .null, "description": .null])
        }
        let after: Value = .map(["name": .string("tachyon"), "description": .string("Tachyon cluster"), "id": .unknown,
                                 "ingress": .list([rule("udp", 0, 65535, "0.0.0.0/0"), rule("tcp", 22, 22, "10.0.0.0/8"), rule("tcp", 0, 65535, "0.0.0.0/0")])])
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.group, action: .create, before: nil, after: after)])))
        #expect(change["after"]?["ingress"] == Self.json("""
            [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 65535},
             {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "udp", "security_groups": [], "self": false, "to_port": 65535},
             {"cidr_blocks": ["10.0.0.0/8"], "description": "", "from_port": 22, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 22}]
            """))
        let mirror = Self.json(#"{"cidr_blocks": [false], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []}"#)
        #expect(change["after_unknown"]?["ingress"] == .array([mirror, mirror, mirror]))
    }

    @Test func aDeletesAfterUnknownIsAnEmptyObject() throws {
        let before: Value = .map(["ami": .string("ami-1"), "id": .string("i-1"), "root_block_device": .map(["volume_size": .number(8)])])
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .delete, before: before, after: nil)])))
        #expect(change["after"] == .null)
        #expect(change["after_unknown"] == .object([:]))
        #expect(change["after_sensitive"] == .bool(false))
        #expect(change["before"]?["root_block_device"] == Self.json(#"[{"volume_size": 8}]"#))
    }

    @Test func aWhollyKnownAfterHasAnEmptyAfterUnknown() throws {
        let known: Value = .map(["ami": .string("ami-1"), "id": .string("i-1"), "tags": .map(["Name": .string("m")])])
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .update, before: known, after: known)])))
        #expect(change["after_unknown"] == .object([:]))
    }

    @Test func timestampApplyableAndComplete() throws {
        var changed = Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: Self.newInstance)])
        changed.timestamp = Plan.timestamp(secondsSince1970: 1_796_272_317)
        let document = Self.render(changed)
        #expect(document["timestamp"] == .string("2026-12-03T04:31:57Z"))
        #expect(document["applyable"] == .bool(true))
        #expect(document["complete"] == .bool(true))
        #expect(document["errored"] == .bool(false))
        #expect(Plan.timestamp(secondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(Plan.timestamp(secondsSince1970: 951_782_400) == "2000-02-29T00:00:00Z")

        var targeted = PlanOptions()
        targeted.targets = ["aws_instance.master"]
        let unchanged = Self.plan([PlannedChange(address: Self.master, action: .noOp, before: Self.newInstance, after: Self.newInstance)], options: targeted)
        #expect(Self.render(unchanged)["applyable"] == .bool(false))
        #expect(Self.render(unchanged)["complete"] == .bool(false))
        #expect(Self.render(unchanged)["timestamp"] == nil, "a plan made before tfy recorded the time has none")
    }

    @Test func priorStateResourcesListWhatTheyDependOn() throws {
        var state = State(lineage: "l")
        state.tfyVersion = "9.8.7"
        state.resources = [
            StateResource(type: "aws_instance", name: "master", instances: [
                StateInstance(indexKey: nil, attributes: ["id": .string("i-1"), "ami": .string("ami-1")], dependencies: ["aws_security_group.cluster"]),
            ]),
            StateResource(type: "aws_security_group", name: "cluster", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("sg-1")])]),
        ]
        var plan = Self.plan([])
        plan.priorState = state
        let resources = try #require(Self.render(plan)["prior_state"]?["values"]?["root_module"]?["resources"]?.arrayValue)
        #expect(resources.map { $0["address"] } == [.string("aws_instance.master"), .string("aws_security_group.cluster")])
        #expect(resources[0]["depends_on"] == Self.json(#"["aws_security_group.cluster"]"#))
        #expect(resources[1]["depends_on"] == nil)
        #expect(resources[0]["values"]?["ebs_block_device"] == nil, "only what the state records")
        #expect(Self.render(plan)["prior_state"]?["format_version"] == .string("1.0"))
    }

    @Test func variablesGivenAsTextKeepTheirStringType() throws {
        let plan = Self.plan([], variables: [
            "machines": PlanVariable(value: .number(3), sensitive: false, text: "3"),
            "Masters": PlanVariable(value: .number(2), sensitive: false),
            "secret": PlanVariable(value: .sensitive(.string("digest")), sensitive: true),
        ])
        #expect(Self.render(plan)["variables"] == Self.json(#"{"machines": {"value": "3"}, "Masters": {"value": 2}, "secret": {"value": null, "sensitive": true}}"#))
        // The text survives the saved plan file.
        guard case .success(let read) = Plan.decode(plan.encoded()) else { Issue.record("the plan did not read back"); return }
        #expect(read.variables["machines"]?.text == "3")
        #expect(read.variables["Masters"]?.text == nil)
    }

    /// Through the command line: the value that wins is shown as it was given.
    @Test func theWinningInputDecidesAVariablesJSONType() async throws {
        let directory = NSTemporaryDirectory() + "tfy-vars-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/four.yml"
        try "machines: 4\n".write(toFile: file, atomically: true, encoding: .utf8)
        func machines(_ options: [String], environment: [String: String] = [:]) async -> JSONValue? {
            let run = await CommandTests().tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", directory + "/none.tfstate", "-format", "json"] + options,
                                               in: PlanGoldenTests.configs, environment: environment)
            guard run.status == 0, case .success(let document) = JSONValue.parse(Array(run.out.utf8)) else { return .string("failed: \(run.err)") }
            return document["variables"]?["machines"]?["value"]
        }
        #expect(await machines(["-var", "machines=3"]) == .string("3"))
        #expect(await machines([], environment: ["TF_VAR_machines": "5"]) == .string("5"))
        #expect(await machines(["-var-file", file]) == .int(4))
        #expect(await machines(["-var", "machines=3", "-var-file", file]) == .int(4))
        #expect(await machines(["-var-file", file, "-var", "machines=3"]) == .string("3"))
        #expect(await machines([]) == .int(3), "the default keeps its type")
    }

    @Test func terraformVersionIsTfysAndTfyVersionIsKept() {
        let document = Self.render(Self.plan([]))
        #expect(document["terraform_version"] == .string("9.8.7"))
        #expect(document["tfy_version"] == .string("9.8.7"))
        #expect(document["resource_drift"] == nil, "left out when empty, as Terraform does")
    }

    @Test func sensitiveValuesStayRedacted() throws {
        let digest = SensitiveDigest.of(.string("s3cret"), key: StackKey(bytes: Array(repeating: 0xab, count: 32))!)
        let after: Value = .map(["ami": .string("ami-1"), "user_data": digest, "tags": .map(["Token": .sensitive(.string("x"))])])
        let change = try #require(Self.change(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: after)])))
        #expect(change["after"]?["user_data"] == .null)
        #expect(change["after"]?["tags"] == Self.json(#"{"Token": null}"#))
        #expect(change["after_sensitive"]?["user_data"] == .bool(true))
        #expect(change["after_sensitive"]?["tags"] == Self.json(#"{"Token": true}"#))
        #expect(!PlanJSONRenderer.render(Self.plan([PlannedChange(address: Self.master, action: .create, before: nil, after: after)]), resourceTypes: .standard).contains("s3cret"))
    }
    /// A file to upload is sensitive content, whether written out or read from a `source`
    /// (a private key): the configuration section describes `files` without its value, and the
    /// saved plan does not hold the text either.
    @Test func uploadedFileContentIsNotInTheConfigurationSection() async throws {
        let directory = NSTemporaryDirectory() + "tfy-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "-----BEGIN KEY----- s3cret-key\n".write(toFile: directory + "/key.pem", atomically: true, encoding: .utf8)
        try """
            stack: files
            resource:
              tfy_bootstrap:
                b:
                  connection: {host: 10.0.0.1}
                  inline: ["true"]
                  files:
                    - {content: "literal-s3cret", destination: /tmp/x}
                    - {source: key.pem, destination: /tmp/y}

            """.write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        let run = await CommandTests().tfy(["plan", ".", "-refresh=false", "-lock=false", "-state", directory + "/none.tfstate", "-format", "json", "-out", directory + "/p.tfplan"],
                                           in: directory)
        #expect(run.status == 0, "\(run.err)")
        let document = Self.json(run.out)
        #expect(document["configuration"]?["root_module"]?["resources"]?.arrayValue?.first?["expressions"]?["files"] == .object([:]))
        #expect(!run.out.contains("s3cret"), "\(run.out)")
        let saved = try String(contentsOfFile: directory + "/p.tfplan", encoding: .utf8)
        #expect(!saved.contains("s3cret"))
    }
}
