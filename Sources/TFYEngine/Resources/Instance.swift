import Foundation
import TFYAWS
import TFYCore

/// `aws_instance`, with the AWS provider's attribute names and update behaviour: image, zone,
/// subnet, key, addresses, block devices, placement, CPU options and spot options force
/// replacement; `instance_type`, `user_data` and `ebs_optimized` update by stop → modify → start
/// (a one-time Spot Instance cannot be stopped: it is replaced instead; `user_data` replaces with
/// `user_data_replace_on_change`); security groups, tags, volume tags, monitoring, the instance
/// profile, metadata options, credits, termination protection, shutdown behaviour and the
/// source/destination check update in place, each with its own call. RunInstances carries a
/// ClientToken recorded in state before the call, so a crash never leaves a duplicate.
struct InstanceResource: ManagedResourceType {
    static let name = "aws_instance"

    /// What an EBS volume takes: fields left out are AWS's choice (the image's snapshot, gp2/gp3,
    /// the type's baseline IOPS), read back once the volume exists.
    ///
    /// Ranges are the widest any volume type takes (EBS volume types, AWS docs): size up to
    /// 64 TiB (gp3, io2), IOPS from io1's 100 to io2's 256,000, throughput gp3's 125-2,000 MiB/s.
    /// EC2 checks each type's own narrower range before anything is created.
    static let volume: [String: Attribute] = [
        "volume_size": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(1...65_536, unit: "GiB"))),
        "volume_type": Attribute(.string, .optionalComputed, check: .oneOf(["standard", "gp2", "gp3", "io1", "io2", "sc1", "st1"])),
        "iops": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(100...256_000))),
        "throughput": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(125...2_000, unit: "MiB/s"))),
        "encrypted": Attribute(.bool, .optionalComputed),
        "kms_key_id": Attribute(.string, .optionalComputed),
        "delete_on_termination": Attribute(.bool, .optional, default: .bool(true)),
        "volume_id": Attribute(.string, .computed),
    ]

    static let rootBlockDevice = ObjectSchema(volume.merging(["device_name": Attribute(.string, .computed)]) { a, _ in a })

    static let ebsBlockDevice = ObjectSchema(volume.merging([
        "device_name": Attribute(.string, .required),
        "snapshot_id": Attribute(.string, .optionalComputed),
    ]) { a, _ in a })

    static let ephemeralBlockDevice = ObjectSchema([
        "device_name": Attribute(.string, .required),
        "virtual_name": Attribute(.string, .optional),
        "no_device": Attribute(.bool, .optional),
    ])

    static let marketOptions = ObjectSchema([
        "market_type": Attribute(.string, .optional, default: .string("spot"), check: .oneOf(["spot"])),
        "spot_options": Attribute(.object(ObjectSchema([
            "max_price": Attribute(.string, .optional),
            "spot_instance_type": Attribute(.string, .optional, check: .oneOf(["one-time", "persistent"])),
            "instance_interruption_behavior": Attribute(.string, .optional, check: .oneOf(["hibernate", "stop", "terminate"])),
            "valid_until": Attribute(.string, .optional),
        ])), .optional),
    ])

    static let metadataOptions = ObjectSchema([
        "http_tokens": Attribute(.string, .optionalComputed, check: .oneOf(["optional", "required"])),
        "http_endpoint": Attribute(.string, .optionalComputed, check: .oneOf(["enabled", "disabled"])),
        "http_put_response_hop_limit": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(1...64))),
    ])

    static let schema = ResourceSchema(type: name, body: ObjectSchema([
        "ami": Attribute(.string, .required, forcesReplacement: true),
        "instance_type": Attribute(.string, .required),
        "availability_zone": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "subnet_id": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "key_name": Attribute(.string, .optional, forcesReplacement: true),
        "private_ip": Attribute(.string, .optionalComputed, forcesReplacement: true),
        "associate_public_ip_address": Attribute(.bool, .optionalComputed, forcesReplacement: true),
        "vpc_security_group_ids": Attribute(.value(.set(.string)), .optionalComputed),
        "placement_group": Attribute(.string, .optional, forcesReplacement: true),
        "tenancy": Attribute(.string, .optionalComputed, forcesReplacement: true, check: .oneOf(["default", "dedicated", "host"])),
        "cpu_options": Attribute(.object(ObjectSchema([
            // The largest instance types have 960 cores; a core runs one or two threads.
            "core_count": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(1...1_024))),
            "threads_per_core": Attribute(.number, .optionalComputed, check: .wholeNumber(NumberRange(1...2))),
        ])), .optional, forcesReplacement: true),
        "user_data": Attribute(.string, .optional, sensitive: true),
        "user_data_replace_on_change": Attribute(.bool, .optional, default: .bool(false)),
        "root_block_device": Attribute(.object(rootBlockDevice), .optionalComputed, forcesReplacement: true),
        "ebs_block_device": Attribute(.objectList(ebsBlockDevice), .optional, forcesReplacement: true),
        "ephemeral_block_device": Attribute(.objectList(ephemeralBlockDevice), .optional, forcesReplacement: true),
        "instance_market_options": Attribute(.object(marketOptions), .optional, forcesReplacement: true),
        "monitoring": Attribute(.bool, .optional, default: .bool(false)),
        "iam_instance_profile": Attribute(.string, .optional),
        "ebs_optimized": Attribute(.bool, .optionalComputed),
        "metadata_options": Attribute(.object(metadataOptions), .optionalComputed),
        "credit_specification": Attribute(.object(ObjectSchema([
            "cpu_credits": Attribute(.string, .optional, check: .oneOf(["standard", "unlimited"])),
        ])), .optional),
        "disable_api_termination": Attribute(.bool, .optional),
        "instance_initiated_shutdown_behavior": Attribute(.string, .optional, check: .oneOf(["stop", "terminate"])),
        "source_dest_check": Attribute(.bool, .optional, default: .bool(true)),
        "tags": Attribute(.stringMap, .optional),
        "volume_tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "public_ip": Attribute(.string, .computed),
        "public_dns": Attribute(.string, .computed),
        "private_dns": Attribute(.string, .computed),
        "instance_state": Attribute(.string, .computed),
    ]))

    /// Attributes EC2 changes only while the instance is stopped.
    static let changedWhileStopped: Set<String> = ["instance_type", "user_data", "ebs_optimized"]

    var schema: ResourceSchema { Self.schema }

    var sshRole: SSHRole? { .host }

    var carriesOwnershipTags: Bool { true }

    /// With `user_data_replace_on_change`, new user data replaces the instance instead of
    /// restarting it; a one-time Spot Instance, which EC2 refuses to stop, is replaced for any
    /// change that needs a stop.
    func forcesReplacement(_ attribute: String, planned: [String: Value]) -> Bool {
        Self.schema.body.attributes[attribute]?.forcesReplacement == true
            || (attribute == "user_data" && planned["user_data_replace_on_change"]?.boolValue == true)
            || (Self.changedWhileStopped.contains(attribute) && Self.isOneTimeSpot(planned))
    }

    func updateStopsObject(_ attribute: String, planned: [String: Value]) -> Bool {
        Self.changedWhileStopped.contains(attribute)
    }

    /// A Spot Instance that is not persistent: EC2 cannot stop it (`UnsupportedOperation`).
    static func isOneTimeSpot(_ attributes: [String: Value]) -> Bool {
        guard let market = attributes["instance_market_options"]?.mapValue else { return false }
        return market["spot_options"]?.mapValue?["spot_instance_type"]?.stringValue != "persistent"
    }

    /// An instance that tfy stopped for an update and that is still stopped is started again
    /// (an update of `instance_state` to "running"); one stopped by someone else is left alone.
    func recoveredAttributes(_ prior: StateInstance) -> [String: Value] {
        guard prior.isMarked(StateInstance.Marker.stoppedForUpdate), prior.attributes["instance_state"]?.stringValue == "stopped" else { return [:] }
        return ["instance_state": .string("running")]
    }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        InstanceProvider(context: context)
    }
}

