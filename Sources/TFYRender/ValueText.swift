import TFYCore

/// Values as text outside a plan: `tfy output` (and the outputs apply prints) and `tfy state show`.
///
/// Plans keep their own rendering in `PlanTextRenderer`: it marks every line with a change
/// symbol, quotes keys by schema, aligns them and prints multi-line strings as heredocs. The
/// two here differ from each other too, and both are kept, because what they print is what
/// users and scripts have read so far: an output is Terraform's `output` form (a list one
/// element a line, two spaces in, maps inline, a sensitive value redacted), an attribute in
/// `state show` is Terraform's `state show` form (lists and maps spread over lines, four
/// spaces a level, keys quoted, empty collections inline).
public enum ValueText {
    /// What `tfy output` prints in place of a sensitive output's value.
    public static let redacted = "<sensitive>"

    /// An output's value as `tfy output NAME` prints it.
    public static func output(_ output: StateOutput) -> String {
        output.sensitive ? redacted : self.output(output.value)
    }

    /// A value as `tfy output` prints it: a list one element a line.
    public static func output(_ value: Value) -> String {
        switch value {
        case .list(let items): return "[\n" + items.map { "  " + self.output($0) + "," }.joined(separator: "\n") + "\n]"
        default: return value.description
        }
    }

    /// An attribute's value as `tfy state show` prints it, its nested lines `indent` spaces in.
    public static func attribute(_ value: Value, indent: Int = 4) -> String {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .list(let items) where !items.isEmpty:
            return "[\n" + items.map { pad + "    " + attribute($0, indent: indent + 4) + ",\n" }.joined() + pad + "]"
        case .map(let entries) where !entries.isEmpty:
            return "{\n" + entries.keys.sorted().map { pad + "    " + Value.quoted($0) + " = " + attribute(entries[$0]!, indent: indent + 4) + "\n" }.joined() + pad + "}"
        default:
            return value.description
        }
    }
}
