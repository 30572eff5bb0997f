import Foundation
import TFYAWS
import TFYCore

/// What a resource type's provider does to real objects.
protocol ResourceProvider: Sendable {
    /// Creates the object; records it in state as soon as it exists (before waiting for it).
    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value]
    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value]
    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws
    /// Deletes an object whose creation did not complete; by default as any other.
    func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws
}

extension ResourceProvider {
    func deleteTainted(_ address: ResourceAddress, prior: [String: Value]) async throws {
        try await delete(address, prior: prior)
    }
}

/// How a provider records progress mid-operation: the pending create token before the call,
/// the object's ID right after it.
struct Recorder: Sendable {
    var pending: @Sendable (_ token: String) async throws -> Void
    var created: @Sendable (_ attributes: [String: Value]) async throws -> Void
    var token: String
    /// True when an earlier run began this create: the object may exist already.
    var resumed: Bool
}

struct EngineError: Error, CustomStringConvertible {
    var description: String
}

// MARK: aws_security_group

struct SecurityGroupProvider: ResourceProvider {
    let context: EngineContext
    var ec2: EC2Client { context.ec2 }

    func defaultVPC() async throws -> String? {
        try await ec2.describeVpcs(filters: [EC2Filter("is-default", ["true"])]).first?.vpcId
    }

    func read(_ id: String) async throws -> EC2SecurityGroup? {
        // Just after creation a group may not be readable yet: retry NotFound a few times.
        for attempt in 0..<10 {
            do {
                if let group = try await ec2.describeSecurityGroups(filters: [EC2Filter("group-id", [id])]).first { return group }
            } catch {
                guard error.code == "InvalidGroup.NotFound" else { throw error }
            }
            try await Task.sleep(nanoseconds: UInt64(0.2 * Double(attempt + 1) * 1e9))
        }
        return nil
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let tags = AWSAttributes.stringMap(desired["tags"]).merging(context.ownershipTags(address)) { _, own in own }
        // A group this stack created for this address but failed to record is adopted, not duplicated.
        var id = try await ec2.describeSecurityGroups(filters: [EC2Filter("tag:tfy:stack", [context.stack]), EC2Filter("tag:tfy:address", [address.description])]).first?.groupId
        if id == nil {
            var vpc = desired["vpc_id"]?.stringValue
            if vpc == nil { vpc = try await defaultVPC() }
            do {
                id = try await ec2.createSecurityGroup(name: desired["name"]?.stringValue ?? address.name, description: desired["description"]?.stringValue ?? "Managed by tfy",
                                                       vpcId: vpc, tags: tags)
            } catch {
                guard error.code == "InvalidGroup.Duplicate" else { throw error }
                throw EngineError(description: "a security group named \(Value.quoted(desired["name"]?.stringValue ?? "")) already exists in this VPC and does not belong to stack \(Value.quoted(context.stack)); tfy never adopts another stack's objects. Choose another name, or import it by tagging it tfy:stack=\(context.stack), tfy:address=\(address)")
            }
        }
        guard let id else { throw EngineError(description: "CreateSecurityGroup returned no group ID") }
        try await record.created(["id": .string(id)])
        guard let group = try await read(id) else { throw EngineError(description: "security group \(id) was created but cannot be read") }
        try await syncRules(group, desired: desired)
        guard let final = try await read(id) else { throw EngineError(description: "security group \(id) disappeared") }
        return AWSAttributes.securityGroupAttributes(final, region: context.region, prior: desired)
    }

    /// Authorizes and revokes so the group's rules are exactly the configured ones. An `egress`
    /// left to the provider (unknown) keeps what AWS has, the default allow-all rule included.
    func syncRules(_ group: EC2SecurityGroup, desired: [String: Value]) async throws {
        let wantedIngress = AWSAttributes.tuples(ofRules: desired["ingress"], selfGroup: group.groupId)
        let haveIngress = AWSAttributes.tuples(ofPermissions: group.ingress)
        try await apply(want: wantedIngress, have: haveIngress, groupId: group.groupId, egress: false)
        if let egress = desired["egress"], !egress.isUnknown {
            let wanted = AWSAttributes.tuples(ofRules: egress, selfGroup: group.groupId)
            try await apply(want: wanted, have: AWSAttributes.tuples(ofPermissions: group.egress), groupId: group.groupId, egress: true)
        }
    }

    func apply(want: Set<AWSAttributes.RuleTuple>, have: Set<AWSAttributes.RuleTuple>, groupId: String, egress: Bool) async throws {
        func key(_ t: AWSAttributes.RuleTuple) -> AWSAttributes.RuleTuple { var k = t; k.description = nil; return k }
        let haveKeys = Set(have.map(key)), wantKeys = Set(want.map(key))
        let revoke = have.filter { !wantKeys.contains(key($0)) }
        let authorize = want.filter { !haveKeys.contains(key($0)) }
        if !revoke.isEmpty {
            let permissions = AWSAttributes.permissions(Set(revoke))
            if egress { try await ec2.revokeSecurityGroupEgress(groupId: groupId, permissions: permissions) } else { try await ec2.revokeSecurityGroupIngress(groupId: groupId, permissions: permissions) }
        }
        if !authorize.isEmpty {
            let permissions = AWSAttributes.permissions(Set(authorize))
            if egress { try await ec2.authorizeSecurityGroupEgress(groupId: groupId, permissions: permissions) } else { try await ec2.authorizeSecurityGroupIngress(groupId: groupId, permissions: permissions) }
        }
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        guard let id = prior["id"]?.stringValue, let group = try await read(id) else { throw EngineError(description: "security group \(prior["id"]?.stringValue ?? "?") no longer exists") }
        try await syncRules(group, desired: desired)
        try await syncTags(resource: id, have: group.tags, desired: desired, address: address)
        guard let final = try await read(id) else { throw EngineError(description: "security group \(id) disappeared") }
        return AWSAttributes.securityGroupAttributes(final, region: context.region, prior: desired)
    }

