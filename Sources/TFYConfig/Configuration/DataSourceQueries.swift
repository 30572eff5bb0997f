import TFYCore

/// One read of a data source: its type and its configured arguments, all known. Blocks (or
/// instances) with the same query are read once.
public struct DataQuery: Sendable, Hashable {
    public var type: String
    /// The configured arguments only, converted to the schema's types; arguments left out are
    /// not part of the query.
    public var arguments: [String: Value]

    public init(type: String, arguments: [String: Value]) {
        self.type = type
        self.arguments = arguments
    }
}

/// What the reads made before an evaluation found: each query's object of attributes (its
/// arguments and what it exports). The evaluator is synchronous; the engine reads the queries
/// an evaluation leaves pending and evaluates again with their results (`DataSourceReader`).
public struct DataResults: Sendable {
    public var values: [DataQuery: [String: Value]] = [:]
    /// A saved plan's results, by instance address (`data.aws_ami.x[0]`): applying it evaluates
    /// with the values it was made with, whatever its arguments evaluate to now (a sensitive
    /// argument is a digest in the plan file, so no query made from the file would match).
    public var saved: [String: [String: Value]] = [:]

    public init() {}

    public subscript(_ query: DataQuery) -> [String: Value]? {
        get { values[query] }
        set { values[query] = newValue }
    }
}

/// One data source block, evaluated.
public struct EvaluatedDataSource: Sendable {
    public var block: ResourceBlock
    public var count: Int?
    public var instances: [DataInstance]
    /// Addresses of the resources it depends on (through locals and other data sources).
    public var dependencies: [String]
    /// What refers to it, directly or through locals, other data sources and module calls:
    /// resources (`ResourceAddress.resource`) and data sources (`data.TYPE.NAME`). A read during
    /// apply goes before these, and a failed one skips them.
    public var dependents: [String] = []

    /// `data.TYPE.NAME`.
    public var address: String { "data.\(block.address)" }
}

/// One instance of a data source: read (its attributes known), waiting for a read this
/// evaluation could not make yet, or deferred to apply because an argument is not known.
public struct DataInstance: Sendable {
    public enum Status: Sendable {
        case read([String: Value])
        case pending(DataQuery)
        /// An argument is known only after apply: the attributes are the configured arguments
        /// with every other attribute unknown.
        case deferred([String: Value])
    }

    /// The instance's address without `data.` (type, name, key); `description` adds it.
    public var address: ResourceAddress
    public var status: Status

    /// `data.aws_ami.x[0]`.
    public var description: String { "data." + address.description }
}

extension EvaluatedConfiguration {
    /// The queries this evaluation could not answer from its `DataResults`, with the addresses
    /// (`data.TYPE.NAME[KEY]`) that asked for each, sorted.
    public var pendingReads: [DataQuery: [String]] {
        var pending: [DataQuery: [String]] = [:]
        for source in dataSources {
            for instance in source.instances {
                if case .pending(let query) = instance.status { pending[query, default: []].append(instance.description) }
            }
        }
        return pending.mapValues { $0.sorted() }
    }
}
