import TFYCore

/// A configuration with every value evaluated as far as it can be before apply.
public struct EvaluatedConfiguration: Sendable {
    public var configuration: Configuration
    public var variables: [String: Value]
    public var locals: [String: Value]
    /// Sorted by address.
    public var resources: [EvaluatedResource]
    public var outputs: [String: Value]

    public func resource(_ address: String) -> EvaluatedResource? {
        resources.first { $0.block.address == address }
    }

    /// Every instance of every resource, sorted by address.
    public var instances: [ResourceInstance] { resources.flatMap(\.instances) }
}

public struct EvaluatedResource: Sendable {
    public var block: ResourceBlock
    /// The evaluated `count`; nil when the resource has no `count`, or when it is not known yet.
    public var count: Int?
    /// False when `count` or `for_each` depends on values not known until apply (or on unset
    /// variables), or could not be evaluated.
    public var countIsKnown: Bool
    /// With `for_each` keys known only after apply: the error plan reports (validate accepts them).
    public var unknownKeys: Diagnostic?
    public var instances: [ResourceInstance]
    /// Addresses (`type.name`) of the resources this one depends on, directly or through locals,
    /// and by `depends_on`; sorted.
    public var dependencies: [String]
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