    func syncTags(resource: String, have: [String: String], desired: [String: Value], address: ResourceAddress) async throws {
        try await TagSync.sync(ec2: ec2, resource: resource, have: have, want: AWSAttributes.stringMap(desired["tags"]).merging(context.ownershipTags(address)) { _, own in own })
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let id = prior["id"]?.stringValue else { return }
        let deadline = Date().addingTimeInterval(context.timeouts.delete)
        var delay = 1.0
        while true {
            do {
                try await ec2.deleteSecurityGroup(id: id)
                return
            } catch {
                if error.code == "InvalidGroup.NotFound" { return }
                guard error.code == "DependencyViolation", Date() < deadline else { throw error }
            }
            // Instances that used the group may still be terminating.
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            delay = min(delay * 2, 20)
        }
    }
}

enum TagSync {
    static func sync(ec2: EC2Client, resource: String, have: [String: String], want: [String: String]) async throws {
        let remove = have.keys.filter { want[$0] == nil }.sorted()
        let set = want.filter { have[$0.key] != $0.value }
        if !remove.isEmpty { try await ec2.deleteTags(resources: [resource], keys: remove) }
        if !set.isEmpty { try await ec2.createTags(resources: [resource], tags: set) }
    }
}

// MARK: aws_instance

struct InstanceProvider: ResourceProvider {
    let context: EngineContext
    var ec2: EC2Client { context.ec2 }

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
            request.securityGroupIds = AWSAttributes.strings(desired["vpc_security_group_ids"])
            request.subnetId = desired["subnet_id"]?.stringValue
            request.privateIpAddress = desired["private_ip"]?.stringValue
            request.availabilityZone = desired["availability_zone"]?.stringValue
            request.userData = desired["user_data"]?.stringValue
            request.tags = AWSAttributes.stringMap(desired["tags"]).merging(context.ownershipTags(address)) { _, own in own }
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
        guard let id = prior["id"]?.stringValue else { throw EngineError(description: "the instance has no ID in state") }
        guard var current = try await ec2.describeInstances(ids: [id]).first else { throw EngineError(description: "instance \(id) no longer exists") }
        try await TagSync.sync(ec2: ec2, resource: id, have: current.tags,
                               want: AWSAttributes.stringMap(desired["tags"]).merging(context.ownershipTags(address)) { _, own in own })
        let groups = AWSAttributes.strings(desired["vpc_security_group_ids"]).sorted()
        if !groups.isEmpty, groups != current.securityGroupIds.sorted() {
            try await ec2.modifyInstanceAttribute(id: id, .securityGroups(groups))
        }
        let typeChanged = desired["instance_type"]?.stringValue.map { $0 != current.instanceType } ?? false
        let userDataChanged = desired["user_data"] != prior["user_data"] && desired["user_data"].map { !$0.isNull } == true
        if typeChanged || userDataChanged {
            // Instance type and user data change only while the instance is stopped.
            _ = try await ec2.stopInstances(ids: [id])
            _ = try await context.waiter.wait(for: id, until: ["stopped"], timeout: context.timeouts.update)
            if typeChanged, let type = desired["instance_type"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .instanceType(type)) }
            if userDataChanged, let text = desired["user_data"]?.stringValue { try await ec2.modifyInstanceAttribute(id: id, .userData(text)) }
            _ = try await ec2.startInstances(ids: [id])
            if let running = try await context.waiter.wait(for: id, until: ["running"], timeout: context.timeouts.update) { current = running }
        } else if let refreshed = try await ec2.describeInstances(ids: [id]).first {
            current = refreshed
        }
        return AWSAttributes.instanceAttributes(current, region: context.region, base: desired)
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

// MARK: aws_key_pair

struct KeyPairProvider: ResourceProvider {
    let context: EngineContext

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let name = desired["key_name"]?.stringValue ?? ""
        let pair = try await context.ec2.importKeyPair(name: name, publicKey: desired["public_key"]?.stringValue ?? "",
                                                       tags: AWSAttributes.stringMap(desired["tags"]).merging(context.ownershipTags(address)) { _, own in own })
        var a = desired
        a["id"] = .string(pair.keyName)
        a["key_pair_id"] = pair.keyPairId.map { .string($0) } ?? .null
        a["fingerprint"] = pair.fingerprint.map { .string($0) } ?? .null
        a["arn"] = .string("arn:aws:ec2:\(context.region)::key-pair/\(pair.keyPairId ?? name)")
        return a
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        var a = prior
        a["tags"] = desired["tags"]
        return a
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let name = prior["key_name"]?.stringValue else { return }
        try await context.ec2.deleteKeyPair(name: name)
    }
}
