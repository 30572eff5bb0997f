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
    /// `data: {TYPE: {NAME: {...}}}`, sorted by address; each block's `resourceType` is the data
    /// source type, and its address in expressions and state is `data.TYPE.NAME`.
    public var dataSources: [ResourceBlock] = []
    public var outputs: [String: OutputDeclaration] = [:]
    /// `module: {NAME: {source: ./path, ...}}`: the modules this one calls, each with its loaded
    /// configuration.
    public var moduleCalls: [String: ModuleCall] = [:]
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

    /// The data block at `type.name` (the address without its `data.`).
    public func dataSource(_ address: String) -> ResourceBlock? {
        dataSources.first { $0.address == address }
    }
    /// The block of a resource in this module or one it calls: `module.workers[0].aws_instance.node`
    /// is `aws_instance.node` of the module `workers` calls (every instance of a module shares
    /// its blocks).
    public func resource(at address: ResourceAddress) -> ResourceBlock? {
        var configuration = self
        for step in address.module {
            guard let called = configuration.moduleCalls[step.name]?.module else { return nil }
            configuration = called
        }
        return configuration.resource("\(address.type).\(address.name)")
    }

    /// The module this one calls at `path` (instance keys ignored); self for the empty path.
    public func module(at path: [ModuleStep]) -> Configuration? {
        var configuration = self
        for step in path {
            guard let called = configuration.moduleCalls[step.name]?.module else { return nil }
            configuration = called
        }
        return configuration
    }
}

/// `module: {NAME: {source: ./modules/node, count: 3, INPUT: EXPRESSION, ...}}`: a call of the
/// module in a local directory, with its input variables' values. With `for_each` instead of
/// `count`, one instance per key: `module.NAME["KEY"]`.
public struct ModuleCall: Sendable {
    public var name: String
    public var location: SourceLocation
    /// The path as written, `./modules/node`, relative to the calling module's directory.
    public var source: String
    public var sourceLocation: SourceLocation
    public var count: Expression?
    /// `for_each`: a map or a set of strings, one module instance per key (`ForEachArgument`).
    public var forEach: Expression?
    public var dependsOn: [DependsOnEntry] = []
    /// The input variables' values, by variable name.
    public var arguments: [String: AttributeExpression] = [:]
    /// The called module, loaded from `source`; nil when it could not be (an error says why).
    public var module: Configuration?

    public var address: String { "module.\(name)" }
    /// True when instances are addressed by a key: `count` (`[0]`) or `for_each` (`["a"]`).
    public var isRepeated: Bool { count != nil || forEach != nil }
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
