import TFYCore

/// A configuration with every value evaluated as far as it can be before apply.
public struct EvaluatedConfiguration: Sendable {
    public var configuration: Configuration
    public var variables: [String: Value]
    public var locals: [String: Value]
    /// Sorted by address.
    public var resources: [EvaluatedResource]
    public var outputs: [String: Value]
    /// Sorted by address.
    public var dataSources: [EvaluatedDataSource] = []
    /// Module calls whose `count` or `for_each` keys are not known until apply: they have no
    /// instances yet.
    public var unknownModuleCounts: [UnknownModuleCount] = []
    /// The path of every module instance the configuration has (`module.workers[0]`, …).
    public var moduleInstances: Set<[ModuleStep]> = []

    public init(configuration: Configuration, variables: [String: Value], locals: [String: Value], resources: [EvaluatedResource], outputs: [String: Value]) {
        self.configuration = configuration
        self.variables = variables
        self.locals = locals
        self.resources = resources
        self.outputs = outputs
    }

    /// The resource at `address` (`aws_instance.node`, `module.workers[0].aws_instance.node`).
    public func resource(_ address: String) -> EvaluatedResource? {
        resources.first { $0.address == address }
    }

    /// Every instance of every resource, sorted by address.
    public var instances: [ResourceInstance] { resources.flatMap(\.instances) }
}

/// A module call whose instances cannot be known until apply, and where its `count` or
/// `for_each` is.
public struct UnknownModuleCount: Sendable {
    /// `module.workers`, behind the module instance that calls it.
    public var address: String
    public var location: SourceLocation
    /// With `for_each` keys known only after apply: the error plan reports (validate accepts them).
    public var unknownKeys: Diagnostic?
}

public struct EvaluatedResource: Sendable {
    public var block: ResourceBlock
    /// The module instance the resource belongs to; empty in the root module.
    public var module: [ModuleStep] = []
    /// The evaluated `count`; nil when the resource has no `count`, or when it is not known yet.
    public var count: Int?
    /// False when `count` or `for_each` depends on values not known until apply (or on unset
    /// variables), or could not be evaluated.
    public var countIsKnown: Bool
    /// With `for_each` keys known only after apply: the error plan reports (validate accepts them).
    public var unknownKeys: Diagnostic?
    public var instances: [ResourceInstance]
    /// Addresses (`ResourceAddress.resource`: `type.name`, behind its module path) of the
    /// resources this one depends on, directly, through locals or module calls, and by
    /// `depends_on`; sorted.
    public var dependencies: [String]

    /// `type.name` behind the module path: `module.workers[0].aws_instance.node`.
    public var address: String { resourceAddress.resource }

    /// The address without an instance key.
    public var resourceAddress: ResourceAddress { ResourceAddress(module: module, type: block.type, name: block.name, key: nil) }
}

/// One instance of a resource: its address and the full object of its attributes, with computed
/// attributes unknown and sensitive attributes marked.
public struct ResourceInstance: Sendable, Hashable {
    public var address: ResourceAddress
    public var attributes: [String: Value]
    /// Optional, computed attributes whose configured value is null: the provider chooses them.
    public var nullConfigured: Set<String> = []

    public init(address: ResourceAddress, attributes: [String: Value]) {
        self.address = address
        self.attributes = attributes
    }
}
