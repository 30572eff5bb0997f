/// A resource type's pure part: its schema and the rules the planner applies to it. The engine
/// adds reading and changing real objects (TFYEngine's `ManagedResourceType`); the loader and
/// the planner see only this part, through the `ResourceCatalog` they are given.
///
/// - SeeAlso: Terraform's `providers.Interface`, which keeps a type's schema, plan and apply together.
public protocol ResourceType: Sendable {
    /// The type's name and the schema of its body.
    var schema: ResourceSchema { get }
    /// Attributes tfy fills in at plan time when the configuration leaves them out (a bootstrap's
    /// default triggers). They are compared like configured values.
    var derivedAttributeNames: Set<String> { get }
    /// The value of the derived attribute `name`, from an instance's configured attributes.
    func derivedValue(_ name: String, configured: [String: Value]) -> Value
    /// True when a change of `attribute` replaces the object instead of updating it, given the
    /// instance's planned attributes.
    func forcesReplacement(_ attribute: String, planned: [String: Value]) -> Bool
    /// True when an in-place update of `attribute` stops the object and starts it again (an
    /// instance's type): the plan says so. By default false.
    func updateStopsObject(_ attribute: String, planned: [String: Value]) -> Bool
    /// Computed attributes an update must bring back, given the prior state entry: an instance
    /// that tfy stopped for an update that never finished plans `instance_state` "running", so
    /// the plan shows the start. By default none.
    func recoveredAttributes(_ prior: StateInstance) -> [String: Value]
}

extension ResourceType {
    /// The type's name, as configurations and addresses write it (`aws_instance`).
    public var name: String { schema.type }

    public var derivedAttributeNames: Set<String> { [] }

    public func derivedValue(_ name: String, configured: [String: Value]) -> Value { .null }

    public func forcesReplacement(_ attribute: String, planned: [String: Value]) -> Bool {
        schema.body.attributes[attribute]?.forcesReplacement == true
    }

    public func recoveredAttributes(_ prior: StateInstance) -> [String: Value] { [:] }

    public func updateStopsObject(_ attribute: String, planned: [String: Value]) -> Bool { false }
}

/// The resource types a configuration may use, by name. The loader and the planner are given
/// one; they never name a type themselves.
public struct ResourceCatalog: Sendable {
    private let byName: [String: any ResourceType]
    /// The data source types (`data: {aws_ami: ...}`), by name: their arguments are settable
    /// attributes, what they export computed ones.
    private let dataByName: [String: any ResourceType]

    public init(_ types: [any ResourceType] = [], dataSources: [any ResourceType] = []) {
        byName = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        dataByName = Dictionary(dataSources.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(_ name: String) -> (any ResourceType)? { byName[name] }

    /// Every type's name, sorted.
    public var names: [String] { byName.keys.sorted() }

    /// The data source type `name`, if the catalog has it.
    public func dataSource(_ name: String) -> (any ResourceType)? { dataByName[name] }

    /// Every data source type's name, sorted.
    public var dataSourceNames: [String] { dataByName.keys.sorted() }
}

/// A data source type's pure part: its schema alone (a data source is read, never planned).
public struct DataSourceSchema: ResourceType {
    public var schema: ResourceSchema
    public init(_ schema: ResourceSchema) { self.schema = schema }
}
