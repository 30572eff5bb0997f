/// A JSON document, printed deterministically: keys sorted, two-space indent, final newline.
/// Used for every JSON file and stream tfy writes, so the same inputs give the same bytes.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public func pretty() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out + "\n"
    }

    public func compact() -> String {
        var out = ""
        write(to: &out, indent: nil)
        return out
    }

    func write(to out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let n): out += n.isFinite ? Value.format(number: n) : "null"
        case .string(let s): JSONText.writeString(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                item.write(to: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "]"
        case .object(let entries):
            guard !entries.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, key) in entries.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent.map { $0 + 1 })
                JSONText.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                entries[key]!.write(to: &out, indent: indent.map { $0 + 1 })
            }
            newline(&out, indent)
            out += "}"
        }
    }

    private func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n" + String(repeating: "  ", count: indent)
    }
}