struct InstanceProvider: ResourceProvider {
    let context: EngineContext
    var ec2: EC2Client { context.ec2 }

    static let alive: Set<String> = ["pending", "running", "stopping", "stopped"]

    /// One DescribeInstances by the stack's tag reads the instances the state records and finds
    /// those it does not track (`untracked`, for the planner to adopt). Only recorded IDs missing
    /// from that answer cost more: ceil(m/1000) DescribeInstances by ID, which show an instance
    /// tagged for another stack (refused, never read into this state), untagged or terminated.
    /// An ID EC2 does not list at all within the visibility grace after tfy recorded its creation
    /// is not yet visible: refresh polls until it shows (after the grace: gone). An instance whose
    /// create a run did not see end (tainted, not marked create_failed) that is alive is waited
    /// for until running and kept.
    func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError) {
        guard !entries.isEmpty || result.configuredTypes.contains(InstanceResource.name) else { return }
        let ids = entries.compactMap { $0.instance.attributes["id"]?.stringValue }
        let tagged = try await ec2.describeInstances(filters: [EC2Filter("tag:tfy:stack", [context.stack]),
                                                              EC2Filter("instance-state-name", Array(Self.alive).sorted())])
        var read: [String: EC2Instance] = [:]
        for instance in tagged { read[instance.instanceId] = instance }
        let missing = Set(ids).subtracting(read.keys).sorted()
        if !missing.isEmpty {
            for instance in try await ec2.describeInstances(ids: missing) { read[instance.instanceId] = instance }
        }
        var invisible: [String: Date] = [:]
        for (_, instance) in entries {
            guard let id = instance.attributes["id"]?.stringValue, read[id] == nil, let deadline = context.visibilityDeadline(instance) else { continue }
            invisible[id] = deadline
        }
        if !invisible.isEmpty {
            let ec2 = self.ec2
            let appeared = try await context.awaitVisible(invisible) { (ids) async throws(AWSError) -> [String: EC2Instance] in
                Dictionary(try await ec2.describeInstances(ids: ids).map { ($0.instanceId, $0) }, uniquingKeysWith: { a, _ in a })
            }
            read.merge(appeared) { a, _ in a }
        }
        // Volumes are read (in one batched call) only for instances with block devices configured.
        let volumeIds = entries.flatMap { _, instance -> [String] in
            guard Self.usesVolumes(instance.attributes), let id = instance.attributes["id"]?.stringValue, let live = read[id], live.tags["tfy:stack"] == context.stack else { return [] }
            return Array(live.blockDevices.values)
        }
        let volumes = volumeIds.isEmpty ? [:] : Dictionary(try await ec2.describeVolumes(ids: volumeIds.sorted()).map { ($0.volumeId, $0) }, uniquingKeysWith: { a, _ in a })
        for (address, instance) in entries {
            guard let id = instance.attributes["id"]?.stringValue else { continue }
            if let found = read[id], result.refuse(address, id: id, tags: found.tags, stack: context.stack) { continue }
            guard var live = read[id], Self.alive.contains(live.state) else {
                result.record(address, instance, nil)
                continue
            }
            var kept = instance
            if instance.status == .tainted, instance.createdAt != nil, !instance.isMarked(StateInstance.Marker.createFailed) {
                // A create that a run did not see end (killed, interrupted): the instance is
                // wanted, so it is waited for rather than replaced. One whose create failed
                // (a wait that timed out) is marked so, and replaced as in Terraform.
                if live.state != "running", let running = try? await context.waiter.wait(for: id, until: ["running"], timeout: context.timeouts.create) {
                    live = running
                }
                if live.state == "running" { kept.status = nil }
            }
            result.record(address, kept, AWSAttributes.instanceAttributes(live, region: context.region, base: instance.attributes,
                                                                           volumes: Self.usesVolumes(instance.attributes) ? volumes : nil))
        }
        let known = Set(result.state.instances.compactMap { $0.instance.attributes["id"]?.stringValue }).union(ids)
        for instance in tagged where !known.contains(instance.instanceId) {
            guard let tag = instance.tags["tfy:address"], let address = ResourceAddress(parsing: tag), address.type == InstanceResource.name else { continue }
            let base = result.state.instance(address).flatMap { $0.isPendingCreate ? nil : $0.attributes } ?? [:]
            result.untracked.append(UntrackedObject(address: address, id: instance.instanceId,
                                                    attributes: AWSAttributes.instanceAttributes(instance, region: context.region, base: base)))
        }
        // A create that recorded its token but whose instance is not (yet) visible keeps its
        // entry: the next create of that address reuses the token, so EC2's ClientToken
        // idempotency returns the instance if the lost call did launch it.
    }

    func liveTags(id: String) async throws(AWSError) -> [String: String]? {
        try await ec2.describeInstances(ids: [id]).first { $0.instanceId == id && $0.state != "terminated" && $0.state != "shutting-down" }?.tags
    }

    func tagged(_ address: ResourceAddress) async throws -> EC2Instance? {
        try await ec2.describeInstances(filters: [
            EC2Filter("tag:tfy:stack", [context.stack]), EC2Filter("tag:tfy:address", [address.description]),
            EC2Filter("instance-state-name", ["pending", "running", "stopping", "stopped"]),
        ]).sorted { $0.instanceId < $1.instanceId }.first
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        // Refresh already adopted what earlier runs launched; only a create that an earlier run
        // began and that is still unresolved needs another look (EC2 may have been slow to show it).
        var instance = record.resumed ? try await tagged(address) : nil
        if instance == nil {
            var request = try await launchRequest(address, desired: desired)
            request.clientToken = record.token
            // The token goes into state before the call: a crash after it is found again by tag.
            try await record.pending(record.token)
            instance = try await ec2.runInstances(request).first
        }
        guard let launched = instance else { throw EngineError(description: "RunInstances returned no instance") }
        try await record.created(AWSAttributes.instanceAttributes(launched, region: context.region, base: desired))
        guard var running = try await context.waiter.wait(for: launched.instanceId, until: ["running"], timeout: context.timeouts.create, last: true) else {
            throw EngineError(description: "instance \(launched.instanceId) vanished while starting")
        }
        // RunInstances has no source/destination check: it is turned off afterwards, as in Terraform.
        if desired["source_dest_check"]?.boolValue == false, running.sourceDestCheck != false {
            try await ec2.modifyInstanceAttribute(id: running.instanceId, .sourceDestCheck(false))
            running.sourceDestCheck = false
        }
        return AWSAttributes.instanceAttributes(running, region: context.region, base: desired, volumes: try await volumes(of: [running], base: [desired]))
    }

    /// RunInstances for the configured instance: every configured attribute on the wire, nothing
    /// guessed. Fields of a block device left out are left to AWS.
    func launchRequest(_ address: ResourceAddress, desired: [String: Value]) async throws -> RunInstancesRequest {
        let ami = desired["ami"]?.stringValue ?? ""
        var request = RunInstancesRequest(imageId: ami, instanceType: desired["instance_type"]?.stringValue ?? "")
        request.keyName = desired["key_name"]?.stringValue
        // Never launched with a guess: configured groups whose IDs are not known yet would be
        // dropped, and the instance would land in the VPC's default security group. (A list
        // that is wholly unknown was not configured: EC2 chooses, as in Terraform.)
        if let groups = desired["vpc_security_group_ids"]?.listValue, groups.contains(where: { !$0.isWhollyKnown }) {
            throw EngineError(description: "the value of vpc_security_group_ids is still unknown: something it depends on was not applied")
        }
        request.securityGroupIds = AWSAttributes.strings(desired["vpc_security_group_ids"])
        request.subnetId = desired["subnet_id"]?.stringValue
        request.privateIpAddress = desired["private_ip"]?.stringValue
        request.associatePublicIpAddress = desired["associate_public_ip_address"]?.boolValue
        request.availabilityZone = desired["availability_zone"]?.stringValue
        request.placementGroup = desired["placement_group"]?.stringValue
        request.tenancy = desired["tenancy"]?.stringValue
        request.userData = desired["user_data"]?.stringValue
        request.tags = context.tags(desired["tags"], for: address)
        request.volumeTags = AWSAttributes.stringMap(desired["volume_tags"])
        if let root = desired["root_block_device"]?.mapValue {
            // A root device mapping names the image's root device, which only the image knows.
            guard let device = try await context.lookups.rootDeviceName(of: ami) else {
                throw EngineError(description: "root_block_device is configured, but the image \(ami) reports no root device name (DescribeImages does not list it)")
            }
            request.blockDevices.append(Self.ebsDevice(device, root))
        }
        for entry in desired["ebs_block_device"]?.listValue ?? [] {
            let d = entry.mapValue ?? [:]
            var device = Self.ebsDevice(d["device_name"]?.stringValue ?? "", d)
            device.snapshotId = d["snapshot_id"]?.stringValue
            request.blockDevices.append(device)
        }
        for entry in desired["ephemeral_block_device"]?.listValue ?? [] {
            let d = entry.mapValue ?? [:]
            request.blockDevices.append(.init(deviceName: d["device_name"]?.stringValue ?? "", virtualName: d["no_device"]?.boolValue == true ? nil : d["virtual_name"]?.stringValue,
                                              noDevice: d["no_device"]?.boolValue == true))
        }
        if let market = desired["instance_market_options"]?.mapValue {
            let spot = market["spot_options"]?.mapValue ?? [:]
            request.market = .init(marketType: market["market_type"]?.stringValue ?? "spot", maxPrice: spot["max_price"]?.stringValue,
                                   spotInstanceType: spot["spot_instance_type"]?.stringValue,
                                   instanceInterruptionBehavior: spot["instance_interruption_behavior"]?.stringValue, validUntil: spot["valid_until"]?.stringValue)
        }
        // Basic monitoring is EC2's default; only detailed monitoring is asked for.
        if desired["monitoring"]?.boolValue == true { request.monitoring = true }
        request.iamInstanceProfile = desired["iam_instance_profile"]?.stringValue
        request.ebsOptimized = desired["ebs_optimized"]?.boolValue
        request.disableApiTermination = desired["disable_api_termination"]?.boolValue
        request.instanceInitiatedShutdownBehavior = desired["instance_initiated_shutdown_behavior"]?.stringValue
        if let options = desired["metadata_options"]?.mapValue {
            let metadata = Self.metadataOptions(options)
            if metadata != EC2Instance.MetadataOptions() { request.metadataOptions = metadata }
        }
        request.cpuCredits = desired["credit_specification"]?.mapValue?["cpu_credits"]?.stringValue
        if let cpu = desired["cpu_options"]?.mapValue {
            request.cpuCoreCount = AWSAttributes.int(cpu["core_count"])
            request.cpuThreadsPerCore = AWSAttributes.int(cpu["threads_per_core"])
        }
        return request
    }

    static func ebsDevice(_ name: String, _ d: [String: Value]) -> RunInstancesRequest.BlockDevice {
        .init(deviceName: name, volumeSize: AWSAttributes.int(d["volume_size"]), volumeType: d["volume_type"]?.stringValue,
              deleteOnTermination: d["delete_on_termination"]?.boolValue, encrypted: d["encrypted"]?.boolValue,
              iops: AWSAttributes.int(d["iops"]), throughput: AWSAttributes.int(d["throughput"]), kmsKeyId: d["kms_key_id"]?.stringValue)
    }

    static func metadataOptions(_ options: [String: Value]) -> EC2Instance.MetadataOptions {
        .init(httpTokens: options["http_tokens"]?.stringValue, httpEndpoint: options["http_endpoint"]?.stringValue,
              httpPutResponseHopLimit: AWSAttributes.int(options["http_put_response_hop_limit"]))
    }

    /// The volumes of instances whose attributes (`base`) have block devices, in one batched
    /// read shared with the run's other operations; nil when none has any (nothing is read).
    func volumes(of instances: [EC2Instance], base: [[String: Value]]) async throws -> [String: EC2Volume]? {
        let ids = zip(instances, base).flatMap { instance, attributes in
            Self.usesVolumes(attributes) ? Array(instance.blockDevices.values) : []
        }
        guard !ids.isEmpty else { return nil }
        return try await context.lookups.volumes(ids.sorted())
    }

    /// True when the configuration (or the state) describes block devices, whose volumes are then read back.
    static func usesVolumes(_ attributes: [String: Value]) -> Bool {
        attributes["root_block_device"]?.mapValue != nil || !(attributes["ebs_block_device"]?.listValue ?? []).isEmpty
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        try await update(address, prior: prior, desired: desired, record: UpdateRecorder(marking: { _ in }))
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value], record: UpdateRecorder) async throws -> [String: Value] {
        guard let id = prior["id"]?.stringValue else { throw EngineError(description: "the instance has no ID in state") }
        guard var current = try await ec2.describeInstances(ids: [id]).first else { throw EngineError(description: "instance \(id) no longer exists") }
        func changed(_ name: String) -> Bool {
            guard let want = desired[name], want.isWhollyKnown, !want.isNull else { return false }
            return want.deepUnmarked != prior[name]?.deepUnmarked
        }
        try await TagSync.sync(ec2: ec2, resource: id, have: current.tags, want: context.tags(desired["tags"], for: address))
        let groups = AWSAttributes.strings(desired["vpc_security_group_ids"]).sorted()
        if !groups.isEmpty, groups != current.securityGroupIds.sorted() {
            try await ec2.modifyInstanceAttribute(id: id, .securityGroups(groups))
        }
        if let monitoring = desired["monitoring"]?.boolValue, monitoring != current.monitoring {
            try await ec2.setMonitoring(ids: [id], enabled: monitoring)
        }
        if desired["iam_instance_profile"]?.deepUnmarked != prior["iam_instance_profile"]?.deepUnmarked {
            try await updateInstanceProfile(id, to: desired["iam_instance_profile"]?.stringValue)
        }
        if changed("metadata_options"), let options = desired["metadata_options"]?.mapValue {
            try await ec2.modifyInstanceMetadataOptions(id: id, Self.metadataOptions(options))
        }
        if changed("credit_specification"), let credits = desired["credit_specification"]?.mapValue?["cpu_credits"]?.stringValue {
            try await ec2.modifyInstanceCreditSpecification(id: id, cpuCredits: credits)
        }
        if changed("disable_api_termination"), let flag = desired["disable_api_termination"]?.boolValue {
            try await ec2.modifyInstanceAttribute(id: id, .disableApiTermination(flag))
        }
        if changed("instance_initiated_shutdown_behavior"), let behaviour = desired["instance_initiated_shutdown_behavior"]?.stringValue {
            try await ec2.modifyInstanceAttribute(id: id, .instanceInitiatedShutdownBehavior(behaviour))
        }
        if let check = desired["source_dest_check"]?.boolValue, check != (current.sourceDestCheck ?? true) {
            try await ec2.modifyInstanceAttribute(id: id, .sourceDestCheck(check))
        }
        if desired["volume_tags"]?.deepUnmarked != prior["volume_tags"]?.deepUnmarked {
            let have = AWSAttributes.stringMap(prior["volume_tags"]), want = AWSAttributes.stringMap(desired["volume_tags"])
            for volume in current.blockDevices.values.sorted() {
                try await TagSync.sync(ec2: ec2, resource: volume, have: have, want: want)
            }
        }
        let typeChanged = desired["instance_type"]?.stringValue.map { $0 != current.instanceType } ?? false
        let userDataChanged = changed("user_data")
        let optimizedChanged = desired["ebs_optimized"]?.boolValue.map { $0 != (current.ebsOptimized ?? false) } ?? false
        // A plan that found the instance stopped by an interrupted update wants it running again.
        let restart = current.state == "stopped" && desired["instance_state"]?.stringValue == "running"
        if typeChanged || userDataChanged || optimizedChanged {
            // These change only while the instance is stopped. The stop is recorded first, so a
            // run that dies before the start leaves a state that says so.
            try await record.marking(StateInstance.Marker.stoppedForUpdate)
            _ = try await ec2.stopInstances(ids: [id])
            do {
                _ = try await context.waiter.wait(for: id, until: ["stopped"], timeout: context.timeouts.update)
                if typeChanged, let type = desired["instance_type"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .instanceType(type)) }
                if userDataChanged, let text = desired["user_data"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .userData(text)) }
                if optimizedChanged, let flag = desired["ebs_optimized"]?.boolValue { try await ec2.modifyInstanceAttribute(id: id, .ebsOptimized(flag)) }
            } catch {
                // The update failed half-way: the instance runs again (as it was) before the error is told.
                try await startAgain(id, after: error, record: record)
                throw error
            }
            current = try await start(id)
        } else if restart {
            current = try await start(id)
        } else if let refreshed = try await ec2.describeInstances(ids: [id]).first {
            current = refreshed
        }
        return AWSAttributes.instanceAttributes(current, region: context.region, base: desired, volumes: try await volumes(of: [current], base: [desired]))
    }

    /// Associates, replaces or removes the instance profile (an association, not an attribute).
    func updateInstanceProfile(_ id: String, to profile: String?) async throws {
        let association = try await ec2.describeIamInstanceProfileAssociations(instanceIds: [id])[id]
        switch (association, profile) {
        case (nil, let profile?): try await ec2.associateIamInstanceProfile(id: id, profile: profile)
        case (let association?, let profile?): try await ec2.replaceIamInstanceProfileAssociation(associationId: association.associationId, profile: profile)
        case (let association?, nil): try await ec2.disassociateIamInstanceProfile(associationId: association.associationId)
        case (nil, nil): break
        }
    }

    /// Starts the instance and waits until it runs.
    func start(_ id: String) async throws -> EC2Instance {
        _ = try await ec2.startInstances(ids: [id])
        guard let running = try await context.waiter.wait(for: id, until: ["running"], timeout: context.timeouts.update) else {
            throw EngineError(description: "instance \(id) vanished while starting")
        }
        return running
    }

    /// After a failed update: starts the stopped instance again, and clears the stop's marker once
    /// it runs. If it cannot be started, both errors are told and the marker stays, so the next
    /// plan starts it.
    func startAgain(_ id: String, after failure: any Error, record: UpdateRecorder) async throws {
        do {
            _ = try await start(id)
        } catch {
            throw EngineError(description: "\(failure)\n\nThe instance was stopped for the update and could not be started again: \(error). The next plan shows the start.")
        }
        try await record.marking(nil)
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let id = prior["id"]?.stringValue else { return }
        // Terminations of one run share calls; the slot is free while this one waits its turn.
        let slots = OperationSlots.current?.slots
        try await OperationSlots.released { try await context.lookups.terminate(id, slots: slots) }
        _ = try await context.waiter.wait(for: id, until: ["terminated"], timeout: context.timeouts.delete, last: true)
    }
}

