import Foundation
import TFYAWS
import TFYCore

/// A data source type tfy reads: its schema (arguments settable, exported attributes computed,
/// named as the Terraform AWS provider names them) and one read for a query's arguments.
package protocol DataSourceType: ResourceType {
    /// Reads the objects the configured `arguments` select (arguments left out are absent) and
    /// returns the data source's attributes: the arguments and what it exports. One call per
    /// read, paginated where EC2 pages.
    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead
}

/// What one read found: the attributes, and the tags of every object they were read from (an
/// object tagged for another stack is refused, not read into this state).
package struct DataRead: Sendable {
    package var attributes: [String: Value]
    package var objects: [(id: String, tags: [String: String])]
}

/// A read that matched nothing where one object is needed, or several: the AWS provider's words.
package struct DataSourceError: Error, Sendable {
    package var summary: String
    package var detail: String
}

/// The pieces every data source's schema and read share.
enum DataSourceParts {
    /// `filter: [{name: ..., values: [...]}]`: EC2 filters, as the provider's `filter` blocks.
    static let filter = Attribute(.objectList(ObjectSchema([
        "name": Attribute(.string, .required),
        "values": Attribute(.stringList, .required),
    ])), .optional, isSet: true)

    static func filters(_ value: Value?) -> [EC2Filter] {
        (value?.listValue ?? []).compactMap { item in
            guard let name = item.mapValue?["name"]?.stringValue else { return nil }
            return EC2Filter(name, AWSAttributes.strings(item.mapValue?["values"]))
        }
    }

    /// `tags: {K: V}` as `tag:K` filters, in key order.
    static func tagFilters(_ value: Value?) -> [EC2Filter] {
        let tags = AWSAttributes.stringMap(value)
        return tags.keys.sorted().map { EC2Filter("tag:\($0)", [tags[$0]!]) }
    }

    /// A configured string argument as a filter, when set.
    static func attributeFilter(_ name: String, _ value: Value?) -> [EC2Filter] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue { return [EC2Filter(name, [text])] }
        if let flag = value.boolValue { return [EC2Filter(name, [flag ? "true" : "false"])] }
        return []
    }

    /// A tags attribute as the provider exports it: every tag but tfy's own, `{}` when none.
    static func tags(_ tags: [String: String]) -> Value {
        .map(tags.filter { !$0.key.hasPrefix(AWSAttributes.reservedTagPrefix) }.mapValues { .string($0) })
    }

    static func string(_ text: String?) -> Value { text.map { .string($0) } ?? .null }

    /// The one object a singular data source needs; the provider's errors for none and several.
    static func single<T>(_ found: [T], kind: String, plural: String) throws -> T {
        guard let first = found.first else {
            throw DataSourceError(summary: "no matching \(kind) found", detail: "The query matched no \(kind). Change the arguments so that they select exactly one.")
        }
        guard found.count == 1 else {
            throw DataSourceError(summary: "multiple \(plural) matched; use additional constraints to reduce matches to a single \(kind)",
                                  detail: "The query matched \(found.count) \(plural); add arguments (an id, a filter, tags) that select exactly one.")
        }
        return first
    }

    /// `arn:aws:ec2:REGION:ACCOUNT:RESOURCE`.
    static func arn(_ context: EngineContext, account: String?, _ resource: String) -> Value {
        .string("arn:aws:ec2:\(context.region):\(account ?? ""):\(resource)")
    }
}
