import TFYCore

/// A configuration directory, decoded: every block with its expressions, not yet evaluated.
public struct Configuration: Sendable {
    public var directory: String
    /// The stack name: `stack:` in a file, or the directory's name.
    public var stack: String
    public var variables: [String: VariableDeclaration] = [:]
    public var locals: [String: LocalValue] = [:]
    public var providers: [String: BlockBody] = [:]
    /// Sorted by address.
    public var resources: [ResourceBlock] = []
    public var outputs: [String: OutputDeclaration] = [:]
    public var backend: BackendBlock?
    public var sources: SourceFiles = [:]
    /// False when a file could not be parsed as YAML: then nothing was decoded, as every check of
    /// the rest would only report what the unparsed file declares as missing.
    public var isParsed = true
    /// The resource types the configuration was loaded with.
    public var resourceTypes = ResourceCatalog()

    public func resource(_ address: String) -> ResourceBlock? {
        resources.first { $0.address == address }
    }
}

/// `variable: {NAME: {...}}`.
public struct VariableDeclaration: Sendable {
    public var name: String
    public var location: SourceLocation
    public var type: ValueType?
    public var defaultValue: Value?
    public var description: String?
    public var sensitive = false
    public var nullable = true
    public var validations: [ValidationRule] = []

    public var isRequired: Bool { defaultValue == nil }
}

/// A `validation` rule of a variable: a condition that must hold, and the message when it does not.
public struct ValidationRule: Sendable {
    public var condition: Expression
    public var errorMessage: String
    public var location: SourceLocation
}

public struct LocalValue: Sendable {
    public var name: String
    public var expression: Expression
    public var location: SourceLocation
}

/// An attribute as written: its expression and where its key stands.
public struct AttributeExpression: Sendable {
    public var expression: Expression
    public var keyLocation: SourceLocation
}

/// The attributes of a block (provider, backend), by name.
public struct BlockBody: Sendable {
    public var name: String
    public var location: SourceLocation
    public var attributes: [String: AttributeExpression]
}

public struct BackendBlock: Sendable {
    public var type: String
    public var body: BlockBody
}

/// `resource: {TYPE: {NAME: {...}}}`.
public struct ResourceBlock: Sendable {
    public var type: String
    /// The type's schema and plan rules, from the catalog the configuration was loaded with.
    public var resourceType: any ResourceType
    public var name: String
    public var location: SourceLocation
    public var count: Expression?
    public var dependsOn: [DependsOnEntry] = []
    public var lifecycle = Lifecycle()
    public var attributes: [String: AttributeExpression] = [:]

    public var address: String { "\(type).\(name)" }
    public var schema: ResourceSchema { resourceType.schema }
}

public struct DependsOnEntry: Sendable {
    /// `type.name` of the resource depended on.
    public var address: String
    public var location: SourceLocation
}

public struct Lifecycle: Sendable, Hashable {
    public var preventDestroy = false
    public var createBeforeDestroy = false
    /// Attributes, or parts of them, whose changes are ignored; `all` ignores every attribute.
    public var ignoreChanges: [AttributePath] = []
    public var ignoreAllChanges = false
}

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

/// `output: {NAME: {value: ..., sensitive: ..., description: ...}}`.
public struct OutputDeclaration: Sendable {
    public var name: String
    public var location: SourceLocation
    public var value: Expression
    public var description: String?
    public var sensitive = false
    public var dependsOn: [DependsOnEntry] = []
}

extension Configuration {
    /// An empty configuration: the stack name alone (for commands run where there is none).
    public init(directory: String, stack: String, resourceTypes: ResourceCatalog = ResourceCatalog()) {
        self.directory = directory
        self.stack = stack
        self.resourceTypes = resourceTypes
    }
}