// MARK: Attributes

extension AWSAttributes {
    /// The attributes EC2 reports for an instance, laid over `base` (what tfy knows otherwise:
    /// user data, block devices, market options, settings only the configuration holds).
    static func instanceAttributes(_ instance: EC2Instance, region: String, base: [String: Value], volumes: [String: EC2Volume]? = nil) -> [String: Value] {
        var a = base
        a["id"] = .string(instance.instanceId)
        a["arn"] = .string("arn:aws:ec2:\(region):\(instance.ownerId ?? "000000000000"):instance/\(instance.instanceId)")
        a["ami"] = .string(instance.imageId)
        a["instance_type"] = .string(instance.instanceType)
        a["instance_state"] = .string(instance.state)
        a["availability_zone"] = instance.availabilityZone.map { .string($0) } ?? .null
        a["subnet_id"] = instance.subnetId.map { .string($0) } ?? .null
        a["key_name"] = instance.keyName.map { .string($0) } ?? .null
        a["private_ip"] = instance.privateIpAddress.map { .string($0) } ?? .null
        a["public_ip"] = instance.publicIpAddress.map { .string($0) } ?? .null
        a["private_dns"] = instance.privateDnsName.map { .string($0) } ?? .null
        a["public_dns"] = instance.publicDnsName.map { .string($0) } ?? .null
        a["associate_public_ip_address"] = .bool(instance.publicIpAddress != nil)
        a["vpc_security_group_ids"] = .list(instance.securityGroupIds.sorted().map { .string($0) })
        a["tags"] = userTags(instance.tags)
        a["monitoring"] = .bool(instance.monitoring)
        // Configured by name (as Terraform writes it) or by ARN: read back the same way.
        a["iam_instance_profile"] = instance.iamInstanceProfileArn.map { arn in .string(base["iam_instance_profile"]?.stringValue == arn ? arn : profileName(arn)) } ?? .null
        if let optimized = instance.ebsOptimized { a["ebs_optimized"] = .bool(optimized) }
        if let check = instance.sourceDestCheck { a["source_dest_check"] = .bool(check) }
        // EC2 reports an empty group name for an instance in no group, and so does an emulator
        // that does not model groups: only a name is taken as news.
        if let group = instance.placementGroup { a["placement_group"] = .string(group) }
        if let tenancy = instance.tenancy { a["tenancy"] = .string(tenancy) }
        if let options = instance.metadataOptions {
            a["metadata_options"] = .map(["http_tokens": options.httpTokens.map { .string($0) } ?? .null,
                                          "http_endpoint": options.httpEndpoint.map { .string($0) } ?? .null,
                                          "http_put_response_hop_limit": options.httpPutResponseHopLimit.map { .number(Double($0)) } ?? .null])
        }
        if instance.cpuCoreCount != nil || instance.cpuThreadsPerCore != nil {
            a["cpu_options"] = .map(["core_count": instance.cpuCoreCount.map { .number(Double($0)) } ?? .null,
                                     "threads_per_core": instance.cpuThreadsPerCore.map { .number(Double($0)) } ?? .null])
        }
        if instance.instanceLifecycle == "spot", a["instance_market_options"]?.mapValue == nil {
            a["instance_market_options"] = .map(["market_type": .string("spot"), "spot_options": .null])
        }
        if let volumes {
            if let device = instance.rootDeviceName, let id = instance.blockDevices[device] {
                a["root_block_device"] = volumeAttributes(volumes[id], id: id, device: device, deleteOnTermination: instance.deleteOnTermination[device],
                                                          base: base["root_block_device"]?.mapValue ?? [:])
            }
            if let entries = base["ebs_block_device"]?.listValue {
                a["ebs_block_device"] = .list(entries.map { entry in
                    guard let fields = entry.mapValue, let device = fields["device_name"]?.stringValue, let id = instance.blockDevices[device] else { return entry }
                    var read = volumeAttributes(volumes[id], id: id, device: device, deleteOnTermination: instance.deleteOnTermination[device], base: fields)
                    if var map = read.mapValue {
                        map["snapshot_id"] = volumes[id]?.snapshotId.map { .string($0) } ?? fields["snapshot_id"] ?? .null
                        read = .map(map)
                    }
                    return read
                })
            }
        } else if a["root_block_device"]?.mapValue == nil {
            // Not configured and so not read: what the root volume is stays unknown to tfy.
            a["root_block_device"] = .null
        }
        a = a.mapValues(unknownAsNull)
        // An adopted instance has no configuration behind it: settable attributes take their defaults.
        for (name, attribute) in InstanceResource.schema.body.attributes where a[name] == nil {
            a[name] = attribute.defaultValue ?? .null
        }
        // Whatever the configuration marked sensitive (a tag's value) stays so when read back.
        return Value.map(a).markedLike(.map(base)).mapValue ?? a
    }

