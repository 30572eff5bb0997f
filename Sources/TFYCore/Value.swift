/// A configuration or state value: known, unknown until apply, or marked sensitive.
///
/// Maps and objects share one case; their keys are kept sorted when rendered. `unknown` stands
/// for a value that only apply will tell (an instance's `id`); `sensitive` marks a value that must
/// never be shown, and the mark survives every operation applied to it.
public indirect enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([Value])
    case map([String: Value])
    case unknown
    case sensitive(Value)

    /// The value without its top-level sensitive mark, and whether it had one.
    public var unmarked: (value: Value, sensitive: Bool) {
        if case .sensitive(let inner) = self { return (inner.unmarked.value, true) }
        return (self, false)
    }

    /// The value with every sensitive mark removed, at any depth.
    public var deepUnmarked: Value {
        switch self {
        case .sensitive(let inner): return inner.deepUnmarked
        case .list(let items): return .list(items.map(\.deepUnmarked))
        case .map(let entries): return .map(entries.mapValues(\.deepUnmarked))
        default: return self
        }
    }

    /// This value marked sensitive when `isSensitive` is true.
    public func marked(_ isSensitive: Bool) -> Value {
        guard isSensitive else { return self }
        if case .sensitive = self { return self }
        return .sensitive(self)
    }

    /// This value with a sensitive mark wherever `reference` has one at the same path (a map key,
    /// a list index): what a provider reads back from AWS is as sensitive as what was configured,
    /// so a secret in a tag stays a secret after the tag comes back from EC2.
    public func markedLike(_ reference: Value) -> Value {
        if reference.isSensitive { return marked(true) }
        switch (self, reference) {
        case (.map(let entries), .map(let references)):
            var result = entries
            for (key, value) in entries {
                if let reference = references[key] { result[key] = value.markedLike(reference) }
            }
            return .map(result)
        case (.list(let items), .list(let references)) where references.contains(where: \.isSensitive):
            // AWS may return a list of values in another order (CIDR blocks, group IDs, sorted):
            // where the configuration has a wholly secret element, an element is kept plain only
            // when it equals a plain configured one, so a secret never loses its mark by moving.
            // (Lists of blocks, such as a bootstrap's files, are matched by position below.)
            let plain = Set(references.filter { !$0.containsSensitive })
            return .list(items.map { plain.contains($0) ? $0 : $0.marked(true) })
        case (.list(let items), .list(let references)):
            return .list(items.enumerated().map { i, item in i < references.count ? item.markedLike(references[i]) : item })
        case (.sensitive(let inner), _):
            return .sensitive(inner.markedLike(reference))
        default:
            return self
        }
    }

    public var isSensitive: Bool {
        if case .sensitive = self { return true }
        return false
    }

    /// True when a sensitive mark appears anywhere in the value.
    public var containsSensitive: Bool {
        switch self {
        case .sensitive: return true
        case .list(let items): return items.contains { $0.containsSensitive }
        case .map(let entries): return entries.values.contains { $0.containsSensitive }
        default: return false
        }
    }

    /// True when the value itself is unknown (not merely some element of it).
    public var isUnknown: Bool {
        if case .unknown = unmarked.value { return true }
        return false
    }

    /// True when no part of the value is unknown.
    public var isWhollyKnown: Bool {
        switch self {
        case .unknown: return false
        case .sensitive(let inner): return inner.isWhollyKnown
        case .list(let items): return items.allSatisfy(\.isWhollyKnown)
        case .map(let entries): return entries.values.allSatisfy(\.isWhollyKnown)
        default: return true
        }
    }

    public var isNull: Bool {
        if case .null = unmarked.value { return true }
        return false
    }

    /// A word for the value's kind, as used in error messages ("a number", "a list").
    public var kindDescription: String {
        switch unmarked.value {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .unknown: return "unknown value"
        case .sensitive: return "sensitive value"
        }
    }
}

extension Value {
    /// Numbers render as Terraform does: whole numbers without a fraction.
    public static func format(number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// The number as a whole Int, when it is one and fits.
    public static func wholeNumber(_ number: Double) -> Int? {
        guard number.isFinite, number == number.rounded(), abs(number) <= 9.0e15 else { return nil }
        return Int(number)
    }

    public var stringValue: String? {
        if case .string(let s) = unmarked.value { return s }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let n) = unmarked.value { return n }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = unmarked.value { return b }
        return nil
    }

    public var listValue: [Value]? {
        if case .list(let items) = unmarked.value { return items }
        return nil
    }

    public var mapValue: [String: Value]? {
        if case .map(let entries) = unmarked.value { return entries }
        return nil
    }
}

extension Value: CustomStringConvertible {
    /// A compact, deterministic rendering for messages and tests; sensitive parts are redacted.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return Value.format(number: n)
        case .string(let s): return Value.quoted(s)
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            let body = entries.keys.sorted().map { "\(Value.quoted($0)) = \(entries[$0]!.description)" }
            return "{" + body.joined(separator: ", ") + "}"
        case .unknown: return "(known after apply)"
        case .sensitive: return Value.redacted
        }
    }

    /// What a message shows in place of a sensitive value: Terraform's wording.
    public static let redacted = "(sensitive value)"

    /// `text` quoted for a message, or `(sensitive value)` when it comes from a sensitive value.
    public static func quoted(_ text: String, sensitive: Bool) -> String {
        sensitive ? redacted : quoted(text)
    }

    public static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            // Other control characters, from a hand-edited tag say, never reach the terminal raw.
            case _ where TerminalText.needsEscape(ch, keepingNewlines: false): out += TerminalText.escaped(String(ch))
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
