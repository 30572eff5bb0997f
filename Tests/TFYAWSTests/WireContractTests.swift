import Foundation
import Testing
@testable import TFYAWS
import TFYTestSupport

/// The wire contract moto_helper.py enforces (ec2_contract.py): every EC2 request the tests send is
/// checked against AWS's EC2 service model before moto sees it, and one that breaks the model is
/// refused with TfyWireContractViolation. Each check is shown to fire, with its exact message, and
/// every request tfy's typed client makes is shown to pass.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct WireContractTests {
    /// Where this suite's moto appends the refused requests (TFY_WIRE_CONTRACT_LOG).
    static let contractLog = NSTemporaryDirectory() + "tfy-wire-contract-\(UUID().uuidString).jsonl"
    static let server = Task { try await MotoServer(environment: ["TFY_WIRE_CONTRACT_LOG": contractLog]) }
    let moto: MotoServer
    let ec2: EC2Client

    init() async throws {
        moto = try await Self.server.value
        try await moto.reset()
        ec2 = client(endpoint: moto.endpoint)
    }

    /// A launch the model accepts, for the checks to spoil one parameter at a time.
    static let launch: EC2Client.Parameters = [("ImageId", "ami-1ecae776"), ("InstanceType", "t2.micro"), ("MinCount", "1"), ("MaxCount", "1")]

    /// Calls `action` and expects the contract's refusal with exactly `message`: HTTP 400, code
    /// TfyWireContractViolation, not retried.
    func expectRefusal(_ action: String, _ parameters: EC2Client.Parameters, _ message: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await ec2.call(action, parameters)
            Issue.record("\(action) was not refused", sourceLocation: sourceLocation)
        } catch {
            #expect(error.cause == .service(code: "TfyWireContractViolation", message: message, status: 400), sourceLocation: sourceLocation)
            #expect(error.attempts == 1, sourceLocation: sourceLocation)
        }
    }

    /// The parameters of every EC2 request moto_helper received, in order (GET /__wire__).
    func wire() async throws -> [[[String]]] {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: moto.endpoint + "/__wire__"))
        #expect(response.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[[String]]])
    }

    /// The lines TFY_WIRE_CONTRACT_LOG holds so far.
    func logLines() -> [String] {
        String(decoding: FileManager.default.contents(atPath: Self.contractLog) ?? Data(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    // MARK: Each check fires

    @Test func aValidLaunchPasses() async throws {
        let launched = try await ec2.call("RunInstances", Self.launch)
        #expect(launched.items("instancesSet").count == 1)
    }

    @Test func anUnknownOrMisnamedKeyIsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("BlockDeviceMapping.1.DeviceName", "/dev/sdb"), ("BlockDeviceMapping.1.Ebs.Size", "8")],
                            #"RunInstances: unknown parameter "BlockDeviceMapping.1.Ebs.Size""#)
        // The member's name, not its wire name (botocore sends SecurityGroupId.N).
        await expectRefusal("RunInstances", Self.launch + [("SecurityGroupIds.1", "sg-1")], #"RunInstances: unknown parameter "SecurityGroupIds.1""#)
        // A locationName is upper-cased on the wire.
        await expectRefusal("DescribeInstances", [("dryRun", "false")], #"DescribeInstances: unknown parameter "dryRun""#)
        // A list index that is not a plain decimal number.
        await expectRefusal("DescribeInstances", [("InstanceId.01", "i-1")], #"DescribeInstances: unknown parameter "InstanceId.01""#)
        // Past a value.
        await expectRefusal("DescribeInstances", [("MaxResults.1", "5")], #"DescribeInstances: unknown parameter "MaxResults.1""#)
    }

    @Test func anUnknownActionIsRefused() async {
        await expectRefusal("DescribeInstance", [], #""DescribeInstance": unknown action"#)
    }

    @Test func anotherVersionIsRefused() async throws {
        // Signed for ec2, so checked although its Version is not EC2's.
        let request = EC2QueryProtocol.request(endpoint: moto.endpoint, parameters: [("Action", "DescribeVpcs"), ("Version", "2015-10-01")])
        do {
            _ = try await ec2.pipeline.perform("DescribeVpcs", request, as: EC2QueryProtocol.self)
            Issue.record("DescribeVpcs was not refused")
        } catch {
            #expect(error.cause == .service(code: "TfyWireContractViolation", message: #"DescribeVpcs: "Version" = "2015-10-01" is not 2016-11-15"#, status: 400))
        }
    }

    @Test func aValueOutsideItsEnumIsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("InstanceMarketOptions.MarketType", "spott")],
                            #"RunInstances: "InstanceMarketOptions.MarketType" = "spott" is not one of capacity-block, interruptible-capacity-reservation, spot"#)
        // An enum too long to list is named.
        await expectRefusal("RunInstances", [("ImageId", "ami-1ecae776"), ("InstanceType", "t2.mikro"), ("MinCount", "1"), ("MaxCount", "1")],
                            #"RunInstances: "InstanceType" = "t2.mikro" is not one of the 1212 InstanceType values"#)
    }

    @Test func aBooleanOtherThanTrueOrFalseIsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("BlockDeviceMapping.1.DeviceName", "/dev/sdb"), ("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "True")],
                            #"RunInstances: "BlockDeviceMapping.1.Ebs.DeleteOnTermination" = "True" is not true or false"#)
    }

    @Test func anIntegerThatIsNotOneIsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("BlockDeviceMapping.1.DeviceName", "/dev/sdb"), ("BlockDeviceMapping.1.Ebs.VolumeSize", "8.5")],
                            #"RunInstances: "BlockDeviceMapping.1.Ebs.VolumeSize" = "8.5" is not an integer"#)
    }

    @Test func anIntegerOutOfRangeIsRefused() async {
        // The shape's own range.
        await expectRefusal("DescribeVpcs", [("MaxResults", "1001")], #"DescribeVpcs: "MaxResults" = "1001" is not within 5..1000"#)
        // An integer's: 32 bits.
        await expectRefusal("RunInstances", [("ImageId", "ami-1ecae776"), ("MinCount", "1"), ("MaxCount", "2147483648")],
                            #"RunInstances: "MaxCount" = "2147483648" is not within -2147483648..2147483647"#)
    }

    @Test func aNumberThatIsNotOneIsRefused() async {
        await expectRefusal("PurchaseReservedInstancesOffering", [("InstanceCount", "1"), ("ReservedInstancesOfferingId", "r-1"), ("LimitPrice.Amount", "cheap")],
                            #"PurchaseReservedInstancesOffering: "LimitPrice.Amount" = "cheap" is not a number"#)
    }

    @Test func aBlobThatIsNotBase64IsRefusedWithoutShowingIt() async {
        await expectRefusal("ImportKeyPair", [("KeyName", "k"), ("PublicKeyMaterial", "ssh-rsa AAAA secret@host")],
                            #"ImportKeyPair: "PublicKeyMaterial" is not base64"#)
    }

    @Test func aTimestampThatIsNotISO8601IsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("InstanceMarketOptions.MarketType", "spot"), ("InstanceMarketOptions.SpotOptions.ValidUntil", "tomorrow")],
                            #"RunInstances: "InstanceMarketOptions.SpotOptions.ValidUntil" = "tomorrow" is not an ISO 8601 timestamp"#)
    }

    @Test func listIndexesStartAtOne() async {
        await expectRefusal("TerminateInstances", [("InstanceId.0", "i-1")], #"TerminateInstances: list "InstanceId" has indexes 0 (must be 1..1)"#)
    }

    @Test func listIndexesAreContiguous() async {
        await expectRefusal("DescribeInstances", [("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", "a"), ("Filter.1.Value.3", "c")],
                            #"DescribeInstances: list "Filter.1.Value" has indexes 1, 3 (must be 1..2)"#)
    }

    @Test func aStructureOrListIsNotAValue() async {
        await expectRefusal("RunInstances", Self.launch + [("Placement", "us-east-1a")], #"RunInstances: "Placement" is a structure, not a value"#)
        await expectRefusal("TerminateInstances", [("InstanceId", "i-1")], #"TerminateInstances: "InstanceId" is a list, not a value"#)
    }

    @Test func aKeySentTwiceIsRefused() async {
        await expectRefusal("RunInstances", Self.launch + [("ImageId", "ami-2")], #"RunInstances: "ImageId" is sent 2 times"#)
    }

    @Test func aMissingRequiredMemberIsRefused() async {
        await expectRefusal("TerminateInstances", [], #"TerminateInstances: missing required "InstanceId""#)
        // In a structure the request sends.
        await expectRefusal("RunInstances", Self.launch + [("ElasticInferenceAccelerator.1.Count", "1")],
                            #"RunInstances: missing required "ElasticInferenceAccelerator.1.Type""#)
    }

    @Test func everyViolationIsNamedAndLogged() async throws {
        let before = logLines().count
        await expectRefusal("RunInstances", [("ImageId", "ami-1ecae776"), ("MinCount", "1"), ("Monitoring.Enabled", "yes"), ("Color", "blue")],
                            #"RunInstances: "Monitoring.Enabled" = "yes" is not true or false; RunInstances: unknown parameter "Color"; RunInstances: missing required "MaxCount""#)
        let lines = logLines()
        #expect(lines.count == before + 1)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any])
        #expect(entry["action"] as? String == "RunInstances")
        #expect(entry["violations"] as? [String] == [#"RunInstances: "Monitoring.Enabled" = "yes" is not true or false"#,
                                                    #"RunInstances: unknown parameter "Color""#, #"RunInstances: missing required "MaxCount""#])
    }

    /// Only EC2 is checked: another service's form POST and S3 pass untouched and are not recorded.
    @Test func otherRequestsPassUntouched() async throws {
        let before = try await wire().count
        let form = HTTPRequest(method: "POST", url: moto.endpoint + "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                               body: Array("Action=GetCallerIdentity&Version=2011-06-15&Bogus.1=x".utf8))
        let response = try await CurlTransport().send(form)
        #expect(!String(decoding: response.body, as: UTF8.self).contains("TfyWireContractViolation"))
        let s3 = S3Client(credentials: testCredentials, region: "us-east-1", endpoint: moto.endpoint,
                          retry: RetryPolicy(maxAttempts: 1, random: { 0 }, sleep: { _ in }))
        try await awsCLI(moto.endpoint, ["s3api", "create-bucket", "--bucket", "tfy-contract"])
        _ = try await s3.put(bucket: "tfy-contract", key: "a", body: Array("x".utf8))
        #expect(try await s3.get(bucket: "tfy-contract", key: "a")?.body == Array("x".utf8))
        #expect(try await wire().count == before)
    }

    /// No false alarms anywhere in the model: a sample input for every EC2 operation, serialised by
    /// botocore's own EC2Serializer, has no violation.
    @Test func botocoreSerialisedRequestsOfEveryOperationPass() async throws {
        let output = try await runProgram("python3", [helperScripts + "/ec2_contract.py", "--self-check"])
        #expect(String(decoding: output, as: UTF8.self).hasSuffix(" operations, 0 with violations\n"))
    }

    // MARK: What tfy sends passes

    /// Every operation of the typed client, each with every field it can send, passes the contract
    /// (moto answers it); RunInstances sends exactly the expected keys.
    @Test func everyTypedOperationPasses() async throws {
        let logged = logLines().count
        let vpc = try #require(try await ec2.describeVpcs().first { $0.isDefault })
        _ = try await ec2.describeVpcs(ids: [vpc.vpcId], filters: [EC2Filter("is-default", ["true"])])
        let subnets = try await ec2.describeSubnets(filters: [EC2Filter("vpc-id", [vpc.vpcId]), EC2Filter("availability-zone", ["us-east-1a"])])
        let subnet = try #require(subnets.first)
        _ = try await ec2.describeSubnets(ids: [subnet.subnetId])
        _ = try await ec2.describeAvailabilityZones(names: ["us-east-1a", "us-east-1b"])
        let image = try #require(try await ec2.describeImages().first)
        _ = try await ec2.describeImages(ids: [image.imageId])
        _ = try await ec2.describeImages(owners: ["self"])
        _ = try await ec2.describeImages(owners: ["self", "amazon"], filters: [EC2Filter("name", ["ubuntu-*"]), EC2Filter("tag:os", ["ubuntu"])], executableUsers: ["self"])
        _ = try await ec2.describeAvailabilityZones(filters: [EC2Filter("state", ["available"])])

        let group = try await ec2.createSecurityGroup(name: "contract", description: "Contract", vpcId: vpc.vpcId, tags: ["tfy:stack": "c"])
        let peer = try await ec2.createSecurityGroup(name: "peer", description: "Peer", vpcId: vpc.vpcId)
        let rule = EC2IpPermission(ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["198.51.100.0/24", "203.0.113.0/24"],
                                   ipv6CidrBlocks: ["2001:db8::/32"], groupIds: [peer], description: "ssh")
        try await ec2.authorizeSecurityGroupIngress(groupId: group, permissions: [rule, EC2IpPermission(ipProtocol: "-1", fromPort: nil, toPort: nil, groupIds: [group])])
        try await ec2.revokeSecurityGroupIngress(groupId: group, permissions: [rule])
        let egress = EC2IpPermission(ipProtocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["0.0.0.0/0"], description: "dns")
        try await ec2.authorizeSecurityGroupEgress(groupId: group, permissions: [egress])
        try await ec2.revokeSecurityGroupEgress(groupId: group, permissions: [egress])
        _ = try await ec2.describeSecurityGroups(ids: [group], names: [], filters: [EC2Filter("vpc-id", [vpc.vpcId])])
        _ = try await ec2.describeSecurityGroups(names: ["contract"])

        let directory = NSTemporaryDirectory() + "tfy-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await runProgram("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", directory + "/id"])
        let key = try await ec2.importKeyPair(name: "contract", publicKey: try String(contentsOfFile: directory + "/id.pub", encoding: .utf8),
                                              tags: ["tfy:stack": "c"])
        _ = try await ec2.describeKeyPairs(names: ["contract"])
        _ = try await ec2.describeKeyPairs(names: ["contract"], ids: [key.keyPairId ?? ""], filters: [EC2Filter("key-name", ["contract"])])

        let address = subnet.cidrBlock.map { $0.split(separator: ".").prefix(3).joined(separator: ".") + ".10" } ?? "172.31.0.10"
        var request = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t3.micro")
        request.clientToken = "tfy-contract-1"
        request.keyName = key.keyName
        request.securityGroupIds = [group, peer]
        request.subnetId = subnet.subnetId
        request.privateIpAddress = address
        request.availabilityZone = "us-east-1a"
        request.userData = "#!/bin/sh\necho ok\n"
        request.tags = ["Name": "master", "tfy:stack": "c"]
        request.blockDevices = [.init(deviceName: "/dev/sdb", volumeSize: 100, volumeType: "gp3", deleteOnTermination: true, encrypted: true)]
        request.spotMaxPrice = "0.05"
        let received = try await wire().count
        let launched = try await ec2.runInstances(request)
        let ids = launched.map(\.instanceId)
        #expect(ids.count == 1)
        let launches = try await wire().dropFirst(received).filter { $0.first == ["Action", "RunInstances"] }
        #expect(launches == [[
            ["Action", "RunInstances"], ["Version", "2016-11-15"], ["ImageId", "ami-1ecae776"], ["InstanceType", "t3.micro"],
            ["MinCount", "1"], ["MaxCount", "1"], ["ClientToken", "tfy-contract-1"], ["KeyName", "contract"],
            ["SecurityGroupId.1", group], ["SecurityGroupId.2", peer], ["SubnetId", subnet.subnetId], ["PrivateIpAddress", address],
            ["Placement.AvailabilityZone", "us-east-1a"], ["UserData", Data("#!/bin/sh\necho ok\n".utf8).base64EncodedString()],
            ["BlockDeviceMapping.1.DeviceName", "/dev/sdb"], ["BlockDeviceMapping.1.Ebs.VolumeSize", "100"],
            ["BlockDeviceMapping.1.Ebs.VolumeType", "gp3"], ["BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true"],
            ["BlockDeviceMapping.1.Ebs.Encrypted", "true"], ["InstanceMarketOptions.MarketType", "spot"],
            ["InstanceMarketOptions.SpotOptions.MaxPrice", "0.05"], ["TagSpecification.1.ResourceType", "instance"],
            ["TagSpecification.1.Tag.1.Key", "Name"], ["TagSpecification.1.Tag.1.Value", "master"],
            ["TagSpecification.1.Tag.2.Key", "tfy:stack"], ["TagSpecification.1.Tag.2.Value", "c"],
        ]])

        // An instance store device: the contract lets it through, and moto (whose own check wants
        // an Ebs in every mapping, as AWS does not) launches it as EC2 does, with no volume for it.
        var ephemeral = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t3.micro")
        ephemeral.blockDevices = [.init(deviceName: "/dev/sdc", virtualName: "ephemeral0")]
        let instanceStore = try #require(try await ec2.runInstances(ephemeral).first)
        #expect(instanceStore.blockDevices["/dev/sdc"] == nil)
        #expect(try await wire().last == [["Action", "RunInstances"], ["Version", "2016-11-15"], ["ImageId", "ami-1ecae776"], ["InstanceType", "t3.micro"],
                                          ["MinCount", "1"], ["MaxCount", "1"], ["BlockDeviceMapping.1.DeviceName", "/dev/sdc"],
                                          ["BlockDeviceMapping.1.VirtualName", "ephemeral0"]])

        _ = try await ec2.describeInstancesPage(ids: ids, filters: [EC2Filter("instance-state-name", ["pending", "running"])])
        let page = try await ec2.describeInstancesPage(maxResults: 5)
        if let token = page.nextToken { _ = try await ec2.describeInstancesPage(maxResults: 5, nextToken: token) }
        _ = try await ec2.describeInstances(filters: [EC2Filter("tag:tfy:stack", ["c"])], pageSize: 5)
        #expect(try await ec2.describeInstances(ids: ids).map(\.instanceId) == ids)
        _ = try await ec2.describeInstanceAttribute(id: ids[0], attribute: "userData")
        _ = try await ec2.stopInstances(ids: ids)
        try await ec2.modifyInstanceAttribute(id: ids[0], .instanceType("t3.small"))
        try await ec2.modifyInstanceAttribute(id: ids[0], .securityGroups([group]))
        do {
            try await ec2.modifyInstanceAttribute(id: ids[0], .userData("#!/bin/sh\necho changed\n"))
        } catch {
            // moto refuses every user data change (see EC2ClientTests); the contract let it through.
            #expect(error.code == "InvalidUserData.Malformed")
        }
        _ = try await ec2.startInstances(ids: ids)
        try await ec2.createTags(resources: ids + [group], tags: ["Role": "master", "Team": "t"])
        try await ec2.deleteTags(resources: ids, keys: ["Role", "Team"])
        _ = try await ec2.terminateInstances(ids: ids)
        try await ec2.deleteKeyPair(name: "contract")
        try await ec2.deleteSecurityGroup(id: try await ec2.createSecurityGroup(name: "scratch", description: "Scratch"))
        #expect(logLines().count == logged)
    }
}
