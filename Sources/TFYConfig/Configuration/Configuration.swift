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
    /// The top-level `moved:` and `import:` lists, in file order.
    public var moved: [MovedBlock] = []
    public var imports: [ImportBlock] = []
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
    /// `for_each`: a map or a set of strings, one instance per key (`ForEachArgument`).
    public var forEach: Expression?
    public var dependsOn: [DependsOnEntry] = []
    public var lifecycle = Lifecycle()
    public var attributes: [String: AttributeExpression] = [:]

    public var address: String { "\(type).\(name)" }
    public var schema: ResourceSchema { resourceType.schema }
    /// True when instances are addressed by a key: `count` (`[0]`) or `for_each` (`["zk"]`).
    public var isRepeated: Bool { count != nil || forEach != nil }
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
