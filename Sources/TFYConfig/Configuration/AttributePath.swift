import TFYCore

/// A path into an attribute's value, as `ignore_changes` names it: `ami`, `tags["Name"]` (or
/// `tags.Name`), `root_block_device[0].volume_size`.
public struct AttributePath: Sendable, Hashable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var attribute: String
    public var steps: [Step] = []

    public init(attribute: String, steps: [Step] = []) {
        self.attribute = attribute
        self.steps = steps
    }

    public var description: String {
        attribute + steps.map { step in
            switch step {
            case .key(let key): return "[\(Value.quoted(key))]"
            case .index(let index): return "[\(index)]"
            }
        }.joined()
    }

    /// `planned` (the attribute's configured value) with the part this path names taken from
    /// `prior`, as Terraform's `ignore_changes` does: a map key the prior value lacks is left
    /// out, a list element either lacks is left as configured. Marks are kept.
    public func keepingPrior(planned: Value, prior: Value) -> Value {
        Self.keeping(steps[...], planned: planned, prior: prior)
    }

    private static func keeping(_ steps: ArraySlice<Step>, planned: Value, prior: Value) -> Value {
        guard let step = steps.first else { return prior }
        let (value, sensitive) = planned.unmarked
        let old = prior.unmarked.value
        switch (step, value) {
        case (.key(let key), .map), (.key(let key), .null):
            var entries = value.mapValue ?? [:]
            if let priorEntry = old.mapValue?[key] {
                entries[key] = entries[key].map { keeping(steps.dropFirst(), planned: $0, prior: priorEntry) } ?? priorEntry
            } else {
                entries[key] = nil
            }
            if case .null = value, entries.isEmpty { return planned }
            return Value.map(entries).marked(sensitive)
        case (.index(0), .map):
            // A single nested block, which Terraform writes as a list of one: `root_block_device[0]`.
            return keeping(steps.dropFirst(), planned: planned, prior: prior)
        case (.index(let index), .list(var items)):
            guard let priorItems = old.listValue, index < items.count, index < priorItems.count else { return planned }
            items[index] = keeping(steps.dropFirst(), planned: items[index], prior: priorItems[index])
            return Value.list(items).marked(sensitive)
        default:
            return planned
        }
    }
}
