import TFYCore

/// The plan in the `terraform show -json` representation, so tools that consume Terraform plan
/// JSON (policy checkers, PR bots) accept tfy plans. Sensitive values are null, never shown.
public enum PlanJSONRenderer {
    /// `resourceTypes` gives each attribute's Terraform form (`TerraformForm`); a type it does not
    /// know is rendered as tfy holds it.
    public static func render(_ plan: Plan, resourceTypes: ResourceCatalog = ResourceCatalog()) -> String {
        document(plan, resourceTypes: resourceTypes).pretty()
    }

    /// `render` in pieces as it is written (see `JSONPart.writePretty`): each resource's object
    /// is made as it is written and let go, so neither the text nor the tree of a large plan is
    /// ever held whole.
    public static func write(_ plan: Plan, resourceTypes: ResourceCatalog = ResourceCatalog(), to emit: (String) -> Void) {
        parts(plan, resourceTypes: resourceTypes).writePretty { emit(String(decoding: $0, as: UTF8.self)) }
    }

    public static func document(_ plan: Plan, resourceTypes: ResourceCatalog = ResourceCatalog()) -> JSONValue {
        parts(plan, resourceTypes: resourceTypes).materialized
    }

    /// The document, its lists of resources made as they are written.
    static func parts(_ plan: Plan, resourceTypes: ResourceCatalog) -> JSONPart {
        let form = TerraformForm(resourceTypes: resourceTypes)
        let dataForm = DataSourceJSON.form(resourceTypes)
        // Each change's value after, in Terraform's form, is both its planned value and its
        // change's `after`: made once, and the two documents share it.
        let afters = plan.changes.map { AfterForms($0, form: form) }
        let planned = plan.changes.indices.filter { afters[$0] != nil }
        let own = planned.filter { plan.changes[$0].address.module.isEmpty }
        let reads = plan.dataReads.filter { $0.after != nil }
        let nested = planned.filter { !plan.changes[$0].address.module.isEmpty }.map { i in
            (plan.changes[i].address, JSONValue.object(resourceObject(plan.changes[i].address, after: afters[i]!)))
        }
        // The data sources, which only the root module has, after its resources.
        let rootModule = rootModule(resources: own.count + reads.count, nested: nested) { i in
            i < own.count ? .object(resourceObject(plan.changes[own[i]].address, after: afters[own[i]]!))
                : .object(DataSourceJSON.resourceObject(reads[i - own.count].address, values: reads[i - own.count].after!, form: dataForm))
        }
        var root: [(key: String, part: JSONPart)] = [
            ("format_version", .value(.string("1.2"))),
            ("terraform_version", .value(.string(plan.toolVersion))),
            ("tfy_version", .value(.string(plan.toolVersion))),
            ("variables", .value(.object(plan.variables.mapValues { variable in
                variable.sensitive ? .object(["value": .null, "sensitive": .bool(true)])
                    : .object(["value": variable.text.map(JSONValue.string) ?? visible(variable.value)])
            }))),
            ("planned_values", .object([("outputs", .value(.object(plannedOutputs(plan)))), ("root_module", rootModule)])),
            // As Terraform orders them: the data sources read during apply (root module only) first.
            ("resource_changes", .lazyArray(count: plan.dataReads.count + plan.changes.count) { i in
                i < plan.dataReads.count ? DataSourceJSON.resourceChange(plan.dataReads[i], form: dataForm)
                    : resourceChange(plan.changes[i - plan.dataReads.count], form: form, after: afters[i - plan.dataReads.count])
            }),
            ("output_changes", .value(.object(outputChanges(plan)))),
            ("configuration", .value(configuration(plan.configuration, form: form))),
            ("relevant_attributes", .value(.array(plan.relevantAttributes.map {
                .object(["resource": .string($0.resource), "attribute": .array($0.attribute.map { .string($0) })])
            }))),
            // A plan tfy could not make is never written or shown: it is an error instead.
            ("errored", .value(.bool(false))),
            ("applyable", .value(.bool(applyable(plan)))),
            // Terraform's "complete": every object is planned, which -target leaves undone.
            ("complete", .value(.bool(plan.options.targets.isEmpty))),
        ]
        // Terraform leaves out the sections it has nothing for.
        if !plan.drift.isEmpty { root.append(("resource_drift", .lazyArray(count: plan.drift.count) { resourceChange(plan.drift[$0], form: form) })) }
        if let timestamp = plan.timestamp { root.append(("timestamp", .value(.string(timestamp)))) }
        // The data sources this plan read are in its prior state, as Terraform's refreshed state has them.
        var prior = plan.priorState
        if !plan.dataState.isEmpty {
            if prior == nil { prior = State(lineage: "") }
            prior?.dataResources = plan.dataState
        }
        if let state = prior, !StateJSONRenderer.isEmpty(state) {
            root.append(("prior_state", StateJSONRenderer.parts(state, resourceTypes: resourceTypes)))
        }
        return .object(root)
    }

