import TFYAWS
import TFYCore

/// `aws_key_pair`: a public key imported by `key_name`; `key_name` and `public_key` force
/// replacement, `tags` update in place (CreateTags/DeleteTags on the key pair ID, as the AWS
/// provider does). Refresh reads the stack's key pairs' tags in one call.
struct KeyPairResource: ManagedResourceType {
    static let schema = ResourceSchema(type: "aws_key_pair", body: ObjectSchema([
        "key_name": Attribute(.string, .required, forcesReplacement: true),
        "public_key": Attribute(.string, .required, forcesReplacement: true),
        "tags": Attribute(.stringMap, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "fingerprint": Attribute(.string, .computed),
        "key_pair_id": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        KeyPairProvider(context: context)
    }
}

struct KeyPairProvider: ResourceProvider {
    let context: EngineContext

    /// One DescribeKeyPairs by the stack's tag, only when the state has key pairs: their tags
    /// and ID as EC2 has them. A key pair that answer does not list (one imported
    /// without the stack's tags, or not listed yet) is left as the state records it.
    func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError) {
        guard !entries.isEmpty else { return }
        let pairs = try await context.ec2.describeKeyPairs(ids: [], filters: [EC2Filter("tag:tfy:stack", [context.stack])])
        let byName = Dictionary(pairs.map { ($0.keyName, $0) }, uniquingKeysWith: { a, _ in a })
        for (address, instance) in entries {
            guard let name = instance.attributes["key_name"]?.stringValue, let pair = byName[name] else { continue }
            result.record(address, instance, attributes(pair, prior: instance.attributes))
        }
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        let name = desired["key_name"]?.stringValue ?? ""
        let pair = try await context.ec2.importKeyPair(name: name, publicKey: desired["public_key"]?.stringValue ?? "", tags: context.tags(desired["tags"], for: address))
        var a = desired
        a["id"] = .string(pair.keyName)
        a["key_pair_id"] = pair.keyPairId.map { .string($0) } ?? .null
        a["fingerprint"] = pair.fingerprint.map { .string($0) } ?? .null
        a["arn"] = .string("arn:aws:ec2:\(context.region)::key-pair/\(pair.keyPairId ?? name)")
        return a
    }

    /// Sets the key pair's tags to the configured ones and records the tags EC2 then holds.
    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        let name = prior["key_name"]?.stringValue ?? ""
        guard let pair = try await read(id: prior["key_pair_id"]?.stringValue, name: name), let id = pair.keyPairId else {
            throw EngineError(description: "key pair \(Value.quoted(name)) no longer exists")
        }
        try await TagSync.sync(ec2: context.ec2, resource: id, have: pair.tags, want: context.tags(desired["tags"], for: address))
        var final = pair
        final.tags = try await read(id: id, name: name)?.tags ?? [:]
        var a = prior
        a["tags"] = desired["tags"]
        return attributes(final, prior: a)
    }

    /// `prior` with what EC2 says of the key pair. No tags and `tags: {}` are the same: an empty
    /// map recorded stays. A tag's value the configuration marks sensitive stays so.
    func attributes(_ pair: EC2KeyPair, prior: [String: Value]) -> [String: Value] {
        var a = prior
        a["key_pair_id"] = pair.keyPairId.map { .string($0) } ?? prior["key_pair_id"] ?? .null
        let tags = AWSAttributes.userTags(pair.tags)
        a["tags"] = tags.isNull && prior["tags"]?.unmarked.value.mapValue?.isEmpty == true ? prior["tags"]! : tags
        return Value.map(a).markedLike(.map(prior)).mapValue ?? a
    }

    /// The key pair by its ID (a state written before tfy recorded `key_pair_id` has only the
    /// name), with its tags; nil when EC2 does not know it.
    func read(id: String?, name: String) async throws -> EC2KeyPair? {
        do {
            if let id { return try await context.ec2.describeKeyPairs(ids: [id]).first }
            return try await context.ec2.describeKeyPairs(ids: [], filters: [EC2Filter("key-name", [name])]).first
        } catch {
            guard error.code == "InvalidKeyPair.NotFound" else { throw error }
            return nil
        }
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let name = prior["key_name"]?.stringValue else { return }
        try await context.ec2.deleteKeyPair(name: name)
    }
}
