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

    /// `render` in pieces as it is written, never held whole.
    public static func write(_ state: State?, resourceTypes: ResourceCatalog, to emit: (String) -> Void) {
        document(state, resourceTypes: resourceTypes).writePretty { emit(String(decoding: $0, as: UTF8.self)) }
    }

    /// An empty or missing state is the format version alone, as Terraform prints it.
    public static func document(_ state: State?, resourceTypes: ResourceCatalog) -> JSONValue {
        guard let state, !isEmpty(state) else { return .object(["format_version": .string(formatVersion)]) }
        return .object([
            "format_version": .string(formatVersion),
            "terraform_version": .string(state.tfyVersion),
            "tfy_version": .string(state.tfyVersion),
            "values": values(state, form: TerraformForm(resourceTypes: resourceTypes), dataForm: DataSourceJSON.form(resourceTypes)),
        ])
    }

    static func isEmpty(_ state: State) -> Bool { objects(state).isEmpty && state.outputs.isEmpty && state.dataResources.isEmpty }

    /// The objects the state records: a create recorded before its call, with no object yet, is
    /// not one.
    static func objects(_ state: State) -> [(address: ResourceAddress, instance: StateInstance)] {
        state.instances.filter { !$0.instance.isPendingCreate }
    }

    static func values(_ state: State, form: TerraformForm, dataForm: TerraformForm? = nil) -> JSONValue {
        let resources = objects(state).map { ($0.address, resource($0.address, instance: $0.instance, form: form)) }
        var data: [(String, JSONValue)] = []
        if let dataForm, !state.dataResources.isEmpty {
            data = DataSourceJSON.objects(state).map { address, instance in
                var object = DataSourceJSON.resourceObject(address, values: .map(instance.attributes), form: dataForm)
                if !instance.dependencies.isEmpty { object["depends_on"] = .array(instance.dependencies.sorted().map { .string($0) }) }
                return ("data." + address.description, JSONValue.object(object))
            }
        }
        var values: [String: JSONValue] = [
            "root_module": PlanJSONRenderer.withRootResources(PlanJSONRenderer.moduleTree(resources)) { own in
                // Data sources among the root's resources by address (`data.` after `aws_`,
                // before `tfy_`), as Terraform lists them; the resources keep their order.
                var list = own
                let split = list.firstIndex { object in
                    guard case .object(let fields) = object, case .string(let address)? = fields["address"] else { return false }
                    return address > "data."
                } ?? list.endIndex
                list.insert(contentsOf: data.map(\.1), at: split)
                return list
            },
        ]
        if !state.outputs.isEmpty {
            values["outputs"] = .object(state.outputs.mapValues { output in
                var object: [String: JSONValue] = ["sensitive": .bool(output.sensitive)]
                // tfy keeps a digest of a sensitive output, never its value: there is none to show.
                if !output.sensitive { object["value"] = TerraformJSON.omittingUnknowns(output.value) ?? .null }
                return .object(object)
            })
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
