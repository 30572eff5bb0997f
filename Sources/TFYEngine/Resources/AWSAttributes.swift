import TFYAWS
import TFYCore

/// Conversions between EC2's shapes and the attribute objects of state and plans that every
/// EC2 resource type shares; each type's own mapping is in its file.
enum AWSAttributes {
    static let reservedTagPrefix = "tfy:"

    /// User tags only: tfy's own `tfy:*` tags are not part of the `tags` attribute.
    static func userTags(_ tags: [String: String]) -> Value {
        let user = tags.filter { !$0.key.hasPrefix(reservedTagPrefix) }
        return user.isEmpty ? .null : .map(user.mapValues { .string($0) })
    }

    static func stringMap(_ value: Value?) -> [String: String] {
        (value?.mapValue ?? [:]).compactMapValues { $0.stringValue ?? $0.numberValue.map(Value.format(number:)) }
    }

    /// A whole number EC2 can take; nil for a value that is not one (never a trap on 1e30).
    static func int(_ value: Value?) -> Int? {
        guard let number = value?.numberValue, number.isFinite, abs(number) < 9.0e15 else { return nil }
        return Int(exactly: number.rounded())
    }

    static func strings(_ value: Value?) -> [String] {
        (value?.listValue ?? []).compactMap(\.stringValue)
    }
}

extension EngineContext {
    /// The tags an object carries: the configured `tags`, with tfy's ownership tags over them.
    func tags(_ configured: Value?, for address: ResourceAddress) -> [String: String] {
        AWSAttributes.stringMap(configured).merging(ownershipTags(address)) { _, own in own }
    }
}

/// Sets an object's tags to exactly the wanted ones.
enum TagSync {
    static func sync(ec2: EC2Client, resource: String, have: [String: String], want: [String: String]) async throws {
        let remove = have.keys.filter { want[$0] == nil }.sorted()
        let set = want.filter { have[$0.key] != $0.value }
        if !remove.isEmpty { try await ec2.deleteTags(resources: [resource], keys: remove) }
        if !set.isEmpty { try await ec2.createTags(resources: [resource], tags: set) }
    }
}
