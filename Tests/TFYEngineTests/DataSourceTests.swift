import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Data sources against moto, set up and checked with the AWS CLI: each read during plan with one
/// call per distinct query, all known queries at once, recorded in state as `mode: "data"`, read
/// again by every plan; the AWS provider's errors; another stack's objects refused.
@Suite(.timeLimit(.minutes(30)))
struct DataSourceTests {
    static let fixture = engineFixtures + "/data-sources"

    /// The AMIs of the lookup, registered with the AWS CLI: two jammy images tagged os=ubuntu, the
    /// second newer; a newer noble image (tagged, but not matching name_regex) and a newer jammy
    /// image tagged os=debian (matching name_regex, but not the filter). Returns the ID the lookup
    /// must find. EC2 dates images to the second, so each newer one is registered once the clock
    /// has passed the previous one's second.
    static func registerImages(_ world: World) async throws -> String {
        func register(_ name: String, os: String) async throws -> String {
            let id = try #require(try await world.cli(["ec2", "register-image", "--name", name, "--root-device-name", "/dev/sda1"])["ImageId"] as? String)
            _ = try await world.cli(["ec2", "create-tags", "--resources", id, "--tags", "Key=os,Value=\(os)"])
            return id
        }
        func nextSecond() async throws {
            let now = Date().timeIntervalSince1970
            try await Task.sleep(nanoseconds: UInt64((now.rounded(.down) + 1.05 - now) * 1e9))
        }
        _ = try await register("ubuntu-jammy-20240101", os: "ubuntu")
        try await nextSecond()
        let newest = try await register("ubuntu-jammy-20240601", os: "ubuntu")
        try await nextSecond()
        _ = try await register("ubuntu-noble-20240701", os: "ubuntu")
        _ = try await register("ubuntu-jammy-20240801", os: "debian")
        return newest
    }

    /// The default VPC, its subnets (in EC2's order) and the one default for us-east-1a, the
    /// region's zones, a group `web` and a key pair `deployer`: what the AWS CLI sees.
    struct Expected {
        var image: String
        var vpc: String
        var subnets: [String]
        var subnetA: String
        var zones: [String]
        var zoneIds: [String]
        var group: String
        var fingerprint: String
    }

