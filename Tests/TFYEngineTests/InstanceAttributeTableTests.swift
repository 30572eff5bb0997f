import Foundation
import Testing
import TFYCore
import TFYEngine
import TFYTestSupport

/// docs/configuration.md lists every aws_instance attribute with how a change of it is applied;
/// the schema decides it, and this keeps the two the same. And a table of the wire keys each
/// configured attribute must produce is checked against what an apply sends.
@Suite(.timeLimit(.minutes(30)))
struct InstanceAttributeTableTests {
    /// The rows of the documented table: attribute → (presence letter, change).
    static func documentedRows() throws -> [String: (presence: String, change: String)] {
        let text = try String(contentsOfFile: repositoryRoot + "/docs/configuration.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "**`aws_instance`**").dropFirst().first?.components(separatedBy: "**`aws_key_pair`**").first)
        var rows: [String: (String, String)] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(rows[name] == nil, "\(name) is listed twice")
            rows[name] = (cells[1], cells[2])
        }
        return rows
    }

    @Test func theDocumentedTableIsTheSchemas() throws {
        let type = try #require(ResourceRegistry.standard[InstanceSchemaName.instance])
        let attributes = type.schema.body.attributes.filter { $0.value.isSettable }
        let rows = try Self.documentedRows()
        #expect(Set(rows.keys) == Set(attributes.keys), "documented but not in the schema: \(Set(rows.keys).subtracting(attributes.keys).sorted()); in the schema but not documented: \(Set(attributes.keys).subtracting(rows.keys).sorted())")
        for (name, attribute) in attributes {
            guard let row = rows[name] else { continue }
            let change = type.forcesReplacement(name, planned: [:]) ? "replace" : type.updateStopsObject(name, planned: [:]) ? "stop-start" : "in place"
            #expect(row.change == change, "\(name): documented \(row.change), the schema says \(change)")
            #expect(row.presence == (attribute.presence == .required ? "R" : "O"), "\(name)")
        }
    }

    /// Which wire keys each configured attribute puts on RunInstances (or the call right after
    /// it). Every settable attribute is here: a new one must say what it sends, or why nothing.
    static let wireKeys: [String: [String]] = [
        "ami": ["ImageId"],
        "instance_type": ["InstanceType"],
        "availability_zone": ["Placement.AvailabilityZone"],
        "subnet_id": ["NetworkInterface.1.SubnetId"],
        "key_name": ["KeyName"],
        "private_ip": ["NetworkInterface.1.PrivateIpAddress"],
        "associate_public_ip_address": ["NetworkInterface.1.AssociatePublicIpAddress", "NetworkInterface.1.DeviceIndex"],
        "vpc_security_group_ids": ["NetworkInterface.1.SecurityGroupId.1"],
        "placement_group": ["Placement.GroupName"],
        "tenancy": ["Placement.Tenancy"],
        "cpu_options": ["CpuOptions.CoreCount", "CpuOptions.ThreadsPerCore"],
        "user_data": ["UserData"],
        "user_data_replace_on_change": [],
        "root_block_device": ["BlockDeviceMapping.1.DeviceName", "BlockDeviceMapping.1.Ebs.VolumeSize", "BlockDeviceMapping.1.Ebs.VolumeType",
                              "BlockDeviceMapping.1.Ebs.Iops", "BlockDeviceMapping.1.Ebs.Throughput", "BlockDeviceMapping.1.Ebs.Encrypted",
                              "BlockDeviceMapping.1.Ebs.KmsKeyId", "BlockDeviceMapping.1.Ebs.DeleteOnTermination"],
        "ebs_block_device": ["BlockDeviceMapping.2.DeviceName", "BlockDeviceMapping.2.Ebs.SnapshotId", "BlockDeviceMapping.2.Ebs.VolumeSize"],
        "ephemeral_block_device": ["BlockDeviceMapping.3.DeviceName", "BlockDeviceMapping.3.VirtualName", "BlockDeviceMapping.4.NoDevice"],
        "instance_market_options": ["InstanceMarketOptions.MarketType", "InstanceMarketOptions.SpotOptions.MaxPrice",
                                    "InstanceMarketOptions.SpotOptions.SpotInstanceType", "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"],
        "monitoring": ["Monitoring.Enabled"],
        "iam_instance_profile": ["IamInstanceProfile.Name"],
        "ebs_optimized": ["EbsOptimized"],
        "metadata_options": ["MetadataOptions.HttpTokens", "MetadataOptions.HttpEndpoint", "MetadataOptions.HttpPutResponseHopLimit"],
        "credit_specification": ["CreditSpecification.CpuCredits"],
        "disable_api_termination": ["DisableApiTermination"],
        "instance_initiated_shutdown_behavior": ["InstanceInitiatedShutdownBehavior"],
        "source_dest_check": ["SourceDestCheck.Value"],
        "tags": ["TagSpecification.1.Tag.1.Key"],
        "volume_tags": ["TagSpecification.2.ResourceType", "TagSpecification.2.Tag.1.Key"],
    ]

