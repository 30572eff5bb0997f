import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// Digests of sensitive values (issue 16, item 5): HMAC-SHA256 under the stack key, a file (or an
/// encrypted S3 object) beside the state that no state or plan holds; a distinct JSON form no
/// user value is taken for; older states read, converged and upgraded.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct StackKeyTests {
    static let config = """
        variable:
          stack_tag: {type: string}
          secret: {type: string, sensitive: true}
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            node: {ami: ami-1ecae776, instance_type: t2.small, user_data: "${var.secret}"}
        output:
          token: {value: "${var.secret}", sensitive: true}
        """

    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The stored form of `secret`'s digest under the key in `keyFile`.
    static func digest(_ secret: String, keyFile: String) throws -> [String: String] {
        let key = try #require(StackKey.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: keyFile)))))
        return ["hmac-sha256": key.hexDigest(.string(secret))]
    }

    static func node(_ state: [String: Any]) -> [String: Any]? {
        ((state["resources"] as? [[String: Any]])?.first?["instances"] as? [[String: Any]])?.first
    }

    static func permissions(_ path: String) throws -> Int? {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    /// A world in which `config` is applied with its secret `hunter2`.
    static func appliedWorld() async throws -> World {
        let world = try await World()
        try world.configure(config)
        world.extraEnvironment["TFY_VAR_secret"] = "hunter2"
        let apply = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")
        return world
    }

    /// A secret that reads like an old digest is digested like any other, in the saved plan of a
    /// stack's first plan and in the state its apply writes: the key the plan made is the one
    /// the apply uses, kept 0600 beside the state, and in neither file.
    @Test func aSecretThatLooksLikeADigestIsDigestedWithTheStackKey() async throws {
        let world = try await World()
        try world.configure(Self.config)
        let hex = String(repeating: "ab", count: 32)
        let secret = "sha256:" + hex
        world.extraEnvironment["TFY_VAR_secret"] = secret
        let plan = await world.tfy(["plan", "cluster", "-out", "first.tfplan", "-no-color"])
        try #require(plan.status == 0, "\(plan.out)\(plan.err)")
        let keyFile = world.statePath + ".key"
        #expect(try Self.permissions(keyFile) == 0o600)
        let keyHex = try Self.text(keyFile).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(keyHex.count == 64)
        let expected = try Self.digest(secret, keyFile: keyFile)

        let planFile = world.directory + "/first.tfplan"
        let planText = try Self.text(planFile)
        #expect(!planText.contains(hex) && !planText.contains(keyHex))
        let saved = try Self.json(planFile)
        #expect(((saved["variables"] as? [String: Any])?["secret"] as? [String: Any]).flatMap { ($0["value"] as? [String: Any])?["value"] as? [String: String] } == expected)

        let apply = await world.tfy(["apply", "first.tfplan", "-no-color"])
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")
        let stateText = try Self.text(world.statePath)
        #expect(!stateText.contains(hex) && !stateText.contains(keyHex))
        let state = try Self.json(world.statePath)
        #expect((Self.node(state)?["attributes"] as? [String: Any])?["user_data"] as? [String: String] == expected)
        #expect(Self.node(state)?["sensitive_attributes"] as? [[String]] == [["user_data"]])
        #expect(((state["outputs"] as? [String: Any])?["token"] as? [String: Any])?["value"] as? [String: String] == expected)
        #expect(try Self.digest(secret, keyFile: keyFile) == expected, "the apply kept the plan's key")

        let again = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
    }

    /// The same secret in two stacks' first plans: two digests, neither a plain SHA-256 of the
    /// value (nor the old one salted with the still empty lineage).
    @Test func firstPlanDigestsDifferBetweenStacksAndAreKeyed() async throws {
        let world = try await World()
        try world.configure(Self.config)
        try FileManager.default.createDirectory(atPath: world.directory + "/other", withIntermediateDirectories: true)
        try ("stack: \(world.stack)b\n" + Self.config + "\n").write(toFile: world.directory + "/other/main.yml", atomically: true, encoding: .utf8)
        world.extraEnvironment["TFY_VAR_secret"] = "hunter2"
        var digests: [String] = []
        for name in ["cluster", "other"] {
            let plan = await world.tfy(["plan", name, "-refresh=false", "-out", "\(name).tfplan"])
            try #require(plan.status == 0, "\(plan.err)")
            let saved = try Self.json(world.directory + "/\(name).tfplan")
            let variable = (saved["variables"] as? [String: Any])?["secret"] as? [String: Any]
            digests.append(try #require((variable?["value"] as? [String: Any])?["value"] as? [String: String])["hmac-sha256"] ?? "")
        }
        #expect(digests[0].count == 64 && digests[1].count == 64)
        #expect(digests[0] != digests[1])
        for unkeyed in [SHA256.hex(Array("\"hunter2\"".utf8)), SHA256.hex(Array("\u{0}\"hunter2\"".utf8))] {
            #expect(!digests.contains(unkeyed))
            for name in ["cluster", "other"] { #expect(try !Self.text(world.directory + "/\(name).tfplan").contains(unkeyed)) }
        }
    }

    /// A state whose key is gone: the plan warns and shows the sensitive values as changed
    /// (it cannot compare them); with the key back, nothing to do.
    @Test func aMissingKeyIsWarnedAboutAndItsDigestsPlanAsChanged() async throws {
        let world = try await Self.appliedWorld()
        let keyFile = world.statePath + ".key"
        let key = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        try FileManager.default.removeItem(atPath: keyFile)

        let lost = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(lost.status == 2, "\(lost.out)\(lost.err)")
        #expect(lost.err.contains("Warning: Stack key not found\n\nThe state holds digests of sensitive values, but the stack key they were made with is not at \(keyFile), so tfy cannot tell whether those values changed: it plans each of them as changed, and the next apply stores them under a new key. If you have the key (on another machine, in a backup), put it back at \(keyFile) before you apply.\n"), "\(lost.err)")
        #expect(lost.out.contains("~ user_data"), "\(lost.out)")
        #expect(!FileManager.default.fileExists(atPath: keyFile), "a plan writes no key")

        try key.write(to: URL(fileURLWithPath: keyFile))
        let restored = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(restored.status == 0, "\(restored.out)\(restored.err)")
        #expect(restored.err == "")
    }

    /// A state written before the stack key (legacy `sha256:` digests salted with the lineage,
    /// no key file): read, planned with no changes, and upgraded by the next write.
    @Test func anOldFormatStateConvergesAndIsUpgradedOnTheNextWrite() async throws {
        let world = try await Self.appliedWorld()
        // Rewrite it as older tfy wrote it: the digests as salted SHA-256 strings, no key.
        var stateText = try Self.text(world.statePath)
        let state = try Self.json(world.statePath)
        let lineage = try #require(state["lineage"] as? String)
        let current = try Self.digest("hunter2", keyFile: world.statePath + ".key")["hmac-sha256"]!
        let legacy = "sha256:" + SHA256.hex(Array((lineage + "\u{0}\"hunter2\"").utf8))
        func downgrade(_ json: JSONValue) -> JSONValue {
            switch json {
            case .object(let members) where members == ["hmac-sha256": .string(current)]: return .string(legacy)
            case .object(let members): return .object(members.mapValues(downgrade))
            case .array(let items): return .array(items.map(downgrade))
            default: return json
            }
        }
        #expect(stateText.contains(current))
        stateText = downgrade(try JSONValue.parse(Array(stateText.utf8)).get()).pretty()
        #expect(!stateText.contains("hmac-sha256") && stateText.components(separatedBy: legacy).count == 3, "\(stateText)")
        try stateText.write(toFile: world.statePath, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: world.statePath + ".key")

        let plan = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")
        #expect(plan.out.contains("No changes."), "\(plan.out)")
        #expect(plan.err == "")

        let upgrade = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color"])
        #expect(upgrade.status == 0, "\(upgrade.out)\(upgrade.err)")
        #expect(upgrade.out.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."), "\(upgrade.out)")
        let upgraded = try Self.json(world.statePath)
        let expected = try Self.digest("hunter2", keyFile: world.statePath + ".key")
        #expect((Self.node(upgraded)?["attributes"] as? [String: Any])?["user_data"] as? [String: String] == expected)
        #expect(((upgraded["outputs"] as? [String: Any])?["token"] as? [String: Any])?["value"] as? [String: String] == expected)
        #expect(try !Self.text(world.statePath).contains(legacy))
        let after = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(after.status == 0, "\(after.out)\(after.err)")
    }

    /// `state migrate` takes the key along: to S3 as an object beside the state, encrypted at
    /// rest, and back to a local file (0600) on another machine; plans against either converge.
    @Test func stateMigrateMovesTheStackKey() async throws {
        let world = try await Self.appliedWorld()
        let keyFile = world.statePath + ".key"
        let key = try Data(contentsOf: URL(fileURLWithPath: keyFile))

        try await world.prepareS3()
        let backend = "backend:\n  s3: {bucket: \(S3BackendTests.bucket), key: \(world.stateKey), region: us-east-1}\n"
        try backend.write(toFile: world.directory + "/cluster/backend.yml", atomically: true, encoding: .utf8)
        let migrate = await world.tfy(["state", "migrate", "-chdir", "cluster"])
        #expect(migrate.status == 0, "\(migrate.out)\(migrate.err)")
        let object = world.stateKey + ".keys/stack-key"
        #expect(migrate.out.contains("The stack key was kept in s3://\(S3BackendTests.bucket)/\(object).\n"), "\(migrate.out)")
        #expect(try await world.s3Object(object) == key)
        #expect(try await world.cli(["s3api", "head-object", "--bucket", S3BackendTests.bucket, "--key", object])["ServerSideEncryption"] as? String == "AES256")
        #expect(!FileManager.default.fileExists(atPath: keyFile), "the local key went with the renamed state")
        #expect(FileManager.default.fileExists(atPath: world.statePath + ".migrated.key"))
        let stored = String(decoding: try await world.s3Object(world.stateKey) ?? Data(), as: UTF8.self)
        #expect(!stored.contains(String(decoding: key, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let plan = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")

        // Another machine takes the stack back to a local file: the key comes along.
        let other = world.directory + "/other"
        try FileManager.default.createDirectory(atPath: other + "/cluster", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: world.directory + "/cluster/main.yml", toPath: other + "/cluster/main.yml")
        try backend.write(toFile: other + "/cluster/backend.yml", atomically: true, encoding: .utf8)
        let back = await world.tfy(["state", "migrate", "-to-local", "-chdir", "cluster"], workingDirectory: other)
        #expect(back.status == 0, "\(back.out)\(back.err)")
        let otherKey = other + "/cluster/state/\(world.stack).tfstate.key"
        #expect(back.out.contains("The stack key was kept in ") && back.out.contains("/cluster/state/\(world.stack).tfstate.key.\n"), "\(back.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: otherKey)) == key)
        #expect(try Self.permissions(otherKey) == 0o600)
        try FileManager.default.removeItem(atPath: other + "/cluster/backend.yml")
        let local = await world.tfy(["plan", "cluster", "-detailed-exitcode", "-no-color"], workingDirectory: other)
        #expect(local.status == 0, "\(local.out)\(local.err)")
    }
}
