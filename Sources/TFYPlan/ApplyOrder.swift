import TFYCore

/// The order in which a plan's changes may run: creations and updates after what they depend on,
/// deletions in exactly the reverse order (state records each object's dependencies, so this
/// works when the configuration is gone).
package enum ApplyOrder {
    /// Deletions first, dependents before their dependencies; then everything else,
    /// dependencies before their dependents. No-ops are left out.
    package static func order(_ plan: Plan) -> Result<[String], CycleError<String>> {
        let active = plan.changes.filter { $0.action != .noOp }
        let deletes = active.filter { $0.action == .delete }
        let others = active.filter { $0.action != .delete }
        func graph(_ changes: [PlannedChange]) -> DependencyGraph<String> { ApplyGraph.instanceDependencies(changes).mapNodes(\.description) }
        switch (graph(deletes).topologicalOrder(), graph(others).topologicalOrder()) {
        case let (.success(d), .success(o)): return .success(d.reversed() + o)
        case let (.failure(e), _), let (_, .failure(e)): return .failure(e)
        }
    }
}

/// The check `apply` makes before applying a saved plan: the plan must have been made against
/// the state as it is now, from the configuration as it is now, by this tfy.
public enum SavedPlanCheck {
    public static func staleness(of plan: Plan, currentState: State?, configHash: String, toolVersion: String = TFYVersion.current) -> Diagnostic? {
        var moved: [String] = []
        let current = currentState.map { PriorStateReference(lineage: $0.lineage, serial: $0.serial) }
        if plan.prior?.lineage != current?.lineage {
            moved.append("the state's lineage is \(current.map { Value.quoted($0.lineage) } ?? "none (no state)"), the plan was made against \(plan.prior.map { Value.quoted($0.lineage) } ?? "no state")")
        } else if plan.prior?.serial != current?.serial {
            moved.append("the state's serial is \(current?.serial ?? 0), the plan was made against serial \(plan.prior?.serial ?? 0)")
        }
        if plan.configHash != configHash {
            moved.append("the configuration files changed since the plan was made")
        }
        if plan.toolVersion != toolVersion {
            moved.append("the plan was made by tfy \(plan.toolVersion), this is tfy \(toolVersion)")
        }
        guard !moved.isEmpty else { return nil }
        return .error("Saved plan is stale", detail: "The given plan file can no longer be applied because " + moved.joined(separator: "; ") + ". Run \"tfy plan\" again to make a new plan, review it, and apply that one.")
    }
}
