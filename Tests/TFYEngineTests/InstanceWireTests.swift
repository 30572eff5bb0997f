import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// What aws_instance sends to EC2 for each configured attribute, checked on the wire (the fault
/// proxy's request log: moto ignores much of what it does not model) and read back into state.
@Suite(.timeLimit(.minutes(30)))
struct InstanceWireTests {
    /// An image moto lists, with its root device name and snapshot.
    static func image(_ world: World) async throws -> (id: String, root: String, snapshot: String) {
        let json = try await world.cli(["ec2", "describe-images", "--owners", "amazon"])
        let images = try #require(json["Images"] as? [[String: Any]])
        let image = try #require(images.first { ($0["RootDeviceName"] as? String) == "/dev/sda1" && $0["BlockDeviceMappings"] != nil })
        let mappings = try #require(image["BlockDeviceMappings"] as? [[String: Any]])
        let snapshot = try #require((mappings.first?["Ebs"] as? [String: Any])?["SnapshotId"] as? String)
        return (try #require(image["ImageId"] as? String), "/dev/sda1", snapshot)
    }

    /// The first subnet moto lists (its default VPC's).
    static func defaultSubnet(_ world: World) async throws -> String {
        try #require(((try await world.cli(["ec2", "describe-subnets"])["Subnets"] as? [[String: Any]])?.first?["SubnetId"]) as? String)
    }

    static func proxied(_ world: World) async throws -> Helper {
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        world.endpoint = "http://127.0.0.1:\(proxy.port)"
        return proxy
    }

    /// The parameters of `request` whose names start with `prefix`.
    static func parameters(_ request: ProxiedRequest, _ prefix: String) -> [String: String] {
        request.params.filter { $0.key.hasPrefix(prefix) }
    }

    @Test func blockDevicesReachEC2WithEveryFieldAndAreReadBack() async throws {
        let world = try await World()
        let image = try await Self.image(world)
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  count: 3
                  ami: \(image.id)
                  instance_type: t2.small
                  root_block_device: {volume_size: 20, volume_type: gp3, encrypted: true, delete_on_termination: false}
                  ebs_block_device:
                    - {device_name: /dev/sdb, volume_size: 5}
                    - {device_name: /dev/sdc, snapshot_id: \(image.snapshot), volume_size: 30, volume_type: gp2, encrypted: true, kms_key_id: alias/data}
                  ephemeral_block_device:
                    - {device_name: /dev/sdd, no_device: true}
            """)
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        // Fields left to AWS are known after apply, never "unknown at apply".
        #expect(plan.out.contains("""
                  + root_block_device           = {
                      + delete_on_termination = false
                      + device_name           = (known after apply)
                      + encrypted             = true
                      + iops                  = (known after apply)
                      + kms_key_id            = (known after apply)
                      + throughput            = (known after apply)
                      + volume_id             = (known after apply)
                      + volume_size           = 20
                      + volume_type           = "gp3"
                    }
            """), "\(plan.out)")
        let proxy = try await Self.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")

        let sent = try await proxyRequests(proxy)
        // One DescribeImages for the one AMI of three launches: the root device name is shared.
        #expect(sent.filter { $0.action == "DescribeImages" }.map(\.params) == [["Action": "DescribeImages", "Version": "2016-11-15", "ImageId.1": image.id]])
        let launches = sent.filter { $0.action == "RunInstances" }
        #expect(launches.count == 3)
        for launch in launches {
            #expect(Self.parameters(launch, "BlockDeviceMapping.") == [
                "BlockDeviceMapping.1.DeviceName": image.root,
                "BlockDeviceMapping.1.Ebs.VolumeSize": "20", "BlockDeviceMapping.1.Ebs.VolumeType": "gp3",
                "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "false", "BlockDeviceMapping.1.Ebs.Encrypted": "true",
                "BlockDeviceMapping.2.DeviceName": "/dev/sdb", "BlockDeviceMapping.2.Ebs.VolumeSize": "5",
                "BlockDeviceMapping.2.Ebs.DeleteOnTermination": "true",
                "BlockDeviceMapping.3.DeviceName": "/dev/sdc", "BlockDeviceMapping.3.Ebs.SnapshotId": image.snapshot,
                "BlockDeviceMapping.3.Ebs.VolumeSize": "30", "BlockDeviceMapping.3.Ebs.VolumeType": "gp2",
                "BlockDeviceMapping.3.Ebs.DeleteOnTermination": "true", "BlockDeviceMapping.3.Ebs.Encrypted": "true",
                "BlockDeviceMapping.3.Ebs.KmsKeyId": "alias/data",
                "BlockDeviceMapping.4.DeviceName": "/dev/sdd", "BlockDeviceMapping.4.NoDevice": "",
            ], "\(launch.params)")
        }

        // Read back from DescribeVolumes: what AWS chose for the fields left out, and the IDs.
        let state = try world.state()
        let box = try #require(state.instance(ResourceAddress(type: "aws_instance", name: "box", index: 0)))
        let id = try #require(box.attributes["id"]?.stringValue)
        let volumes = try await world.cli(["ec2", "describe-volumes", "--filters", "Name=attachment.instance-id,Values=\(id)"])
        let byDevice = Dictionary(uniqueKeysWithValues: try #require(volumes["Volumes"] as? [[String: Any]]).map { volume in
            (((volume["Attachments"] as? [[String: Any]])?.first?["Device"] as? String) ?? "", volume["VolumeId"] as? String ?? "")
        })
        let root = try #require(box.attributes["root_block_device"]?.mapValue)
        #expect(root["device_name"] == .string(image.root))
        #expect(root["volume_id"] == .string(try #require(byDevice[image.root])))
        #expect(root["volume_size"] == .number(20))
        #expect(root["volume_type"] == .string("gp3"))
        #expect(root["encrypted"] == .bool(true))
        #expect(root["delete_on_termination"] == .bool(false))
        let ebs = try #require(box.attributes["ebs_block_device"]?.listValue).map { $0.mapValue ?? [:] }
        #expect(ebs.map { $0["volume_id"] } == [.string(try #require(byDevice["/dev/sdb"])), .string(try #require(byDevice["/dev/sdc"]))])
        // The partial entry, as the Tachyon guide writes it: AWS's default type is read back.
        #expect(ebs[0]["volume_type"] == .string("gp2"))
        #expect(ebs[0]["volume_size"] == .number(5))
        #expect(ebs[1]["snapshot_id"] == .string(image.snapshot))
        #expect(ebs[1]["volume_size"] == .number(30))
        #expect(ebs[1]["encrypted"] == .bool(true))
        #expect(byDevice["/dev/sdd"] == nil, "no_device leaves the device out")

        // And a refresh that reads the volumes finds nothing to change.
        let again = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }

    @Test func volumeIopsAndThroughputAreSent() async throws {
        // moto launches volumes without IOPS or throughput, so only the wire can show them.
        let world = try await World()
        let image = try await Self.image(world)
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  ami: \(image.id)
                  instance_type: t2.small
                  root_block_device: {volume_size: 50, volume_type: gp3, iops: 4000, throughput: 250}
            """)
        let proxy = try await Self.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let launch = try #require(try await proxyRequests(proxy).first { $0.action == "RunInstances" })
        #expect(Self.parameters(launch, "BlockDeviceMapping.") == [
            "BlockDeviceMapping.1.DeviceName": image.root, "BlockDeviceMapping.1.Ebs.VolumeSize": "50",
            "BlockDeviceMapping.1.Ebs.VolumeType": "gp3", "BlockDeviceMapping.1.Ebs.Iops": "4000",
            "BlockDeviceMapping.1.Ebs.Throughput": "250", "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "true",
        ])
    }

    @Test func aPublicIpChoiceGoesThroughTheFirstNetworkInterface() async throws {
        let world = try await World()
        let subnet = try await Self.defaultSubnet(world)
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
                  ami: ami-1ecae776
                  instance_type: t2.small
                  subnet_id: \(subnet)
                  private_ip: 172.31.0.20
                  associate_public_ip_address: true
                  vpc_security_group_ids: ["${aws_security_group.web.id}"]
            """)
        let proxy = try await Self.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let group = try #require(try world.state().instance(ResourceAddress(type: "aws_security_group", name: "web"))?.attributes["id"]?.stringValue)
        let launch = try #require(try await proxyRequests(proxy).first { $0.action == "RunInstances" })
        // Subnet, address and groups go with the interface; EC2 refuses them beside it.
        #expect(Self.parameters(launch, "NetworkInterface.") == [
            "NetworkInterface.1.DeviceIndex": "0", "NetworkInterface.1.AssociatePublicIpAddress": "true",
            "NetworkInterface.1.SubnetId": subnet, "NetworkInterface.1.PrivateIpAddress": "172.31.0.20",
            "NetworkInterface.1.SecurityGroupId.1": group,
        ], "\(launch.params)")
        #expect(launch.params.keys.filter { ["SubnetId", "PrivateIpAddress", "SecurityGroupId.1"].contains($0) }.isEmpty, "\(launch.params)")
        let box = try #require(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box")))
        let live = try await world.instance(try #require(box.attributes["id"]?.stringValue))
        #expect(box.attributes["associate_public_ip_address"] == .bool(true))
        #expect(box.attributes["public_ip"] == .string(try #require(live["PublicIpAddress"] as? String)))
        #expect(box.attributes["subnet_id"] == .string(subnet))
        #expect(box.attributes["private_ip"] == .string("172.31.0.20"))
    }

    @Test func spotOptionsAreSentInFull() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  ami: ami-1ecae776
                  instance_type: t2.small
                  instance_market_options:
                    spot_options: {spot_instance_type: persistent, instance_interruption_behavior: stop}
            """)
        let proxy = try await Self.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let launch = try #require(try await proxyRequests(proxy).first { $0.action == "RunInstances" })
        // No maximum price: the on-demand price caps it, as EC2 does when MaxPrice is absent.
        #expect(Self.parameters(launch, "InstanceMarketOptions.") == [
            "InstanceMarketOptions.MarketType": "spot",
            "InstanceMarketOptions.SpotOptions.SpotInstanceType": "persistent",
            "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior": "stop",
        ])
        let box = try #require(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box")))
        let live = try await world.instance(try #require(box.attributes["id"]?.stringValue))
        #expect(live["InstanceLifecycle"] as? String == "spot")
        #expect(box.attributes["instance_market_options"] == .map([
            "market_type": .string("spot"),
            "spot_options": .map(["spot_instance_type": .string("persistent"), "instance_interruption_behavior": .string("stop"),
                                  "max_price": .null, "valid_until": .null]),
        ]))
        let again = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }

    @Test func aOneTimeSpotInstanceIsReplacedRatherThanStopped() async throws {
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
                  instance_market_options: {spot_options: {max_price: "0.05"}}
            """)
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(first.status == 0, "\(first.out)\(first.err)")
        let old = try #require(try world.stateInstances()["aws_instance.box"])
        let plan = await world.tfy(["plan", "cluster", "-var", "type=t2.medium", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.box must be replaced\n"), "\(plan.out)")
        #expect(plan.out.contains("      ~ instance_type               = \"t2.small\" -> \"t2.medium\" # forces replacement\n"), "\(plan.out)")
        let proxy = try await Self.proxied(world)
        let replaced = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "type=t2.medium", "-no-color"])
        #expect(replaced.status == 0, "\(replaced.out)\(replaced.err)")
        let sent = try await proxyRequests(proxy)
        // EC2 refuses to stop a one-time Spot Instance: nothing is stopped, one is launched, the old one terminated.
        #expect(sent.filter { ["StopInstances", "ModifyInstanceAttribute", "StartInstances"].contains($0.action) }.isEmpty, "\(sent.map(\.action))")
        #expect(sent.filter { $0.action == "RunInstances" }.count == 1)
        #expect(sent.filter { $0.action == "TerminateInstances" }.map { $0.params["InstanceId.1"] } == [old])
    }

    @Test func anInstanceTypeChangeSendsTheTypeAloneAndThePlanSaysItStops() async throws {
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
                  user_data: "#!/bin/sh\\necho hello\\n"
            """)
        let first = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(first.status == 0, "\(first.out)\(first.err)")
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        let plan = await world.tfy(["plan", "cluster", "-var", "type=t2.medium", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.box will be updated in-place\n  # (stopped and started again to change instance_type)\n"), "\(plan.out)")
        let proxy = try await Self.proxied(world)
        let updated = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "type=t2.medium", "-no-color"])
        #expect(updated.status == 0, "\(updated.out)\(updated.err)")
        // The unchanged user data is not sent again.
        #expect(try await proxyRequests(proxy).filter { $0.action == "ModifyInstanceAttribute" }.map(\.params)
                == [["Action": "ModifyInstanceAttribute", "Version": "2016-11-15", "InstanceId": id, "InstanceType.Value": "t2.medium"]])
    }

    @Test func securityGroupIdsInAnyOrderAreOneSet() async throws {
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                a: {name: "${var.stack_tag}-a", description: a}
                b: {name: "${var.stack_tag}-b", description: b}
              aws_instance:
                ab:
                  ami: ami-1ecae776
                  instance_type: t2.small
                  vpc_security_group_ids: ["${aws_security_group.a.id}", "${aws_security_group.b.id}"]
                ba:
                  ami: ami-1ecae776
                  instance_type: t2.small
                  vpc_security_group_ids: ["${aws_security_group.b.id}", "${aws_security_group.a.id}"]
            """)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        // One of the two lists is out of EC2's order, whatever IDs moto chose: neither is a change.
        let again = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        let groups = try world.state().instances.filter { $0.address.type == "aws_instance" }.map { $0.instance.attributes["vpc_security_group_ids"] }
        #expect(Set(groups).count == 1)
    }

    @Test func destroyTerminatesManyInstancesInOneCall() async throws {
        try requireExecutable()
        let world = try await World()
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                node:
                  count: 12
                  ami: ami-1ecae776
                  instance_type: t2.small
            """)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        let ids = Set(try world.stateInstances().values)
        try #require(ids.count == 12)
        // The first termination is held until every deletion is recorded: all twelve are then
        // in that call or waiting, and the waiting ones must go out together in the next.
        let proxy = try await Self.proxied(world)
        try await setFaults(proxy, #"{"hold_actions": ["TerminateInstances"]}"#)
        let destroy = try world.spawn(["destroy", "cluster", "-auto-approve", "-no-color"], endpoint: world.endpoint)
        try await eventually("every instance is marked deleting and one termination is held", timeout: programTimeout) { () async throws -> Bool? in
            guard destroy.isRunning else { throw HelperError(description: "destroy exited (status \(destroy.terminationStatus)) early") }
            let marked = try? world.state().instances.filter { $0.instance.isMarked(StateInstance.Marker.deleting) }.count
            let held = try await proxyStats(proxy)["held"]
            return marked == 12 && held == 1 ? true : nil
        }
        try await setFaults(proxy, #"{"hold_actions": []}"#)
        try await waitForExit(destroy, name: "tfy destroy")
        #expect(destroy.terminationStatus == 0)
        let terminations = try await proxyRequests(proxy).filter { $0.action == "TerminateInstances" }
        // While the first call was held every other termination queued: at most one more call.
        #expect(terminations.count <= 2, "\(terminations.map(\.params))")
        let sent = terminations.flatMap { request in request.params.filter { $0.key.hasPrefix("InstanceId.") }.map(\.value) }
        #expect(sent.count == 12 && Set(sent) == ids, "\(terminations.map(\.params))")
        #expect(try await world.liveInstances().isEmpty)
    }

    @Test func everyInstanceSettingReachesEC2AndUpdatesInPlaceWithItsOwnCall() async throws {
        let world = try await World()
        // (moto implements no placement groups, and launches into one by name regardless.)
        for profile in ["p1", "p2"] {
            _ = try await awsCLI(world.motoEndpoint, ["iam", "create-instance-profile", "--instance-profile-name", profile], accessKey: "AKIDTEST", secret: "x")
        }
        try world.configure("""
            variable:
              stack_tag: {type: string}
              on: {type: bool, default: true}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                box:
                  ami: ami-1ecae776
                  instance_type: t3.micro
                  monitoring: "${var.on}"
                  iam_instance_profile: '${var.on ? "p1" : "p2"}'
                  ebs_optimized: "${var.on}"
                  metadata_options: {http_tokens: '${var.on ? "required" : "optional"}', http_put_response_hop_limit: 2}
                  volume_tags: {Backup: '${var.on ? "daily" : "weekly"}'}
                  placement_group: pg
                  tenancy: default
                  credit_specification: {cpu_credits: '${var.on ? "unlimited" : "standard"}'}
                  disable_api_termination: "${!var.on}"
                  instance_initiated_shutdown_behavior: '${var.on ? "terminate" : "stop"}'
                  source_dest_check: "${!var.on}"
                  cpu_options: {core_count: 1, threads_per_core: 2}
            """)
        let proxy = try await Self.proxied(world)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        var sent = try await proxyRequests(proxy)
        let launch = try #require(sent.first { $0.action == "RunInstances" })
        let id = try #require(try world.stateInstances()["aws_instance.box"])
        #expect(launch.params.filter { !["Action", "Version", "ImageId", "InstanceType", "MinCount", "MaxCount", "ClientToken"].contains($0.key) && !$0.key.hasPrefix("TagSpecification.1.") } == [
            "Monitoring.Enabled": "true", "IamInstanceProfile.Name": "p1", "EbsOptimized": "true",
            "MetadataOptions.HttpTokens": "required", "MetadataOptions.HttpPutResponseHopLimit": "2",
            "TagSpecification.2.ResourceType": "volume", "TagSpecification.2.Tag.1.Key": "Backup", "TagSpecification.2.Tag.1.Value": "daily",
            "Placement.GroupName": "pg", "Placement.Tenancy": "default", "CreditSpecification.CpuCredits": "unlimited",
            "DisableApiTermination": "false", "InstanceInitiatedShutdownBehavior": "terminate",
            "CpuOptions.CoreCount": "1", "CpuOptions.ThreadsPerCore": "2",
        ], "\(launch.params)")
        // RunInstances has no source/destination check: it is turned off right after, as Terraform does.
        #expect(sent.filter { $0.action == "ModifyInstanceAttribute" }.map(\.params)
                == [["Action": "ModifyInstanceAttribute", "Version": "2016-11-15", "InstanceId": id, "SourceDestCheck.Value": "false"]])
        let box = try #require(try world.state().instance(ResourceAddress(type: "aws_instance", name: "box")))
        #expect(box.attributes["monitoring"] == .bool(true))
        #expect(box.attributes["iam_instance_profile"] == .string("p1"))
        #expect(box.attributes["ebs_optimized"] == .bool(true))
        #expect(box.attributes["source_dest_check"] == .bool(false))
        #expect(box.attributes["metadata_options"]?.mapValue?["http_tokens"] == .string("required"))
        #expect(box.attributes["metadata_options"]?.mapValue?["http_put_response_hop_limit"] == .number(2))
        let settled = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(settled.status == 0, "\(settled.out)\(settled.err)")

        // Every setting changed: each with its own call; only EBS optimisation stops the instance.
        let plan = await world.tfy(["plan", "cluster", "-var", "on=false", "-no-color"])
        #expect(plan.out.contains("  # aws_instance.box will be updated in-place\n  # (stopped and started again to change ebs_optimized)\n"), "\(plan.out)")
        // moto implements neither (Un)MonitorInstances nor ModifyInstanceCreditSpecification: the
        // proxy answers them as EC2 would, and the wire shows what was sent.
        try await setFaults(proxy, #"{"succeed_actions": ["UnmonitorInstances", "ModifyInstanceCreditSpecification"]}"#)
        let before = sent.count
        let updated = await world.tfy(["apply", "cluster", "-var", "on=false", "-auto-approve", "-no-color"])
        #expect(updated.status == 0, "\(updated.out)\(updated.err)")
        sent = Array(try await proxyRequests(proxy).dropFirst(before))
        let volumes = try await world.cli(["ec2", "describe-volumes", "--filters", "Name=attachment.instance-id,Values=\(id)"])
        let volume = try #require(((volumes["Volumes"] as? [[String: Any]])?.first?["VolumeId"]) as? String)
        let association = try #require(sent.first { $0.action == "ReplaceIamInstanceProfileAssociation" }?.params["AssociationId"])
        let version = ["Version": "2016-11-15"]
        #expect(sent.filter { !$0.action.hasPrefix("Describe") }.map(\.params) == [
            ["Action": "UnmonitorInstances", "InstanceId.1": id],
            ["Action": "ReplaceIamInstanceProfileAssociation", "AssociationId": association, "IamInstanceProfile.Name": "p2"],
            // The endpoint was left to AWS: its value as read back goes with the others.
            ["Action": "ModifyInstanceMetadataOptions", "InstanceId": id, "HttpTokens": "optional", "HttpPutResponseHopLimit": "2", "HttpEndpoint": "enabled"],
            ["Action": "ModifyInstanceCreditSpecification", "InstanceCreditSpecification.1.InstanceId": id, "InstanceCreditSpecification.1.CpuCredits": "standard"],
            ["Action": "ModifyInstanceAttribute", "InstanceId": id, "DisableApiTermination.Value": "true"],
            ["Action": "ModifyInstanceAttribute", "InstanceId": id, "InstanceInitiatedShutdownBehavior.Value": "stop"],
            ["Action": "ModifyInstanceAttribute", "InstanceId": id, "SourceDestCheck.Value": "true"],
            ["Action": "CreateTags", "ResourceId.1": volume, "Tag.1.Key": "Backup", "Tag.1.Value": "weekly"],
            ["Action": "StopInstances", "InstanceId.1": id],
            ["Action": "ModifyInstanceAttribute", "InstanceId": id, "EbsOptimized.Value": "false"],
            ["Action": "StartInstances", "InstanceId.1": id],
        ].map { $0.merging(version) { a, _ in a } }, "\(sent.map(\.params))")
        let live = try await world.instance(id)
        let associations = try await world.cli(["ec2", "describe-iam-instance-profile-associations", "--association-ids", association])
        #expect(((associations["IamInstanceProfileAssociations"] as? [[String: Any]])?.first?["IamInstanceProfile"] as? [String: Any])?["Arn"] as? String
                 == "arn:aws:iam::123456789012:instance-profile/p2")
        #expect((live["MetadataOptions"] as? [String: Any])?["HttpTokens"] as? String == "optional")
        #expect(live["EbsOptimized"] as? Bool == false)
    }
}
