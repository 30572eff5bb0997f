import TFYAWS
import TFYCore

/// Reads every tracked object live and returns the state as it really is, with what changed
/// outside tfy. Each resource type reads its objects with batched calls (see its provider's
/// `refresh`): one DescribeSecurityGroups and one DescribeInstances, both by the stack's tag —
/// two calls for a plan with nothing to do, however many instances; only recorded objects
/// missing from those answers are read by ID. An
/// object the state records that is tagged for another stack is never read into the state
/// (`Result.foreign`); objects of this stack it does not track are `Result.untracked`.
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
        /// Live objects tagged for this stack that the state does not track (a crash before a
        /// state write, a lost state): the planner adopts those whose address is configured.
        public var untracked: [UntrackedObject] = []
        /// The resource types the configuration has: a type looks for untracked objects of its
        /// own when the configuration or the state has any.
        public var configuredTypes: Set<String> = []
        /// Objects the state records by ID that are tagged for another stack: not read into the
        /// state; the run must stop before it changes anything.
        public var foreign: [ForeignObject] = []

        package init(state: State, drift: [PlannedChange] = []) {
            self.state = state
            self.drift = drift
        }

        /// Records an object of another stack that the state points at; the state entry is left
        /// as it was, since nothing of that object may be read into this state.
        package mutating func refuse(_ address: ResourceAddress, id: String, tags: [String: String], stack: String) -> Bool {
            guard let owner = tags["tfy:stack"], owner != stack else { return false }
            foreign.append(ForeignObject(address: address, id: id, stack: owner))
            return true
        }

        /// `attributes` as the state keeps them: sensitive parts digested with the stack's key
        /// (the state refreshed is the one read with it; one without a key gets one of its own,
        /// so a secret is never compared, or shown as drift, in clear).
        mutating func redacted(_ attributes: [String: Value]) -> Value {
            if state.stackKey == nil { state.stackKey = StackKey.generate() }
            return SensitiveDigest.redact(.map(attributes), key: state.stackKey!).0
        }

        /// Records what refresh read of one tracked object: its live attributes, or nil when it is gone.
        package mutating func record(_ address: ResourceAddress, _ instance: StateInstance, _ updated: [String: Value]?) {
            guard let updated else {
                state.setInstance(address, nil)
                drift.append(PlannedChange(address: address, action: .delete, before: redacted(instance.attributes), after: nil))
                return
            }
            var refreshed = instance
            refreshed.attributes = updated
            state.setInstance(address, refreshed)
            // Sensitive parts are compared (and shown) as the state keeps them: by digest. The
            // live value of a sensitive tag is the secret itself, its prior value a digest of it.
            let before = redacted(instance.attributes), after = redacted(updated)
            if after != before {
                drift.append(PlannedChange(address: address, action: .update, before: before, after: after))
            }
        }
    }

    /// An object the state records whose `tfy:stack` tag names another stack.
    public struct ForeignObject: Sendable, Hashable {
        public var address: ResourceAddress
        public var id: String
        public var stack: String
    }

    /// Progress through a refresh, one tracked instance at a time: started when its type's
    /// batched read begins, completed when it has ended, with the object's ID (none for an
    /// object found gone, or one whose creation never got as far as an ID).
    public enum Progress: Sendable {
        case started(ResourceAddress, id: String?)
        case completed(ResourceAddress, id: String?)
    }

    /// Refreshes `prior`; `configuredTypes` are the resource types the configuration has, so
    /// an empty or lost state still finds the stack's objects by their tags.
    public func refresh(_ prior: State, configuredTypes: Set<String> = [],
                        progress: @Sendable (Progress) -> Void = { _ in }) async throws(AWSError) -> Result {
        var result = Result(state: prior, drift: [])
        result.configuredTypes = configuredTypes
        let entries = prior.instances
        for type in registry.types {
            let own = entries.filter { $0.address.type == type.name }
            for entry in own { progress(.started(entry.address, id: entry.instance.attributes["id"]?.stringValue)) }
            try await type.provider(context: context, output: { _, _ in }).refresh(own, prior: prior, into: &result)
            for entry in own { progress(.completed(entry.address, id: result.state.instance(entry.address)?.attributes["id"]?.stringValue)) }
        }
        result.drift.sort { $0.address < $1.address }
        result.foreign.sort { $0.address < $1.address }
        result.untracked.sort { ($0.address, $0.id) < ($1.address, $1.id) }
        return result
    }
}
