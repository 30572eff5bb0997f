import TFYAWS
import TFYCore

/// Reads every tracked object live and returns the state as it really is, with what changed
/// outside tfy. Each resource type reads its objects with batched calls (see its provider's
/// `refresh`): one DescribeSecurityGroups for the stack's groups, ceil(n/1000)
/// DescribeInstances by ID, one DescribeInstances by the stack's tag.
public struct Refresher: Sendable {
    public var context: EngineContext
    let registry: ResourceRegistry

    public init(context: EngineContext, registry: ResourceRegistry = .standard) {
        self.context = context
        self.registry = registry
    }

    public struct Result: Sendable {
        public var state: State
        /// Objects changed or deleted outside tfy (before: state, after: live; nil when gone).
        public var drift: [PlannedChange]
        /// Objects found by their tags that the state had lost (a crash before a state write).
        public var adopted: [ResourceAddress]

        /// Records what refresh read of one tracked object: its live attributes, or nil when it is gone.
        package mutating func record(_ address: ResourceAddress, _ instance: StateInstance, _ updated: [String: Value]?) {
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

    public func refresh(_ prior: State) async throws(AWSError) -> Result {
        var result = Result(state: prior, drift: [], adopted: [])
        let entries = prior.instances
        for type in registry.types {
            let own = entries.filter { $0.address.type == type.name }
            try await type.provider(context: context, output: { _, _ in }).refresh(own, prior: prior, into: &result)
        }
        result.drift.sort { $0.address < $1.address }
        return result
    }
}
