/// The address of a resource instance: `aws_instance.master[1]`, or `aws_security_group.cluster`.
public struct ResourceAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var type: String
    public var name: String
    /// The `count` index; nil for a resource without `count`.
    public var index: Int?

    public init(type: String, name: String, index: Int? = nil) {
        self.type = type
        self.name = name
        self.index = index
    }

    /// `type.name`, without the instance key.
    public var resource: String { "\(type).\(name)" }

    public var description: String { index.map { "\(resource)[\($0)]" } ?? resource }

    public static func < (a: ResourceAddress, b: ResourceAddress) -> Bool {
        if a.type != b.type { return a.type < b.type }
        if a.name != b.name { return a.name < b.name }
        return (a.index ?? -1) < (b.index ?? -1)
    }
}
