import Foundation
import Testing
@testable import TFYAWS
import TFYTestSupport

/// Every EC2 operation tfy uses, against moto on 127.0.0.1, cross-checked with the AWS CLI.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct EC2ClientTests {
    static let server = MotoServer.Shared()
    let moto: MotoServer
    let ec2: EC2Client

    init() async throws {
        moto = try await Self.server.get()
        try await moto.reset()
        ec2 = client(endpoint: moto.endpoint)
    }

    @Test func networkZonesAndImages() async throws {
        let vpcs = try await ec2.describeVpcs()
        let defaultVPC = try #require(vpcs.first { $0.isDefault })
        let cliVPCs = try await awsCLI(moto.endpoint, ["ec2", "describe-vpcs"])["Vpcs"] as? [[String: Any]] ?? []
        #expect(Set(vpcs.map(\.vpcId)) == Set(cliVPCs.compactMap { $0["VpcId"] as? String }))
        let subnets = try await ec2.describeSubnets(filters: [EC2Filter("vpc-id", [defaultVPC.vpcId])])
        #expect(!subnets.isEmpty)
        #expect(subnets.allSatisfy { $0.vpcId == defaultVPC.vpcId })
        let zones = try await ec2.describeAvailabilityZones()
        #expect(zones.map(\.zoneName).contains("us-east-1a"))
        #expect(!zones.isEmpty)
        #expect(zones.allSatisfy { $0.state == "available" })
        let images = try await ec2.describeImages()
        let cliImages = try await awsCLI(moto.endpoint, ["ec2", "describe-images"])["Images"] as? [[String: Any]] ?? []
        #expect(images.count == cliImages.count)
        #expect(!images.isEmpty)
    }

    @Test func securityGroupLifecycle() async throws {
        let id = try await ec2.createSecurityGroup(name: "tachyon-test", description: "Tachyon cluster", tags: ["tfy:stack": "s1"])
        #expect(id.hasPrefix("sg-"))
        let rule = EC2IpPermission(ipProtocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["198.51.100.0/24"])
        try await ec2.authorizeSecurityGroupIngress(groupId: id, permissions: [rule, EC2IpPermission(ipProtocol: "udp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"])])
        var group = try #require(try await ec2.describeSecurityGroups(ids: [id]).first)
        #expect(group.groupName == "tachyon-test")
        #expect(group.description == "Tachyon cluster")
        #expect(group.tags == ["tfy:stack": "s1"])
        #expect(group.ingress.sorted { $0.ipProtocol < $1.ipProtocol } == [rule, EC2IpPermission(ipProtocol: "udp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"])])
        #expect(group.egress.map(\.ipProtocol) == ["-1"])

        let cli = try await awsCLI(moto.endpoint, ["ec2", "describe-security-groups", "--group-ids", id])["SecurityGroups"] as? [[String: Any]] ?? []
        let cliRules = (cli.first?["IpPermissions"] as? [[String: Any]] ?? []).compactMap { $0["IpProtocol"] as? String }.sorted()
        #expect(cliRules == ["tcp", "udp"])

        try await ec2.revokeSecurityGroupIngress(groupId: id, permissions: [rule])
        try await ec2.revokeSecurityGroupEgress(groupId: id, permissions: group.egress)
        try await ec2.authorizeSecurityGroupEgress(groupId: id, permissions: [EC2IpPermission(ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"])])
        group = try #require(try await ec2.describeSecurityGroups(ids: [id]).first)
        #expect(group.ingress.map(\.ipProtocol) == ["udp"])
        #expect(group.egress == [EC2IpPermission(ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"])])
        #expect(try await ec2.describeSecurityGroups(names: ["tachyon-test"]).map(\.groupId) == [id])

        try await ec2.deleteSecurityGroup(id: id)
        do {
            _ = try await ec2.describeSecurityGroups(ids: [id])
            Issue.record("the group still exists")
        } catch {
            #expect(error.code == "InvalidGroup.NotFound")
            #expect(error.attempts == 1)
        }
    }

    @Test func instanceLifecycle() async throws {
        let group = try await ec2.createSecurityGroup(name: "cluster", description: "c")
        var request = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t2.small")
        request.count = 2
        request.clientToken = "tfy-test-token-1"
        request.keyName = "aws-east"
        request.securityGroupIds = [group]
        request.availabilityZone = "us-east-1a"
        request.userData = "#!/bin/sh\necho ok\n"
        request.tags = ["Name": "my-TachyonMaster", "tfy:stack": "s2", "tfy:address": "aws_instance.master"]
        request.blockDevices = [.init(deviceName: "/dev/sdb", volumeSize: 100, deleteOnTermination: true)]
        let launched = try await ec2.runInstances(request)
        #expect(launched.count == 2)
        let first = launched[0]
        #expect(first.instanceId.hasPrefix("i-"))
        #expect(first.imageId == "ami-1ecae776")
        #expect(first.instanceType == "t2.small")
        #expect(first.keyName == "aws-east")
        #expect(first.availabilityZone == "us-east-1a")
        #expect(first.securityGroupIds == [group])
        #expect(first.tags == request.tags)
        #expect(first.clientToken == "tfy-test-token-1")

        let ids = launched.map(\.instanceId)
        let described = try await ec2.describeInstances(ids: ids)
        #expect(Set(described.map(\.instanceId)) == Set(ids))
        #expect(described.allSatisfy { $0.state == "running" && $0.privateIpAddress != nil && $0.publicIpAddress != nil })
        let cli = try await awsCLI(moto.endpoint, ["ec2", "describe-instances", "--instance-ids"] + ids)
        let cliInstances = (cli["Reservations"] as? [[String: Any]] ?? []).flatMap { $0["Instances"] as? [[String: Any]] ?? [] }
        #expect(Set(cliInstances.compactMap { $0["InstanceId"] as? String }) == Set(ids))
        let cliTags = (cliInstances.first?["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
        #expect(cliTags == request.tags)

        #expect(try await ec2.describeInstanceAttribute(id: ids[0], attribute: "userData") == "#!/bin/sh\necho ok\n")
        #expect(try await ec2.stopInstances(ids: [ids[0]]).map(\.currentState) == ["stopping"])
        try await ec2.modifyInstanceAttribute(id: ids[0], .instanceType("t2.large"))
        #expect(try await ec2.describeInstanceAttribute(id: ids[0], attribute: "instanceType") == "t2.large")
        // moto rejects every ModifyInstanceAttribute of user data, the AWS CLI's too
        // (InvalidUserData.Malformed); RetryTests checks what tfy sends instead.
        #expect(try await ec2.startInstances(ids: [ids[0]]).map(\.currentState) == ["pending"])

        try await ec2.createTags(resources: ids, tags: ["Role": "master"])
        try await ec2.deleteTags(resources: ids, keys: ["tfy:address"])
        let retagged = try await ec2.describeInstances(ids: ids)
        #expect(retagged.count == ids.count)
        #expect(retagged.allSatisfy { $0.tags == ["Name": "my-TachyonMaster", "tfy:stack": "s2", "Role": "master"] })

        let changes = try await ec2.terminateInstances(ids: ids)
        #expect(Set(changes.map(\.instanceId)) == Set(ids))
        #expect(changes.allSatisfy { $0.currentState == "shutting-down" || $0.currentState == "terminated" })
        let after = try await awsCLI(moto.endpoint, ["ec2", "describe-instances", "--instance-ids"] + ids)
        let states = (after["Reservations"] as? [[String: Any]] ?? []).flatMap { $0["Instances"] as? [[String: Any]] ?? [] }
            .compactMap { ($0["State"] as? [String: Any])?["Name"] as? String }
        #expect(states.count == ids.count)
        #expect(states.allSatisfy { $0 == "terminated" || $0 == "shutting-down" })
    }

    @Test func keyPairs() async throws {
        let directory = NSTemporaryDirectory() + "tfy-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await runProgram("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", directory + "/id"])
        let publicKey = try String(contentsOfFile: directory + "/id.pub", encoding: .utf8)
        let imported = try await ec2.importKeyPair(name: "tfy-test", publicKey: publicKey)
        #expect(imported.keyName == "tfy-test")
        #expect(imported.fingerprint?.isEmpty == false)
        let listed = try await ec2.describeKeyPairs(names: ["tfy-test"])
        #expect(listed.map(\.keyName) == ["tfy-test"])
        #expect(listed.first?.fingerprint == imported.fingerprint)
        let cli = try await awsCLI(moto.endpoint, ["ec2", "describe-key-pairs"])["KeyPairs"] as? [[String: Any]] ?? []
        #expect(cli.compactMap { $0["KeyName"] as? String } == ["tfy-test"])
        try await ec2.deleteKeyPair(name: "tfy-test")
        #expect(try await ec2.describeKeyPairs().isEmpty)
    }

    @Test func paginationFollowsNextTokenAcrossPages() async throws {
        for i in 0..<12 {
            var request = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t2.micro")
            request.tags = ["n": String(i)]
            _ = try await ec2.runInstances(request)
        }
        let statistics = CallStatistics()
        let counted = client(endpoint: moto.endpoint, statistics: statistics)
        let all = try await counted.describeInstances(pageSize: 5)
        #expect(all.count == 12)
        #expect(Set(all.compactMap { $0.tags["n"] }) == Set((0..<12).map(String.init)))
        #expect(statistics.snapshot["DescribeInstances"]?.calls == 3)
    }

    @Test func twentyFiveHundredInstancesAreDescribedInThreeCalls() async throws {
        var request = RunInstancesRequest(imageId: "ami-1ecae776", instanceType: "t2.micro")
        request.count = 2500
        // moto needs minutes for 2500 instances on a loaded machine: one attempt, without the
        // 60 s request time limit (a retry would launch another 2500: moto ignores ClientToken).
        var patient = CurlTransport.Settings()
        patient.totalTimeout = 600
        let launcher = client(endpoint: moto.endpoint, maxAttempts: 1, transport: CurlTransport(settings: patient))
        let ids = try await launcher.runInstances(request).map(\.instanceId)
        #expect(ids.count == 2500)
        let statistics = CallStatistics()
        let described = try await client(endpoint: moto.endpoint, statistics: statistics).describeInstances(ids: ids + ["i-0000000000gone00"])
        #expect(Set(described.map(\.instanceId)) == Set(ids))
        #expect(statistics.snapshot["DescribeInstances"]?.calls == 3)
    }

    @Test func serviceErrorsAreTypedAndNotRetried() async throws {
        let statistics = CallStatistics()
        do {
            _ = try await client(endpoint: moto.endpoint, statistics: statistics).call("DescribeInstances", [("InstanceId.1", "i-nope")])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "InvalidInstanceID.Malformed" || error.code == "InvalidInstanceID.NotFound")
            #expect(error.status == 400)
            #expect(error.attempts == 1)
        }
        #expect(statistics.snapshot["DescribeInstances"]?.attempts == 1)
    }

    @Test func sequentialCallsReuseOneConnection() async throws {
        let transport = CurlTransport()
        let c = client(endpoint: moto.endpoint, transport: transport)
        for _ in 0..<50 { _ = try await c.describeInstancesPage() }
        #expect(transport.requestsSent == 50)
        #expect(transport.connectionsOpened == 1)
    }

    @Test func concurrentCallsFromSeveralTasks() async throws {
        let transport = CurlTransport()
        let c = client(endpoint: moto.endpoint, transport: transport)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await c.describeAvailabilityZones().count } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts.count == 8)
        #expect(Set(counts).count == 1)
        #expect(transport.connectionsOpened <= 8)
    }

    /// Parallel operations really are parallel on the wire: every request in flight at once,
    /// however few cores the machine has.
    @Test func concurrentCallsAreInFlightTogether() async throws {
        // Each request is held until all 12 are in flight: concurrency shown by an event, not by
        // 12 requests happening to overlap within a latency window.
        let proxy = try await FaultProxy(targetPort: moto.helper.port, holdUntilInFlight: 12)
        let c = client(endpoint: proxy.endpoint, transport: CurlTransport())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await c.describeAvailabilityZones() } }
            try await group.waitForAll()
        }
        let stats = try await proxy.stats()
        #expect(stats["requests"] == 12)
        #expect(stats["max_in_flight"] == 12)
    }
}
