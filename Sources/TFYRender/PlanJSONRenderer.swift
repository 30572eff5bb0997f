import TFYCore

/// The plan in the `terraform show -json` representation, so tools that consume Terraform plan
/// JSON (policy checkers, PR bots) accept tfy plans. Sensitive values are null, never shown.
public enum PlanJSONRenderer {
    public static func render(_ plan: Plan) -> String { document(plan).pretty() }

    public static func document(_ plan: Plan) -> JSONValue {
        var root: [String: JSONValue] = [
            "format_version": .string("1.2"),
            "terraform_version": .string(plan.toolVersion),
            "tfy_version": .string(plan.toolVersion),
            "variables": .object(plan.variables.mapValues { variable in
                variable.sensitive ? .object(["value": .null, "sensitive": .bool(true)]) : .object(["value": visible(variable.value)])
            }),
            "planned_values": .object([
                "outputs": .object(plannedOutputs(plan)),
                "root_module": .object(["resources": .array(plan.changes.compactMap { change in
                    guard let after = change.after else { return nil }
                    return resourceObject(change.address, values: after)
                })]),
            ]),
            "resource_changes": .array(plan.changes.map { resourceChange($0) }),
            "resource_drift": .array(plan.drift.map { resourceChange($0) }),
            "output_changes": .object(outputChanges(plan)),
            "configuration": plan.configuration,
            "relevant_attributes": .array(plan.relevantAttributes.map {
                .object(["resource": .string($0.resource), "attribute": .array($0.attribute.map { .string($0) })])
            }),
            "errored": .bool(false),
        ]
        if let state = plan.priorState {
            root["prior_state"] = .object([
                "format_version": .string("1.0"),
                "terraform_version": .string(state.tfyVersion),
                "values": .object([
                    "outputs": .object(state.outputs.mapValues { output in
                        var object: [String: JSONValue] = ["sensitive": .bool(output.sensitive)]
                        object["value"] = output.sensitive ? .null : visible(output.value)
                        return .object(object)
                    }),
                    "root_module": .object(["resources": .array(state.instances.map { resourceObject($0.address, values: .map($0.instance.attributes)) })]),
                ]),
            ])
        }
        return .object(root)
    }

    /// JSON of a value as shown to tools: unknown and sensitive parts are null.
    static func visible(_ value: Value) -> JSONValue {
        switch value {
        case .sensitive, .unknown: return .null
        case .list(let items): return .array(items.map(visible))
        case .map(let entries): return .object(entries.mapValues(visible))
        default: return value.json
        }
    }

    static func known(_ value: Value) -> JSONValue {
        guard case .map(let entries) = value else { return visible(value) }
        return .object(entries.filter { !$0.value.isUnknown }.mapValues(visible))
    }

    static func sensitiveMirror(_ value: Value?) -> JSONValue {
        guard let value else { return .bool(false) }
        let mirror = value.mirror(\.isSensitive)
        return mirror == .bool(false) && value.mapValue != nil ? .object([:]) : mirror
    }

    static func unknownMirror(_ value: Value?) -> JSONValue {
        guard let value else { return .bool(false) }
        let mirror = value.mirror { if case .unknown = $0 { return true }; return false }
        return mirror == .bool(false) && value.mapValue != nil ? .object([:]) : mirror
    }

    static func resourceObject(_ address: ResourceAddress, values: Value) -> JSONValue {
        var object: [String: JSONValue] = [
            "address": .string(address.description),
            "mode": .string("managed"),
            "type": .string(address.type),
            "name": .string(address.name),
            "provider_name": .string(Providers.name(forResourceType: address.type)),
            "schema_version": .int(0),
            "values": known(values),
            "sensitive_values": sensitiveMirror(values),
        ]
        if let index = address.index { object["index"] = .int(index) }
        return .object(object)
    }

    static func resourceChange(_ change: PlannedChange) -> JSONValue {
        var inner: [String: JSONValue] = [
            "actions": .array(change.actions.map { .string($0.rawValue) }),
            "before": change.before.map(visible) ?? .null,
            "after": change.after.map(visible) ?? .null,
            "after_unknown": unknownMirror(change.after),
            "before_sensitive": sensitiveMirror(change.before),
            "after_sensitive": sensitiveMirror(change.after),
        ]
        // Terraform's `importing` shape, named for what tfy does: adopt an object found by its tags.
        if let id = change.adopting { inner["adopting"] = .object(["id": .string(id)]) }
        if !change.replacePaths.isEmpty {
            inner["replace_paths"] = .array(change.replacePaths.map { .array($0.map { .string($0) }) })
        }
        var object: [String: JSONValue] = [
            "address": .string(change.address.description),
            "mode": .string("managed"),
            "type": .string(change.address.type),
            "name": .string(change.address.name),
            "provider_name": .string(Providers.name(forResourceType: change.address.type)),
            "change": .object(inner),
        ]
        if let index = change.address.index { object["index"] = .int(index) }
        if let reason = change.reason { object["action_reason"] = .string(reason.rawValue) }
        return .object(object)
    }

    static func plannedOutputs(_ plan: Plan) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for output in plan.outputs {
            guard let after = output.after else { continue }
            var object: [String: JSONValue] = ["sensitive": .bool(output.sensitive)]
            if after.isWhollyKnown { object["value"] = output.sensitive ? .null : visible(after) }
            result[output.name] = .object(object)
        }
        return result
    }

    static func outputChanges(_ plan: Plan) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for output in plan.outputs {
            result[output.name] = .object([
                "actions": .array(output.actions.map { .string($0.rawValue) }),
                "before": output.before.map(visible) ?? .null,
                "after": output.after.map(visible) ?? .null,
                "after_unknown": output.after.map { $0.isWhollyKnown ? JSONValue.bool(false) : unknownMirror($0) } ?? .bool(false),
                "before_sensitive": .bool(output.sensitive && output.before != nil),
                "after_sensitive": .bool(output.sensitive && output.after != nil),
            ])
        }
        return result
    }
}
