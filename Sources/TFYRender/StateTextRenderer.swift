import TFYCore

/// The state as `terraform show` prints it: every object as `tfy state show` prints one (a
/// `# ADDRESS:` line, then its attributes), a blank line between them, then the outputs.
/// Sensitive values are redacted as everywhere else.
public enum StateTextRenderer {
    /// What Terraform prints for a missing or empty state.
    public static let noState = "No state.\n"

    public static func render(_ state: State?) -> String {
        guard let state, !StateJSONRenderer.isEmpty(state) else { return noState }
        var text = StateJSONRenderer.objects(state).map { instance($0.address, $0.instance) }.joined(separator: "\n")
        if !state.outputs.isEmpty {
            text += "\n\nOutputs:\n\n"
            for name in state.outputs.keys.sorted() { text += "\(name) = \(ValueText.output(state.outputs[name]!))\n" }
        }
        return text
    }

    /// One object, as `tfy state show ADDRESS` prints it.
    public static func instance(_ address: ResourceAddress, _ instance: StateInstance) -> String {
        var text = "# \(address):" + (instance.status == .tainted ? " (tainted)" : "") + "\n"
        text += "resource \"\(address.type)\" \"\(address.name)\" {\n"
        let attributes = instance.attributes
        let width = attributes.keys.map(\.count).max() ?? 0
        for key in attributes.keys.sorted() where !attributes[key]!.isNull {
            text += "    \(key)\(String(repeating: " ", count: width - key.count)) = \(ValueText.attribute(attributes[key]!))\n"
        }
        return text + "}\n"
    }
}