    @Test func everySettableAttributeHasItsWireKeys() throws {
        let type = try #require(ResourceRegistry.standard[InstanceSchemaName.instance])
        let settable = Set(type.schema.body.attributes.filter { $0.value.isSettable }.keys)
        #expect(Set(Self.wireKeys.keys) == settable, "missing: \(settable.subtracting(Self.wireKeys.keys).sorted()); not settable: \(Set(Self.wireKeys.keys).subtracting(settable).sorted())")
    }

    @Test func everyConfiguredAttributeAppearsOnTheWire() async throws {
        let world = try await World()
        let (ami, _, snapshot) = try await InstanceWireTests.image(world)
        let subnet = try await InstanceWireTests.defaultSubnet(world)
        _ = try await awsCLI(world.motoEndpoint, ["iam", "create-instance-profile", "--instance-profile-name", "web"], accessKey: "AKIDTEST", secret: "x")
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                web: {name: "${var.stack_tag}-web", description: web}
              aws_instance:
                box:
                  ami: \(ami)
                  instance_type: t3.micro
                  availability_zone: us-east-1a
                  subnet_id: \(subnet)
                  key_name: none
                  private_ip: 172.31.0.30
                  associate_public_ip_address: true
                  vpc_security_group_ids: ["${aws_security_group.web.id}"]
                  placement_group: pg
                  tenancy: default
                  cpu_options: {core_count: 1, threads_per_core: 2}
                  user_data: "#!/bin/sh\\n"
                  user_data_replace_on_change: true
                  root_block_device: {volume_size: 20, volume_type: gp3, iops: 3000, throughput: 125, encrypted: true, kms_key_id: alias/root, delete_on_termination: true}
                  ebs_block_device: [{device_name: /dev/sdb, snapshot_id: \(snapshot), volume_size: 30}]
                  ephemeral_block_device: [{device_name: /dev/sdc, virtual_name: ephemeral0}, {device_name: /dev/sdd, no_device: true}]
                  instance_market_options: {spot_options: {max_price: "0.05", spot_instance_type: one-time, instance_interruption_behavior: terminate}}
                  monitoring: true
                  iam_instance_profile: web
                  ebs_optimized: true
                  metadata_options: {http_tokens: required, http_endpoint: enabled, http_put_response_hop_limit: 2}
                  credit_specification: {cpu_credits: standard}
                  disable_api_termination: false
                  instance_initiated_shutdown_behavior: terminate
                  source_dest_check: false
                  tags: {Name: box}
                  volume_tags: {Backup: daily}
            """)
        _ = try await awsCLI(world.motoEndpoint, ["ec2", "import-key-pair", "--key-name", "none", "--public-key-material",
                                                  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJl2X5bL0Qf2k8T0mEhnoEOv6hEnq6e3NfAVTuCYJtK test"],
                             accessKey: "AKIDTEST", secret: "x")
        let proxy = try await InstanceWireTests.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let sent = try await proxyRequests(proxy).filter { $0.action == "RunInstances" || $0.action == "ModifyInstanceAttribute" }
        let keys = Set(sent.flatMap(\.params.keys))
        for (attribute, wire) in Self.wireKeys.sorted(by: { $0.key < $1.key }) {
            let missing = wire.filter { !keys.contains($0) }
            #expect(missing.isEmpty, "\(attribute) was configured but \(missing) never reached EC2")
        }
    }
}

enum InstanceSchemaName {
    static let instance = "aws_instance"
}
