extension Value {
    /// The value as JSON. Unknown becomes null (callers record unknown paths separately) and
    /// sensitive marks are dropped: redact before calling for anything that is written out.
    public var json: JSONValue {
        switch self {
        case .null, .unknown: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return Value.wholeNumber(n).map { abs(n) < 1e15 ? JSONValue.int($0) : .number(n) } ?? .number(n)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map(\.json))
        case .map(let entries): return .object(entries.mapValues(\.json))
        case .sensitive(let inner): return inner.json
        }
    }

    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .number(Double(i))
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(Value.init(json:)))
        case .object(let entries): self = .map(entries.mapValues(Value.init(json:)))
        }
    }

    /// A JSON mirror of the value with `true` where `predicate` holds, as Terraform's
    /// `after_unknown` and `after_sensitive`: objects and arrays mirror their members; leaves that
    /// do not match are left out of objects (and `false` in arrays).
    public func mirror(_ predicate: (Value) -> Bool) -> JSONValue {
        if predicate(self) { return .bool(true) }
        // A digest is one value, whatever its JSON form: its parts are never mirrored.
        if SensitiveDigest.isDigest(self) { return .bool(false) }
        switch unmarked.value {
        case .list(let items): return .array(items.map { $0.mirror(predicate) })
        case .map(let entries):
            var result: [String: JSONValue] = [:]
            for (key, item) in entries {
                let m = item.mirror(predicate)
                if m != .bool(false) { result[key] = m }
            }
            return .object(result)
        default: return .bool(false)
        }
    }

    /// The value with `.sensitive` marks set at `paths` (lists of keys and indexes).
    public func marking(paths: [[JSONValue]]) -> Value {
        var result = self
        for path in paths { result = result.marking(path: path[...]) }
        return result
    }

    private func marking(path: ArraySlice<JSONValue>) -> Value {
        guard let first = path.first else { return marked(true) }
        switch (self, first) {
        case (.list(var items), .int(let i)) where i >= 0 && i < items.count:
            items[i] = items[i].marking(path: path.dropFirst())
            return .list(items)
        case (.map(var entries), .string(let key)) where entries[key] != nil:
            entries[key] = entries[key]!.marking(path: path.dropFirst())
            return .map(entries)
        default:
            return self
        }
    }
}