    static func setUp(_ world: World) async throws -> Expected {
        let image = try await registerImages(world)
        let vpcs = try #require(try await world.cli(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"])["Vpcs"] as? [[String: Any]])
        let vpc = try #require(vpcs.first?["VpcId"] as? String)
        let subnets = try #require(try await world.cli(["ec2", "describe-subnets", "--filters", "Name=vpc-id,Values=\(vpc)"])["Subnets"] as? [[String: Any]])
        let subnetA = try #require(subnets.first { $0["AvailabilityZone"] as? String == "us-east-1a" && $0["DefaultForAz"] as? Bool == true }?["SubnetId"] as? String)
        let zones = try #require(try await world.cli(["ec2", "describe-availability-zones"])["AvailabilityZones"] as? [[String: Any]])
            .sorted { ($0["ZoneName"] as? String ?? "") < ($1["ZoneName"] as? String ?? "") }
        let group = try #require(try await world.cli(["ec2", "create-security-group", "--group-name", "web", "--description", "Web", "--vpc-id", vpc])["GroupId"] as? String)
        let key = try await world.cli(["ec2", "create-key-pair", "--key-name", "deployer"])
        return Expected(image: image, vpc: vpc, subnets: subnets.compactMap { $0["SubnetId"] as? String }, subnetA: subnetA,
                        zones: zones.compactMap { $0["ZoneName"] as? String }, zoneIds: zones.compactMap { $0["ZoneId"] as? String },
                        group: group, fingerprint: try #require(key["KeyFingerprint"] as? String))
    }

    static func useFixture(_ world: World) throws {
        try world.configure(try String(contentsOfFile: fixture + "/main.yml", encoding: .utf8))
    }

    /// The `API calls: …` line of a run's output.
    static func calls(_ out: String) -> String? {
        out.split(separator: "\n").last { $0.hasPrefix("API calls: ") }.map(String.init)
    }

    @Test func eachDataSourceIsFoundAsTheAWSCLISeesItAndRecordedAsTerraformDoes() async throws {
        let world = try await World()
        let expected = try await Self.setUp(world)
        try Self.useFixture(world)
        let proxy = try await InstanceWireTests.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        // Nothing but the instance is planned: data sources read during plan are not shown.
        #expect(applied.out.contains("Plan: 1 to add, 0 to change, 0 to destroy."), "\(applied.out)")
        #expect(!applied.out.contains("data."), "\(applied.out)")

        // The instance was launched from what each lookup found, as the AWS CLI sees it.
        let live = try #require(try await world.liveInstances().first)
        let instance = try await world.instance(live.id)
        #expect(instance["ImageId"] as? String == expected.image)
        #expect(instance["SubnetId"] as? String == expected.subnetA)
        #expect(instance["KeyName"] as? String == "deployer")
        #expect((instance["SecurityGroups"] as? [[String: Any]])?.compactMap { $0["GroupId"] as? String } == [expected.group])

        let outputs = try world.state().outputs.mapValues(\.value)
        #expect(outputs["image"] == .string("ubuntu-jammy-20240601"))
        #expect(outputs["subnets"] == .list(expected.subnets.map { .string($0) }))
        #expect(outputs["zones"] == .list(expected.zones.map { .string($0) }))
        #expect(outputs["zone_ids"] == .list(expected.zoneIds.map { .string($0) }))
        #expect(outputs["group_arn"] == .string("arn:aws:ec2:us-east-1:123456789012:security-group/\(expected.group)"))
        #expect(outputs["fingerprint"] == .string(expected.fingerprint))

        // State records each data source as Terraform does: mode "data", its arguments and attributes.
        let state = try world.state()
        #expect(state.dataResources.map { "\($0.mode) \($0.type).\($0.name)" } == [
            "data aws_ami.ubuntu", "data aws_availability_zones.available", "data aws_key_pair.deployer", "data aws_security_group.web",
            "data aws_subnet.a", "data aws_subnets.default", "data aws_vpc.default",
        ])
        let vpc = try #require(state.dataResources.first { $0.type == "aws_vpc" }?.instances.first?.attributes)
        #expect(vpc["id"] == .string(expected.vpc))
        #expect(vpc["default"] == .bool(true))
        let file = try String(contentsOfFile: world.statePath, encoding: .utf8)
        #expect(file.contains(#""mode": "data""#))
        #expect(try world.state().instances.map(\.address.description) == ["aws_instance.web"])

