import TFYCore

/// The wording of `import` block failures found while reading the object and while planning.
public enum ImportProblems {
    /// Terraform's "Cannot import non-existent remote object" detail.
    public static func nonExistent(_ address: ResourceAddress) -> String {
        "While attempting to import an existing object to \"\(address)\", tfy found that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the configured region or endpoint, or use \"tfy apply\" to create a new remote object for this resource."
    }

    /// An object tagged for another stack: never imported, never tagged.
    public static func anotherStack(id: String, owner: String, ownerAddress: String?, stack: String) -> String {
        "\(id) is tagged tfy:stack=\(owner)\(ownerAddress.map { " as \($0)" } ?? ""); this configuration is stack \(Value.quoted(stack)). tfy never takes another stack's objects. To move it, first run tfy state rm in stack \(Value.quoted(owner))."
    }
}