    /// A volume as state records it: what EC2 reports, and the configured value where EC2 reports
    /// nothing for a field (throughput of a gp2 volume).
    static func volumeAttributes(_ volume: EC2Volume?, id: String, device: String, deleteOnTermination: Bool?, base: [String: Value]) -> Value {
        func number(_ n: Int?, _ name: String) -> Value { n.map { .number(Double($0)) } ?? base[name] ?? .null }
        func string(_ s: String?, _ name: String) -> Value { s.map { .string($0) } ?? base[name] ?? .null }
        var fields = base
        fields["device_name"] = .string(device)
        fields["volume_id"] = .string(id)
        fields["volume_size"] = number(volume?.size, "volume_size")
        fields["volume_type"] = string(volume?.volumeType, "volume_type")
        fields["iops"] = number(volume?.iops, "iops")
        fields["throughput"] = number(volume?.throughput, "throughput")
        fields["encrypted"] = volume?.encrypted.map { .bool($0) } ?? base["encrypted"] ?? .null
        fields["kms_key_id"] = string(volume?.kmsKeyId, "kms_key_id")
        fields["delete_on_termination"] = deleteOnTermination.map { .bool($0) } ?? base["delete_on_termination"] ?? .null
        return .map(fields)
    }

    /// The name in an instance profile's ARN (`arn:aws:iam::1:instance-profile/path/name`).
    static func profileName(_ arn: String) -> String {
        arn.split(separator: "/").last.map(String.init) ?? arn
    }

    /// `value` with every unknown part (a field left to AWS that nothing read back) as null.
    static func unknownAsNull(_ value: Value) -> Value {
        switch value {
        case .unknown: return .null
        case .sensitive(let inner): return .sensitive(unknownAsNull(inner))
        case .list(let items): return .list(items.map(unknownAsNull))
        case .map(let entries): return .map(entries.mapValues(unknownAsNull))
        default: return value
        }
    }
}