        // What each read sent, as the wire shows it: one call per data source type, the subnets
        // two (two queries), every one in the form botocore's model takes (moto_helper refuses
        // any other).
        let plan = await world.tfy(["plan", "cluster", "-no-color", "-detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        let before = try await proxyRequests(proxy).count
        let again = await world.tfy(["plan", "cluster", "-no-color", "-detailed-exitcode"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        let sent = try await proxyRequests(proxy).dropFirst(before).map { $0.params.filter { $0.key != "Version" } }
        // A no-change plan: refresh's one call and one per data source type (the subnets two:
        // aws_subnets and aws_subnet are two queries), exactly.
        let counts = Dictionary(sent.map { ($0["Action"] ?? "", 1) }, uniquingKeysWith: +)
        #expect(counts == ["DescribeAvailabilityZones": 1, "DescribeImages": 1, "DescribeInstances": 1, "DescribeKeyPairs": 1, "DescribeSecurityGroups": 1,
                           "DescribeSubnets": 2, "DescribeVpcs": 1], "\(sent)")
        let unchanged = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(Self.calls(unchanged.out) == "API calls: DescribeAvailabilityZones 1, DescribeImages 1, DescribeInstances 1, DescribeKeyPairs 1, DescribeSecurityGroups 1, DescribeSubnets 2, DescribeVpcs 1", "\(unchanged.out)")
        let reads = sent.filter { $0["Action"] != "DescribeInstances" && !($0["Action"] == "DescribeSecurityGroups" && $0["Filter.1.Name"] == "tag:tfy:stack") }
        #expect(Set(reads) == [
            ["Action": "DescribeImages", "Filter.1.Name": "tag:os", "Filter.1.Value.1": "ubuntu", "Owner.1": "self"],
            ["Action": "DescribeVpcs", "Filter.1.Name": "is-default", "Filter.1.Value.1": "true"],
            ["Action": "DescribeAvailabilityZones", "Filter.1.Name": "state", "Filter.1.Value.1": "available"],
            ["Action": "DescribeKeyPairs", "KeyName.1": "deployer"],
            ["Action": "DescribeSubnets", "Filter.1.Name": "vpc-id", "Filter.1.Value.1": expected.vpc],
            ["Action": "DescribeSubnets", "Filter.1.Name": "availability-zone", "Filter.1.Value.1": "us-east-1a", "Filter.2.Name": "default-for-az",
             "Filter.2.Value.1": "true", "Filter.3.Name": "vpc-id", "Filter.3.Value.1": expected.vpc],
            ["Action": "DescribeSecurityGroups", "Filter.1.Name": "group-name", "Filter.1.Value.1": "web", "Filter.2.Name": "vpc-id", "Filter.2.Value.1": expected.vpc],
        ], "\(reads)")
        #expect(reads.count == 7)
    }

    /// The four lookups that depend on nothing are read at once: the proxy holds every request
    /// until four are in flight together, which reads made one after another never reach.
    @Test func lookupsWithKnownArgumentsAreReadConcurrently() async throws {
        let world = try await World()
        _ = try await Self.setUp(world)
        // The lookups alone: with no resource there is nothing to refresh before them.
        let lookups = try String(contentsOfFile: Self.fixture + "/main.yml", encoding: .utf8).components(separatedBy: "resource:\n")[0]
        // Blocks with the same type and arguments are one query, read once.
        try world.configure(lookups.replacingOccurrences(of: "    default: {default: true}\n", with: "    default: {default: true}\n    same: {default: true}\n"))
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--hold-until-in-flight", "4"])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(try await proxyStats(proxy)["max_in_flight"] == 4)
        let requests = try await proxyRequests(proxy)
        #expect(requests.prefix(4).map(\.action).sorted() == ["DescribeAvailabilityZones", "DescribeImages", "DescribeKeyPairs", "DescribeVpcs"])
        #expect(requests.map(\.action).sorted() == ["DescribeAvailabilityZones", "DescribeImages", "DescribeKeyPairs", "DescribeSecurityGroups",
                                                    "DescribeSubnets", "DescribeSubnets", "DescribeVpcs"])
    }

    /// A plan of the fixture's instance, in text, JSON and Markdown, with the lookups' IDs as the
    /// AWS CLI reports them: the data sources are not in the plan text or Markdown, and are in
    /// the JSON's `prior_state`, as Terraform shows them.
    @Test func knownLookupsAreNotShownButArePriorStateInTheJSON() async throws {
        let world = try await World()
        let expected = try await Self.setUp(world)
        try Self.useFixture(world)
        let text = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(text.status == 0, "\(text.err)")
        let json = await world.tfy(["plan", "cluster", "-format", "json"])
        let markdown = await world.tfy(["plan", "cluster", "-format", "markdown"])
        for (name, output) in [("plan.txt", text.out), ("plan.json", json.out), ("plan.md", markdown.out)] {
            Self.check(Self.normalised(output, expected: expected, stack: world.stack), golden: name)
        }
    }

    /// Replaces what differs from one moto to the next (IDs, dates, the fingerprint) by names.
    static func normalised(_ text: String, expected: Expected, stack: String) -> String {
        var text = text
        let names = [(expected.image, "AMI"), (expected.vpc, "VPC"), (expected.subnetA, "SUBNET-A"), (expected.group, "GROUP"), (expected.fingerprint, "FINGERPRINT")]
            + expected.subnets.enumerated().map { ($1, "SUBNET-\($0 + 1)") }
        for (value, name) in names { text = text.replacingOccurrences(of: value, with: name) }
        for (pattern, replacement) in [
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "DATE"),
            (#"key-[0-9a-f]{17}"#, "KEY-ID"),
            (#"ami-[0-9a-f]{8,17}"#, "AMI-OTHER"),
        ] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text.replacingOccurrences(of: stack, with: "STACK")
    }

    static func check(_ actual: String, golden name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let path = fixture + "/" + name
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("recorded \(name); run again without RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
            return
        }
        let expected = try? String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; RECORD_SNAPSHOTS=1 swift test re-records it", sourceLocation: sourceLocation)
    }

    /// Every plan reads its data sources again: an image registered since the last apply is the
    /// one the next plan finds, and it replaces the instance launched from the old one.
    @Test func theNextPlanReadsAgainAndNeverUsesStaleData() async throws {
        let world = try await World()
        let expected = try await Self.setUp(world)
        try Self.useFixture(world)
        #expect(await world.tfy(["apply", "cluster", "-auto-approve"]).status == 0)
        let now = Date().timeIntervalSince1970
        try await Task.sleep(nanoseconds: UInt64((now.rounded(.down) + 1.05 - now) * 1e9))
        let newer = try #require(try await world.cli(["ec2", "register-image", "--name", "ubuntu-jammy-20241001", "--root-device-name", "/dev/sda1"])["ImageId"] as? String)
        _ = try await world.cli(["ec2", "create-tags", "--resources", newer, "--tags", "Key=os,Value=ubuntu"])
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.out.contains(#"      ~ ami                         = "\#(expected.image)" -> "\#(newer)" # forces replacement"#), "\(plan.out)")
        #expect(plan.out.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "\(plan.out)")

        // A destroy reads nothing and leaves no data source in the state.
        let destroyed = await world.tfy(["destroy", "cluster", "-auto-approve", "-no-color"])
        #expect(destroyed.status == 0, "\(destroyed.out)\(destroyed.err)")
        #expect(try world.state().dataResources.isEmpty)
        #expect(try world.state().instances.isEmpty)
    }

    /// The AWS provider's errors, each at its data block: no image, several images without
    /// most_recent, several subnets where one is needed, an unknown key pair.
    @Test func lookupErrorsUseTheProvidersWordsAtTheBlock() async throws {
        let world = try await World()
        _ = try await Self.setUp(world)
        try world.configure("""
            provider:
              aws: {region: us-east-1}
            variable:
              stack_tag: {type: string}
            data:
              aws_ami:
                none: {owners: [self], name_regex: "^debian-"}
                several: {owners: [self], filter: [{name: "tag:os", values: [ubuntu]}]}
              aws_subnet:
                any: {state: available}
              aws_key_pair:
                missing: {key_name: nobody}
            """)
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 1)
        let errors = plan.err.split(separator: "\n").filter { $0.hasPrefix("Error: ") || $0.hasPrefix("  on ") }
        #expect(errors == [
            "Error: Your query returned no results. Please change your search criteria and try again.",
            "  on cluster/main.yml:8:5 (data.aws_ami.none):",
            "Error: Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.",
            "  on cluster/main.yml:9:5 (data.aws_ami.several):",
            "Error: multiple EC2 Subnets matched; use additional constraints to reduce matches to a single EC2 Subnet",
            "  on cluster/main.yml:11:5 (data.aws_subnet.any):",
            "Error: no matching EC2 Key Pair found",
            "  on cluster/main.yml:13:5 (data.aws_key_pair.missing):",
        ], "\(plan.err)")
        #expect(plan.err.contains("3 images matched the owners, filters and name_regex given."), "\(plan.err)")
        #expect(!FileManager.default.fileExists(atPath: world.statePath))
    }

    /// Ownership: a lookup that selects an object tagged for another stack stops the plan, naming
    /// both stacks; nothing of it reaches this stack's state.
    @Test func aLookupOfAnotherStacksObjectIsRefusedNamingBothStacks() async throws {
        let world = try await World()
        let expected = try await Self.setUp(world)
        _ = try await world.cli(["ec2", "create-tags", "--resources", expected.group, "--tags", "Key=tfy:stack,Value=other", "Key=tfy:address,Value=aws_security_group.web"])
        try Self.useFixture(world)
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 1)
        #expect(plan.err.contains("""
            Error: Data source matched another stack's object

              on cluster/main.yml:28:5 (data.aws_security_group.web):
              28 |     web: {name: web, vpc_id: "${data.aws_vpc.default.id}"}
                 |     ^

            data.aws_security_group.web selected \(expected.group), which is tagged tfy:stack=other as aws_security_group.web; this configuration is stack "\(world.stack)". tfy never reads another stack's objects into this state, so it stopped before planning. Narrow the data source's arguments (an id, tags or a filter) so that it selects no object of stack "other".
            """), "\(plan.err)")
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 1)
        #expect(!FileManager.default.fileExists(atPath: world.statePath))
        #expect(try await world.liveInstances().isEmpty)
    }

    /// A configuration whose security group is created by the apply and looked up by a data
    /// source with its ID (so the lookup is read during apply); an instance launched into the
    /// group the lookup found; with `missing`, a second lookup by a name that matches nothing,
    /// an instance that uses it, and one that uses neither.
    static func deferredConfiguration(image: String, missing: Bool = false) -> String {
        """
        provider:
          aws: {region: us-east-1}
        variable:
          stack_tag: {type: string}
        resource:
          aws_security_group:
            cluster: {name: "${var.stack_tag}-cluster", description: Cluster}
          aws_instance:
            web:
              ami: \(image)
              instance_type: t3.micro
              vpc_security_group_ids: ["${data.aws_security_group.cluster.id}"]
              tags: {Name: web}
        """ + (missing ? """

            other:
              ami: \(image)
              instance_type: t3.micro
              vpc_security_group_ids: ["${data.aws_security_group.missing.id}"]
              tags: {Name: other}
            alone:
              ami: \(image)
              instance_type: t3.micro
              tags: {Name: alone}
        """ : "") + """

        data:
          aws_security_group:
            cluster: {id: "${aws_security_group.cluster.id}"}
        """ + (missing ? """

            missing: {name: "${aws_security_group.cluster.id}-missing"}
        """ : "") + """

        output:
          arn: {value: "${data.aws_security_group.cluster.arn}"}

        """
    }

    static func image(_ world: World) async throws -> String {
        try #require(try await world.cli(["ec2", "register-image", "--name", "base", "--root-device-name", "/dev/sda1"])["ImageId"] as? String)
    }

    /// A data source whose argument waits for a resource the plan creates is shown as Terraform
    /// shows it, read during apply: and read during apply as soon as the group exists, before
    /// the instance that uses it, with one DescribeSecurityGroups, its progress lines as
    /// Terraform prints them, its result used for the instance and the output, and recorded in
    /// state as a plan-time read is.
    @Test func aLookupOfANewResourceIsReadDuringApplyOnceItExists() async throws {
        let world = try await World()
        let image = try await Self.image(world)
        try world.configure(Self.deferredConfiguration(image: image))
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("""
              # data.aws_security_group.cluster will be read during apply
              # (config refers to values not yet known)
             <= data "aws_security_group" "cluster" {
                  + arn         = (known after apply)
                  + description = (known after apply)
                  + id          = (known after apply)
                  + name        = (known after apply)
                  + tags        = (known after apply)
                  + vpc_id      = (known after apply)
                }
            """), "\(plan.out)")
        let proxy = try await InstanceWireTests.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        let group = try #require(try await world.securityGroups().first?["GroupId"] as? String)
        let lines = applied.out.split(separator: "\n").map(String.init)
        // "Still creating..." lines come only on a slow machine.
        let progress = lines.filter { ($0.hasPrefix("aws_") || $0.hasPrefix("data.")) && !$0.contains(": Still ") }.map {
            $0.replacingOccurrences(of: #"i-[0-9a-f]+"#, with: "ID", options: .regularExpression)
                .replacingOccurrences(of: #"after \d+s"#, with: "after Ns", options: .regularExpression)
        }
        #expect(progress == [
            "aws_security_group.cluster: Creating...",
            "aws_security_group.cluster: Creation complete after Ns [id=\(group)]",
            "data.aws_security_group.cluster: Reading...",
            "data.aws_security_group.cluster: Read complete after Ns [id=\(group)]",
            "aws_instance.web: Creating...",
            "aws_instance.web: Creation complete after Ns [id=ID]",
        ], "\(applied.out)")
        #expect(applied.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "\(applied.out)")

        // The instance is in the group the lookup found, as the AWS CLI sees it.
        let live = try #require(try await world.liveInstances().first)
        let instance = try await world.instance(live.id)
        #expect((instance["SecurityGroups"] as? [[String: Any]])?.compactMap { $0["GroupId"] as? String } == [group])
        // The read is one DescribeSecurityGroups, by the group's ID.
        let reads = try await proxyRequests(proxy).filter { $0.action == "DescribeSecurityGroups" && $0.params["GroupId.1"] != nil }
        #expect(reads.map { $0.params.filter { $0.key != "Version" } } == [["Action": "DescribeSecurityGroups", "GroupId.1": group]])

        // State records it as a plan-time read: mode "data", its arguments and attributes.
        let state = try world.state()
        #expect(state.dataResources.map { "\($0.mode) \($0.type).\($0.name)" } == ["data aws_security_group.cluster"])
        let read = try #require(state.dataResources.first?.instances.first?.attributes)
        #expect(read["id"] == .string(group))
        #expect(read["name"] == .string("\(world.stack)-cluster"))
        #expect(state.outputs["arn"]?.value == .string("arn:aws:ec2:us-east-1:123456789012:security-group/\(group)"))

        // The next plan reads it during plan (its ID is known now) and changes nothing.
        let again = await world.tfy(["plan", "cluster", "-no-color", "-detailed-exitcode"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }

    /// A saved plan with a read during apply applies, and its progress is Terraform's JSON: the
    /// read worded as a refresh, with the action "read" and the data source's address.
    /// A null argument is left out, as Terraform leaves it out (it is not an argument known only
    /// after apply), and a saved plan whose lookup takes a sensitive argument applies with the
    /// value it was made with (the file holds the argument as a digest).
    @Test func aNullArgumentIsLeftOutAndASavedPlanWithASensitiveArgumentApplies() async throws {
        let world = try await World()
        let name = world.stack + "-found"
        let group = try #require(try await world.cli(["ec2", "create-security-group", "--group-name", name, "--description", "Found"])["GroupId"] as? String)
        let vpc = try #require((try await world.cli(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"])["Vpcs"] as? [[String: Any]])?.first?["VpcId"] as? String)
        try world.configure("""
            provider:
              aws: {region: us-east-1}
            variable:
              stack_tag: {type: string}
              vpc: {type: string, default: ""}
              group_name: {type: string, sensitive: true}
            data:
              aws_vpc:
                net: {id: '${var.vpc == "" ? null : var.vpc}', default: true}
              aws_security_group:
                named: {name: "${var.group_name}"}
            output:
              vpc: {value: "${data.aws_vpc.net.id}"}
              group: {value: "${data.aws_security_group.named.id}"}
            """)
        let plan = await world.tfy(["plan", "cluster", "-no-color", "-out", "found.tfplan", "-var", "group_name=\(name)"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(!plan.out.contains("read during apply"), "\(plan.out)")
        #expect(plan.out.contains("  + group = \"\(group)\"\n  + vpc   = \"\(vpc)\"\n"), "\(plan.out)")
        // A saved plan holds a sensitive variable as a digest: it is given again, and checked.
        let applied = await world.tfy(["apply", "-no-color", "-var", "group_name=\(name)", "found.tfplan"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("group = \"\(group)\"\nvpc = \"\(vpc)\"\n"), "\(applied.out)")
        #expect(!applied.out.contains(name) && !applied.err.contains(name))
    }

    @Test func aSavedPlanWithADeferredReadAppliesWithTerraformsJSONEvents() async throws {
        let world = try await World()
        let image = try await Self.image(world)
        try world.configure(Self.deferredConfiguration(image: image))
        let plan = await world.tfy(["plan", "cluster", "-no-color", "-out", "deferred.tfplan"])
        #expect(plan.status == 0, "\(plan.err)")
        let applied = await world.tfy(["apply", "-json", "deferred.tfplan"])
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        let group = try #require(try await world.securityGroups().first?["GroupId"] as? String)
        let messages = JSONStreamTests.messages(applied.out).compactMap(\.objectValue)
        let resource: JSONValue = .object([
            "addr": .string("data.aws_security_group.cluster"), "module": .string(""), "resource": .string("data.aws_security_group.cluster"),
            "implied_provider": .string("aws"), "resource_type": .string("aws_security_group"), "resource_name": .string("cluster"), "resource_key": .null,
        ])
        let planned = try #require(messages.first { $0["type"] == .string("planned_change") && $0["change"]?.objectValue?["resource"] == resource })
        #expect(planned["@message"] == .string("data.aws_security_group.cluster: Plan to read"))
        #expect(planned["change"] == .object(["resource": resource, "action": .string("read"), "reason": .string("read_because_config_unknown")]))
        let start = try #require(messages.first { $0["type"] == .string("apply_start") && $0["hook"]?.objectValue?["resource"] == resource })
        #expect(start["@message"] == .string("data.aws_security_group.cluster: Refreshing..."))
        #expect(start["hook"] == .object(["resource": resource, "action": .string("read")]))
        let complete = try #require(messages.first { $0["type"] == .string("apply_complete") && $0["hook"]?.objectValue?["resource"] == resource })
        // The read takes 0 s on a quiet machine, and a second or more on a loaded one: the message says what the hook does.
        let elapsed = try #require(complete["hook"]?.objectValue?["elapsed_seconds"]?.intValue)
        #expect((0..<60).contains(elapsed))
        #expect(complete["@message"] == .string("data.aws_security_group.cluster: Refresh complete after \(elapsed)s [id=\(group)]"))
        #expect(complete["hook"] == .object(["resource": resource, "action": .string("read"), "id_key": .string("id"), "id_value": .string(group), "elapsed_seconds": .int(elapsed)]))
        let summary = try #require(messages.first { $0["type"] == .string("change_summary") })
        #expect(summary["@message"] == .string("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."))
        #expect(try world.state().dataResources.first?.instances.first?.attributes["id"] == .string(group))
        let live = try #require(try await world.liveInstances().first)
        #expect((try await world.instance(live.id)["SecurityGroups"] as? [[String: Any]])?.compactMap { $0["GroupId"] as? String } == [group])
    }

    /// A read during apply that finds nothing fails at its block with the provider's words, as
    /// at plan time: the instance that uses it is skipped, the work that does not depend on it
    /// finishes, and the state keeps what was done (not the failed read).
    @Test func aFailingDeferredReadSkipsItsDependentsAndKeepsWhatWasDone() async throws {
        let world = try await World()
        let image = try await Self.image(world)
        try world.configure(Self.deferredConfiguration(image: image, missing: true))
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 1, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("data.aws_security_group.missing: Reading..."), "\(applied.out)")
        #expect(!applied.out.contains("data.aws_security_group.missing: Read complete"), "\(applied.out)")
        #expect(!applied.out.contains("aws_instance.other: Creating..."), "\(applied.out)")
        #expect(applied.err.contains("""
            Error: no matching EC2 Security Group found

              on cluster/main.yml:27:5 (data.aws_security_group.missing):
            """), "\(applied.err)")
        #expect(try await world.liveInstances().map(\.name) == ["alone", "web"])
        let state = try world.state()
        #expect(state.instances.map(\.address.description) == ["aws_instance.alone", "aws_instance.web", "aws_security_group.cluster"])
        #expect(state.dataResources.map { "\($0.type).\($0.name)" } == ["aws_security_group.cluster"])
    }

    /// A read during apply that selects another stack's object is refused as at plan time, and
    /// what depends on it is not applied.
    @Test func aDeferredLookupOfAnotherStacksObjectIsRefused() async throws {
        let world = try await World()
        let image = try await Self.image(world)
        let vpc = try #require((try await world.cli(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"])["Vpcs"] as? [[String: Any]])?.first?["VpcId"] as? String)
        let other = try #require(try await world.cli(["ec2", "create-security-group", "--group-name", "web", "--description", "Web", "--vpc-id", vpc])["GroupId"] as? String)
        _ = try await world.cli(["ec2", "create-tags", "--resources", other, "--tags", "Key=tfy:stack,Value=other", "Key=tfy:address,Value=aws_security_group.web"])
        try world.configure(Self.deferredConfiguration(image: image)
            .replacingOccurrences(of: #"cluster: {id: "${aws_security_group.cluster.id}"}"#, with: #"cluster: {name: web, vpc_id: "${aws_security_group.cluster.vpc_id}"}"#))
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(applied.status == 1, "\(applied.out)\(applied.err)")
        #expect(applied.err.contains("""
            Error: Data source matched another stack's object

              on cluster/main.yml:17:5 (data.aws_security_group.cluster):
            """), "\(applied.err)")
        #expect(applied.err.contains("data.aws_security_group.cluster selected \(other), which is tagged tfy:stack=other as aws_security_group.web; this configuration is stack \"\(world.stack)\". tfy never reads another stack's objects into this state, so it did not read it and stopped what depends on it."), "\(applied.err)")
        #expect(try await world.liveInstances().isEmpty)
        #expect(try world.state().dataResources.isEmpty)
    }
}
