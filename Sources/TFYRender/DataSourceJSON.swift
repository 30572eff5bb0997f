import TFYCore

/// Data sources in Terraform's JSON: `mode: "data"`, addresses `data.TYPE.NAME`, values as
/// tfy holds them (an argument left out is null, as Terraform 1.11 shows it, not the empty list
/// the managed types' form makes of an unset block).
enum DataSourceJSON {
    /// The form data sources are rendered with: none (and never the managed type of the same name).
    static func form(_ resourceTypes: ResourceCatalog) -> TerraformForm {
        TerraformForm(resourceTypes: ResourceCatalog())
    }

    /// A data source in `prior_state`, a state's `values` or `planned_values`.
    static func resourceObject(_ address: ResourceAddress, values: Value, form: TerraformForm) -> [String: JSONValue] {
        var object = PlanJSONRenderer.resourceObject(address, values: values, form: form)
        object["address"] = .string("data." + address.description)
        object["mode"] = .string("data")
        return object
    }

    /// The state's data sources, with their addresses.
    static func objects(_ state: State) -> [(address: ResourceAddress, instance: StateInstance)] {
        state.dataResources.flatMap { resource in
            resource.instances.map { (ResourceAddress(type: resource.type, name: resource.name, key: $0.indexKey), $0) }
        }
    }

    /// A deferred read in `resource_changes`.
    static func resourceChange(_ change: PlannedChange, form: TerraformForm) -> JSONValue {
        guard case .object(var object) = PlanJSONRenderer.resourceChange(change, form: form) else { return .null }
        object["address"] = .string("data." + change.address.description)
        object["mode"] = .string("data")
        return .object(object)
    }
}
