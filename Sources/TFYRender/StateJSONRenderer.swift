import TFYCore

/// The state in the `terraform show -json` representation (`internal/command/jsonstate`): what
/// `tfy show -json` prints, and the plan's `prior_state`. Values are in Terraform's form
/// (`TerraformForm`); sensitive values are null, marked in `sensitive_values`, never shown.
public enum StateJSONRenderer {
    /// Terraform's format version of the state representation.
    public static let formatVersion = "1.0"

    public static func render(_ state: State?, resourceTypes: ResourceCatalog) -> String {
        document(state, resourceTypes: resourceTypes).pretty()
    }

    /// `render` in pieces as it is written: each resource's object is made as it is written and
    /// let go, so neither the text nor the tree of a large state is ever held whole.
    public static func write(_ state: State?, resourceTypes: ResourceCatalog, to emit: (String) -> Void) {
        parts(state, resourceTypes: resourceTypes).writePretty { emit(String(decoding: $0, as: UTF8.self)) }
    }

    public static func document(_ state: State?, resourceTypes: ResourceCatalog) -> JSONValue {
        parts(state, resourceTypes: resourceTypes).materialized
    }

    /// The document, its list of resources made as it is written. An empty or missing state is
    /// the format version alone, as Terraform prints it.
    static func parts(_ state: State?, resourceTypes: ResourceCatalog) -> JSONPart {
        guard let state, !isEmpty(state) else { return .value(.object(["format_version": .string(formatVersion)])) }
        return .object([
            ("format_version", .value(.string(formatVersion))),
            ("terraform_version", .value(.string(state.tfyVersion))),
            ("tfy_version", .value(.string(state.tfyVersion))),
            ("values", values(state, form: TerraformForm(resourceTypes: resourceTypes), dataForm: DataSourceJSON.form(resourceTypes))),
        ])
    }

    static func isEmpty(_ state: State) -> Bool { objects(state).isEmpty && state.outputs.isEmpty && state.dataResources.isEmpty }

    /// The objects the state records: a create recorded before its call, with no object yet, is
    /// not one.
    static func objects(_ state: State) -> [(address: ResourceAddress, instance: StateInstance)] {
        state.instances.filter { !$0.instance.isPendingCreate }
    }

    static func values(_ state: State, form: TerraformForm, dataForm: TerraformForm) -> JSONPart {
        let objects = objects(state)
        let own = objects.filter { $0.address.module.isEmpty }
        let nested = objects.filter { !$0.address.module.isEmpty }.map { ($0.address, resource($0.address, instance: $0.instance, form: form)) }
        let data = DataSourceJSON.objects(state)
        // Data sources among the root's resources by address (`data.` after `aws_`, before
        // `tfy_`), as Terraform lists them; the resources keep their order.
        let split = data.isEmpty ? own.endIndex : own.firstIndex { $0.address.description > "data." } ?? own.endIndex
        var values: [(key: String, part: JSONPart)] = [
            ("root_module", PlanJSONRenderer.rootModule(resources: own.count + data.count, nested: nested) { i in
                if i < split { return resource(own[i].address, instance: own[i].instance, form: form) }
                guard i - split < data.count else { return resource(own[i - data.count].address, instance: own[i - data.count].instance, form: form) }
                let (address, instance) = data[i - split]
                var object = DataSourceJSON.resourceObject(address, values: .map(instance.attributes), form: dataForm)
                if !instance.dependencies.isEmpty { object["depends_on"] = .array(instance.dependencies.sorted().map { .string($0) }) }
                return .object(object)
            }),
        ]
        if !state.outputs.isEmpty {
            values.append(("outputs", .value(.object(state.outputs.mapValues { output in
                var object: [String: JSONValue] = ["sensitive": .bool(output.sensitive)]
                // tfy keeps a digest of a sensitive output, never its value: there is none to show.
                if !output.sensitive { object["value"] = TerraformJSON.omittingUnknowns(output.value) ?? .null }
                return .object(object)
            }))))
        }
        return .object(values)
    }

    static func resource(_ address: ResourceAddress, instance: StateInstance, form: TerraformForm) -> JSONValue {
        var object = PlanJSONRenderer.resourceObject(address, values: .map(instance.attributes), form: form)
        if !instance.dependencies.isEmpty { object["depends_on"] = .array(instance.dependencies.sorted().map { .string($0) }) }
        if instance.status == .tainted { object["tainted"] = .bool(true) }
        return .object(object)
    }
}
