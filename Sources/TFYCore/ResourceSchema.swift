/// What one attribute of a resource (or of a nested object) accepts.
public struct Attribute: Sendable, Hashable {
    public enum Presence: Sendable, Hashable {
        /// The user must set it.
        case required
        /// The user may set it; otherwise it is null (or `defaultValue`).
        case optional
        /// Only the provider sets it; it is unknown until apply.
        case computed
        /// The user may set it; otherwise the provider decides, and it is unknown until apply.
        case optionalComputed
    }

    public var type: AttributeType
    public var presence: Presence
    /// A change to this attribute replaces the object instead of updating it.
    public var forcesReplacement: Bool
    /// Never shown in plans, logs or output.
    public var sensitive: Bool
    public var defaultValue: Value?
    /// A list of files to upload whose literal `source` paths are read when the configuration
    /// loads, so the plan knows what will be uploaded.
    public var readsSourcesAtLoad: Bool

    public init(
        _ type: AttributeType, _ presence: Presence, forcesReplacement: Bool = false,
        sensitive: Bool = false, default defaultValue: Value? = nil, readsSourcesAtLoad: Bool = false
    ) {
        self.type = type
        self.presence = presence
        self.forcesReplacement = forcesReplacement
        self.sensitive = sensitive
        self.defaultValue = defaultValue
        self.readsSourcesAtLoad = readsSourcesAtLoad
    }

    public var isSettable: Bool { presence != .computed }
    public var isComputed: Bool { presence == .computed || presence == .optionalComputed }
}

/// The shape of an attribute: a plain typed value, a nested object, or a list of nested objects.
public indirect enum AttributeType: Sendable, Hashable {
    case value(ValueType)
    case object(ObjectSchema)
    case objectList(ObjectSchema)

    public static let string = AttributeType.value(.string)
    public static let number = AttributeType.value(.number)
    public static let bool = AttributeType.value(.bool)
    public static let stringList = AttributeType.value(.list(.string))
    public static let stringMap = AttributeType.value(.map(.string))
}

/// A set of named attributes: a resource body, a provider block, or a nested object.
public struct ObjectSchema: Sendable, Hashable {
    public var attributes: [String: Attribute]
    public init(_ attributes: [String: Attribute]) { self.attributes = attributes }

    public var settableNames: [String] { attributes.filter { $0.value.isSettable }.keys.sorted() }
}

/// A resource type: its name and the schema of its body.
public struct ResourceSchema: Sendable, Hashable {
    public var type: String
    public var body: ObjectSchema
    public init(type: String, body: ObjectSchema) {
        self.type = type
        self.body = body
    }
}
