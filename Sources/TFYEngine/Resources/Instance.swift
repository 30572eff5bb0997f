import Foundation
import TFYAWS
import TFYCore

/// `aws_instance`: image, zone, subnet, key, addresses, block devices and spot options force
/// replacement; `instance_type` and `user_data` update by stop → modify → start (or replace, with
/// `user_data_replace_on_change`); security groups and tags update in place. RunInstances carries
/// a ClientToken recorded in state before the call, so a crash never leaves a duplicate.
struct InstanceResource: ManagedResourceType {
    static let name = "aws_instance"

    static let rootBlockDevice = ObjectSchema([
        "volume_size": Attribute(.number, .optionalComputed),
        "volume_type": Attribute(.string, .optionalComputed),
        "delete_on_termination": Attribute(.bool, .optional, default: .bool(true)),
        "encrypted": Attribute(.bool, .optionalComputed),
        "iops": Attribute(.number, .optionalComputed),
    ])

    static let ebsBlockDevice = ObjectSchema([
        "device_name": Attribute(.string, .required),
        "volume_size": Attribute(.number, .optionalComputed),
        "volume_type": Attribute(.string, .optionalComputed),
        "delete_on_termination": Attribute(.bool, .optional, default: .bool(true)),
        "encrypted": Attribute(.bool, .optionalComputed),
        "iops": Attribute(.number, .optionalComputed),
        "snapshot_id": Attribute(.string, .optionalComputed),
    ])

    static let ephemeralBlockDevice = ObjectSchema([
        "device_name": Attribute(.string, .required),
        "virtual_name": Attribute(.string, .optional),
        "no_device": Attribute(.bool, .optional),
    ])