    /// The configuration with each nested block tfy keeps as one object (`root_block_device`)
    /// written as Terraform writes a block: a list of one object of expressions. A block whose
    /// members refer to other values is described by its references as a whole, as tfy has it.
    static func configuration(_ configuration: JSONValue, form: TerraformForm) -> JSONValue {
        guard case .object(var root) = configuration, case .object(var module)? = root["root_module"],
              let resources = module["resources"]?.arrayValue else { return configuration }
        module["resources"] = .array(resources.map { resource in
            guard case .object(var object) = resource, let type = object["type"]?.stringValue, let schema = form.schema(type),
                  case .object(var expressions)? = object["expressions"] else { return resource }
            for (name, expression) in expressions {
                guard case .object? = schema.attributes[name]?.type, expression.objectValue?.count == 1,
                      case .object(let members)? = expression["constant_value"] else { continue }
                expressions[name] = .array([.object(members.mapValues { .object(["constant_value": $0]) })])
            }
            object["expressions"] = .object(expressions)
            return .object(object)
        })
        root["root_module"] = .object(module)
        return .object(root)
    }

    /// Terraform's rule: a plan is applyable when it changes something; a refresh-only plan
    /// when refresh found objects changed outside tfy.
    static func applyable(_ plan: Plan) -> Bool {
        plan.hasChanges || (plan.refreshOnly && !plan.drift.isEmpty)
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

    /// The root module of `planned_values` or of a state representation, as Terraform writes it:
    /// its own `resources` (element `i` made by `resource(i)` as it is written), and
    /// `child_modules`, one per module instance (sorted by address), each with its `address` and
    /// in turn its `resources` and `child_modules`, made from `nested`, the resources in modules.
    /// A module instance with no resources but nested ones still appears, to hold them; a root
    /// module with only child modules has no `resources`, as in Terraform.
    static func rootModule(resources count: Int, nested: [(ResourceAddress, JSONValue)], resource: @escaping (Int) -> JSONValue) -> JSONPart {
        let children = childModules(nested, depth: 0)
        var members: [(key: String, part: JSONPart)] = []
        if count > 0 || children == nil { members.append(("resources", .lazyArray(count: count, element: resource))) }
        if let children { members.append(("child_modules", .value(children))) }
        return .object(members)
    }

    private static func childModules(_ resources: [(ResourceAddress, JSONValue)], depth: Int) -> JSONValue? {
        let nested = resources.filter { $0.0.module.count > depth }
        guard !nested.isEmpty else { return nil }
        let paths = Set(nested.map { Array($0.0.module.prefix(depth + 1)) }).sorted { $0.lexicographicallyPrecedes($1) }
        return .array(paths.map { path in
            let inside = nested.filter { $0.0.module.starts(with: path) }
            var object: [String: JSONValue] = ["address": .string(path.map(\.description).joined(separator: "."))]
            let own = inside.filter { $0.0.module.count == path.count }
            if !own.isEmpty { object["resources"] = .array(own.map(\.1)) }
            if let children = childModules(inside, depth: depth + 1) { object["child_modules"] = children }
            return .object(object)
        })
    }

    /// A resource object of `planned_values` or of a state representation: `values` in
    /// Terraform's form with unknown parts left out, `sensitive_values` its mirror.
    /// A value after, in Terraform's form: with its unknown parts left out (nil when it is wholly
    /// unknown), and its sensitive mirror.
    struct AfterForms {
        let shaped: Value
        let known: JSONValue?
        let sensitive: JSONValue

        init(values: Value, type: String, form: TerraformForm) {
            shaped = form.resource(values, type: type)
            known = TerraformJSON.omittingUnknowns(shaped)
            sensitive = TerraformJSON.sensitiveMirror(shaped, shape: form.shape(ofResource: type))
        }

        init?(_ change: PlannedChange, form: TerraformForm) {
            guard let after = change.after else { return nil }
            self.init(values: after, type: change.address.type, form: form)
        }
    }

    static func resourceObject(_ address: ResourceAddress, values: Value, form: TerraformForm) -> [String: JSONValue] {
        resourceObject(address, after: AfterForms(values: values, type: address.type, form: form))
    }

    static func resourceObject(_ address: ResourceAddress, after: AfterForms) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "address": .string(address.description),
            "mode": .string("managed"),
            "type": .string(address.type),
            "name": .string(address.name),
            "provider_name": .string(Providers.name(forResourceType: address.type)),
            "schema_version": .int(0),
            "values": after.known ?? .object([:]),
            "sensitive_values": after.sensitive,
        ]
        if let key = address.key { object["index"] = key.json }
        return object
    }

    /// `after`, when given, is `AfterForms(change, form: form)`, already made.
    static func resourceChange(_ change: PlannedChange, form: TerraformForm, after given: AfterForms? = nil) -> JSONValue {
        let shape = form.shape(ofResource: change.address.type)
        let before = change.before.map { form.resource($0, type: change.address.type) }
        let after = given ?? AfterForms(change, form: form)
        var inner: [String: JSONValue] = [
            "actions": .array(change.actions.map { .string($0.rawValue) }),
            "before": before.map { TerraformJSON.omittingUnknowns($0) ?? .null } ?? .null,
            "after_unknown": TerraformJSON.afterUnknown(after?.shaped),
            "before_sensitive": before.map { TerraformJSON.sensitiveMirror($0, shape: shape) } ?? .bool(false),
            "after_sensitive": after?.sensitive ?? .bool(false),
        ]
        // Unknown parts are left out of `after` (an object wholly unknown leaves it out).
        if let after { if let known = after.known { inner["after"] = known } } else { inner["after"] = .null }
        // Terraform's `importing` shape, named for what tfy does: adopt an object found by its tags.
        if let id = change.adopting { inner["adopting"] = .object(["id": .string(id)]) }
        if let id = change.importing { inner["importing"] = .object(["id": .string(id)]) }
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
        if let key = change.address.key { object["index"] = key.json }
        if !change.address.module.isEmpty { object["module_address"] = .string(change.address.module.map(\.description).joined(separator: ".")) }
        if let reason = change.reason { object["action_reason"] = .string(reason.rawValue) }
        if let previous = change.previousAddress { object["previous_address"] = .string(previous.description) }
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
            var object: [String: JSONValue] = [
                "actions": .array(output.actions.map { .string($0.rawValue) }),
                "before": output.before.map(visible) ?? .null,
                "after_unknown": output.after.map { $0.isWhollyKnown ? JSONValue.bool(false) : TerraformJSON.unknownMirror($0) } ?? .bool(false),
                "before_sensitive": .bool(output.sensitive && output.before != nil),
                "after_sensitive": .bool(output.sensitive && output.after != nil),
            ]
            // As Terraform: unknown parts are left out of `after`, and a wholly unknown one leaves it out.
            if let after = output.after {
                if let known = TerraformJSON.omittingUnknowns(after) { object["after"] = known }
            } else {
                object["after"] = .null
            }
            result[output.name] = .object(object)
        }
        return result
    }
}
