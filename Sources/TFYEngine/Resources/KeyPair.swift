import TFYAWS
import TFYCore

/// `aws_key_pair`: a public key imported by `key_name`; `key_name` and `public_key` force
/// replacement, `tags` update in place (CreateTags/DeleteTags on the key pair ID, as the AWS
/// provider does). Not read by refresh.
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
        let tags = try await read(id: id, name: name)?.tags ?? [:]
        var a = prior
        a["key_pair_id"] = .string(id)
        a["tags"] = AWSAttributes.userTags(tags)
        // A tag's value the configuration marks sensitive stays so when read back.
        return Value.map(a).markedLike(.map(desired)).mapValue ?? a
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
