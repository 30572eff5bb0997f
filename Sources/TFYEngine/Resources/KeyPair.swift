import TFYAWS
import TFYCore

/// `aws_key_pair`: a public key imported by `key_name`. Not read by refresh.
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

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        var a = prior
        a["tags"] = desired["tags"]
        return a
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        guard let name = prior["key_name"]?.stringValue else { return }
        try await context.ec2.deleteKeyPair(name: name)
    }
}
