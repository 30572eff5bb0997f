import TFYConfig
import TFYCore

/// What a plan says of its data sources: those read (recorded as state records them, shown only
/// in the plan JSON's `prior_state`), and those read during apply (shown as `<= read`).
enum DataSourcePlan {
    /// The data sources read, as the state records them (`mode: "data"`), sensitive parts digested.
    static func state(_ evaluated: EvaluatedConfiguration, key: StackKey) -> [StateResource] {
        evaluated.dataSources.compactMap { source in
            let instances = source.instances.compactMap { instance -> StateInstance? in
                guard case .read(let attributes) = instance.status else { return nil }
                let redacted = SensitiveDigest.redact(.map(attributes), key: key).0.mapValue ?? [:]
                return StateInstance(indexKey: instance.address.key, attributes: redacted, dependencies: source.dependencies)
            }
            guard !instances.isEmpty else { return nil }
            var resource = StateResource(type: source.block.type, name: source.block.name, instances: instances)
            resource.mode = "data"
            return resource
        }
    }

    /// The data sources whose arguments are not known until apply: Terraform's deferred reads.
    static func deferredReads(_ evaluated: EvaluatedConfiguration, key: StackKey) -> [PlannedChange] {
        evaluated.dataSources.flatMap { source in
            source.instances.compactMap { instance -> PlannedChange? in
                guard case .deferred(let attributes) = instance.status else { return nil }
                var change = PlannedChange(address: instance.address, action: .read, reason: .readBecauseConfigUnknown, before: nil,
                                           after: SensitiveDigest.redact(.map(attributes), key: key).0, dependencies: source.dependencies)
                change.dependents = source.dependents
                return change
            }
        }
    }

    /// The reads a targeted plan keeps: those a kept change waits for, directly or through
    /// another kept read. The others would wait for what the plan does not apply.
    static func needed(_ reads: [PlannedChange], by changes: [PlannedChange]) -> [PlannedChange] {
        var wanted = Set(changes.map(\.address.resource))
        var kept: [PlannedChange] = []
        var remaining = reads
        while let index = remaining.firstIndex(where: { !wanted.isDisjoint(with: $0.dependents) }) {
            let read = remaining.remove(at: index)
            kept.append(read)
            wanted.insert("data." + read.address.resource)
        }
        return reads.filter { read in kept.contains { $0.address == read.address } }
    }

    /// A data source left pending when the plan is made: the reads before it failed, or none
    /// were made (a planner run without the engine). An error at the block, never a plan that
    /// goes on with its values unknown.
    static func unread(_ evaluated: EvaluatedConfiguration) -> [Diagnostic] {
        evaluated.pendingReads.values.compactMap(\.first).sorted().compactMap { address in
            let block = evaluated.dataSources.first { address == $0.address || address.hasPrefix($0.address + "[") }?.block
            return .error("Data source not read", detail: "\(address) was not read before planning; its arguments are known, so it is read during plan.",
                          at: block?.location, address: address)
        }
    }
}
