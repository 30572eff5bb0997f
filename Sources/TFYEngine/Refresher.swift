import TFYAWS
import TFYCore

/// Reads every tracked object from EC2 with batched calls — one DescribeSecurityGroups for the
/// stack's groups, ceil(n/1000) DescribeInstances by ID, one DescribeInstances by the stack's
/// tag — and returns the state as it really is, with what changed outside tfy.
public struct Refresher: Sendable {
    public var context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Result: Sendable {
        public var state: State
        /// Objects changed or deleted outside tfy (before: state, after: live; nil when gone).
        public var drift: [PlannedChange]
        /// Objects found by their tags that the state had lost (a crash before a state write).
        public var adopted: [ResourceAddress]
    }

    public func refresh(_ prior: State) async throws(AWSError) -> Result {
        var state = prior
        var drift: [PlannedChange] = []
        var adopted: [ResourceAddress] = []
        let entries = prior.instances

        let groupEntries = entries.filter { $0.address.type == "aws_security_group" }
        if !groupEntries.isEmpty {
            let groups = try await context.ec2.describeSecurityGroups(filters: [EC2Filter("tag:tfy:stack", [context.stack])])
            var byId: [String: EC2SecurityGroup] = [:]
            for group in groups { byId[group.groupId] = group }
            for (address, instance) in groupEntries {
                guard let id = instance.attributes["id"]?.stringValue else { continue }
                let updated = byId[id].map { AWSAttributes.securityGroupAttributes($0, region: context.region, prior: instance.attributes) }
                record(address, instance, updated, into: &state, drift: &drift)
            }
        }

        let instanceEntries = entries.filter { $0.address.type == "aws_instance" }
        let ids = instanceEntries.compactMap { $0.instance.attributes["id"]?.stringValue }
        let alive: Set<String> = ["pending", "running", "stopping", "stopped"]
        var live: [String: EC2Instance] = [:]
        if !ids.isEmpty {
            for instance in try await context.ec2.describeInstances(ids: ids) where alive.contains(instance.state) { live[instance.instanceId] = instance }
        }
        for (address, instance) in instanceEntries {
            guard let id = instance.attributes["id"]?.stringValue else { continue }
            let updated = live[id].map { AWSAttributes.instanceAttributes($0, region: context.region, base: instance.attributes) }
            record(address, instance, updated, into: &state, drift: &drift)
        }
        // Instances of this stack that the state lost track of are adopted by their address tag.
        if !instanceEntries.isEmpty || prior.resources.contains(where: { $0.type == "aws_instance" }) || !prior.isEmpty {
            let tagged = try await context.ec2.describeInstances(filters: [EC2Filter("tag:tfy:stack", [context.stack]),
                                                                          EC2Filter("instance-state-name", Array(alive).sorted())])
            let known = Set(state.instances.compactMap { $0.instance.attributes["id"]?.stringValue })
            for instance in tagged.sorted(by: { $0.instanceId < $1.instanceId }) where !known.contains(instance.instanceId) {
                guard let tag = instance.tags["tfy:address"], let address = ResourceAddress(parsing: tag), address.type == "aws_instance" else { continue }
                if let existing = state.instance(address), existing.attributes["id"]?.stringValue != nil { continue }
                let base = state.instance(address)?.attributes ?? [:]
                state.setInstance(address, StateInstance(indexKey: address.key, attributes: AWSAttributes.instanceAttributes(instance, region: context.region, base: base),
                                                         dependencies: state.instance(address)?.dependencies ?? []))
                adopted.append(address)
            }
        }
        // A create that recorded its token but whose instance is not (yet) visible keeps its
        // entry: the next create of that address reuses the token, so EC2's ClientToken
        // idempotency returns the instance if the lost call did launch it.
        return Result(state: state, drift: drift.sorted { $0.address < $1.address }, adopted: adopted)
    }

    func record(_ address: ResourceAddress, _ instance: StateInstance, _ updated: [String: Value]?, into state: inout State, drift: inout [PlannedChange]) {
        guard let updated else {
            state.setInstance(address, nil)
            drift.append(PlannedChange(address: address, action: .delete, before: .map(instance.attributes), after: nil))
            return
        }
        var refreshed = instance
        refreshed.attributes = updated
        state.setInstance(address, refreshed)
        if updated != instance.attributes {
            drift.append(PlannedChange(address: address, action: .update, before: .map(instance.attributes), after: .map(updated)))
        }
    }
}