    static let marketOptions = ObjectSchema([
        "market_type": Attribute(.string, .optional, default: .string("spot")),
        "spot_options": Attribute(.object(ObjectSchema([
            "max_price": Attribute(.string, .optional),
            "spot_instance_type": Attribute(.string, .optional),
            "instance_interruption_behavior": Attribute(.string, .optional),
        ])), .optional),
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
        "user_data": Attribute(.string, .optional, sensitive: true),
        "user_data_replace_on_change": Attribute(.bool, .optional, default: .bool(false)),
        "root_block_device": Attribute(.object(rootBlockDevice), .optionalComputed, forcesReplacement: true),
        "ebs_block_device": Attribute(.objectList(ebsBlockDevice), .optional, forcesReplacement: true),
        "ephemeral_block_device": Attribute(.objectList(ephemeralBlockDevice), .optional, forcesReplacement: true),
        "instance_market_options": Attribute(.object(marketOptions), .optional, forcesReplacement: true),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "public_ip": Attribute(.string, .computed),
        "public_dns": Attribute(.string, .computed),
        "private_dns": Attribute(.string, .computed),
        "instance_state": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    var sshRole: SSHRole? { .host }

    var carriesOwnershipTags: Bool { true }

    /// With `user_data_replace_on_change`, new user data replaces the instance instead of
    /// restarting it.
    func forcesReplacement(_ attribute: String, planned: [String: Value]) -> Bool {
        Self.schema.body.attributes[attribute]?.forcesReplacement == true
            || (attribute == "user_data" && planned["user_data_replace_on_change"]?.boolValue == true)
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
            result.record(address, kept, AWSAttributes.instanceAttributes(live, region: context.region, base: instance.attributes))
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
            var request = RunInstancesRequest(imageId: desired["ami"]?.stringValue ?? "", instanceType: desired["instance_type"]?.stringValue ?? "")
            request.clientToken = record.token
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
            request.availabilityZone = desired["availability_zone"]?.stringValue
            request.userData = desired["user_data"]?.stringValue
            request.tags = context.tags(desired["tags"], for: address)
            for device in desired["ebs_block_device"]?.listValue ?? [] {
                let d = device.mapValue ?? [:]
                request.blockDevices.append(.init(deviceName: d["device_name"]?.stringValue ?? "", volumeSize: d["volume_size"]?.numberValue.map { Int($0) },
                                                  volumeType: d["volume_type"]?.stringValue, deleteOnTermination: d["delete_on_termination"]?.boolValue,
                                                  encrypted: d["encrypted"]?.boolValue))
            }
            for device in desired["ephemeral_block_device"]?.listValue ?? [] {
                let d = device.mapValue ?? [:]
                request.blockDevices.append(.init(deviceName: d["device_name"]?.stringValue ?? "", virtualName: d["virtual_name"]?.stringValue))
            }
            request.spotMaxPrice = desired["instance_market_options"]?.mapValue?["spot_options"]?.mapValue?["max_price"]?.stringValue
            // The token goes into state before the call: a crash after it is found again by tag.
            try await record.pending(record.token)
            instance = try await ec2.runInstances(request).first
        }
        guard let launched = instance else { throw EngineError(description: "RunInstances returned no instance") }
        try await record.created(AWSAttributes.instanceAttributes(launched, region: context.region, base: desired))
        guard let running = try await context.waiter.wait(for: launched.instanceId, until: ["running"], timeout: context.timeouts.create, last: true) else {
            throw EngineError(description: "instance \(launched.instanceId) vanished while starting")
        }
        return AWSAttributes.instanceAttributes(running, region: context.region, base: desired)
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        try await update(address, prior: prior, desired: desired, record: UpdateRecorder(marking: { _ in }))
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value], record: UpdateRecorder) async throws -> [String: Value] {
        guard let id = prior["id"]?.stringValue else { throw EngineError(description: "the instance has no ID in state") }
        guard var current = try await ec2.describeInstances(ids: [id]).first else { throw EngineError(description: "instance \(id) no longer exists") }
        try await TagSync.sync(ec2: ec2, resource: id, have: current.tags, want: context.tags(desired["tags"], for: address))
        let groups = AWSAttributes.strings(desired["vpc_security_group_ids"]).sorted()
        if !groups.isEmpty, groups != current.securityGroupIds.sorted() {
            try await ec2.modifyInstanceAttribute(id: id, .securityGroups(groups))
        }
        let typeChanged = desired["instance_type"]?.stringValue.map { $0 != current.instanceType } ?? false
        let userDataChanged = desired["user_data"] != prior["user_data"] && desired["user_data"].map { !$0.isNull } == true
        // A plan that found the instance stopped by an interrupted update wants it running again.
        let restart = current.state == "stopped" && desired["instance_state"]?.stringValue == "running"
        if typeChanged || userDataChanged {
            // Instance type and user data change only while the instance is stopped. The stop is
            // recorded first, so a run that dies before the start leaves a state that says so.
            try await record.marking(StateInstance.Marker.stoppedForUpdate)
            _ = try await ec2.stopInstances(ids: [id])
            do {
                _ = try await context.waiter.wait(for: id, until: ["stopped"], timeout: context.timeouts.update)
                if typeChanged, let type = desired["instance_type"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .instanceType(type)) }
                if userDataChanged, let text = desired["user_data"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .userData(text)) }
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
        return AWSAttributes.instanceAttributes(current, region: context.region, base: desired)
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
        do {
            _ = try await ec2.terminateInstances(ids: [id])
        } catch {
            if error.code == "InvalidInstanceID.NotFound" { return }
            throw error
        }
        _ = try await context.waiter.wait(for: id, until: ["terminated"], timeout: context.timeouts.delete, last: true)
    }
}

// MARK: Attributes

extension AWSAttributes {
    /// The attributes EC2 reports for an instance, laid over `base` (what tfy knows otherwise:
    /// user data, block devices, market options, settings only the configuration holds).
    static func instanceAttributes(_ instance: EC2Instance, region: String, base: [String: Value]) -> [String: Value] {
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
        if a["root_block_device"] == nil || a["root_block_device"]!.isUnknown || a["root_block_device"]!.isNull {
            a["root_block_device"] = .map(["volume_size": .number(8), "volume_type": .string("gp2"), "delete_on_termination": .bool(true),
                                           "encrypted": .bool(false), "iops": .number(100)])
        }
        for key in a.keys where a[key]!.isUnknown { a[key] = .null }
        // An adopted instance has no configuration behind it: settable attributes take their defaults.
        for (name, attribute) in InstanceResource.schema.body.attributes where a[name] == nil {
            a[name] = attribute.defaultValue ?? .null
        }
        // Whatever the configuration marked sensitive (a tag's value) stays so when read back.
        return Value.map(a).markedLike(.map(base)).mapValue ?? a
    }
}
