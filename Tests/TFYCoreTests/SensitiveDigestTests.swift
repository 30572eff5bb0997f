import Foundation
import Testing
@testable import TFYCore

/// The digest form of sensitive values in state and plan files (docs/plan.md, "State").
@Suite(.timeLimit(.minutes(10)))
struct SensitiveDigestTests {
    /// Bytes 0…31: the HMAC values below are Python's `hmac.new(key, message, sha256)`.
    static let key = StackKey(bytes: Array(0..<32))!

    static func stored(_ value: Value) -> JSONValue {
        var state = State(lineage: "l")
        state.stackKey = key
        state.outputs["o"] = StateOutput(value: value, sensitive: true)
        return state.json["outputs"]?["o"]?["value"] ?? .null
    }

    @Test func aDigestIsHMACSHA256OfTheCanonicalJSONUnderTheStackKey() {
        #expect(Self.stored(.string("hunter2")) == .object(["hmac-sha256": .string("d21965d819fbbae9edced814ab4e2e32051f8b608a3009118f77cb8c05dfc655")]))
        // Not the plain SHA-256 of the same bytes, and another key gives another digest.
        #expect(SHA256.hex(Array("\"hunter2\"".utf8)) == "4ddbb67bf993867e13253c146a339ed3b33ea5b895543569278e99d5b3c2b7d5")
        let other = StackKey(bytes: Array(repeating: 7, count: 32))!
        #expect(other.hexDigest(.string("hunter2")) != Self.key.hexDigest(.string("hunter2")))
    }

    /// User values shaped like a digest of either form are digested, never kept verbatim.
    @Test func valuesThatLookLikeDigestsAreDigestedLikeAnyOther() {
        let oldForm = "sha256:" + String(repeating: "ab", count: 32)
        #expect(Self.stored(.sensitive(.string(oldForm))) == .object(["hmac-sha256": .string("fc1125ebeef750daa1f49c6aff586a31566d0e35e3233115c32814bb90d1d08d")]))
        let newForm = Value.map(["hmac-sha256": .string(String(repeating: "cd", count: 32))])
        #expect(Self.stored(.sensitive(newForm)) == .object(["hmac-sha256": .string("b62f15f515cf911c3d0628ce4383d778583749ce0326ebb51933f0aba565503a")]))
    }

    /// Older tfy kept a sensitive value that itself read like a digest verbatim: a bootstrap's
    /// `triggers` (digests of its scripts and files, sensitive when it uploads files). Upgraded,
    /// it matches the same value now, rather than planning the bootstrap's replacement.
    @Test func aValueOlderTfyKeptVerbatimUpgradesWhenItIsTheSameValueNow() {
        let trigger = "sha256:" + String(repeating: "0f", count: 32)
        let prior = SensitiveDigest.recognised(.map(["scripts": .sensitive(.string(trigger))]))
        let current = Value.map(["scripts": .sensitive(.string(trigger))])
        #expect(SensitiveDigest.upgradingLegacy(prior, current: current, key: Self.key, salt: "l")
                == .map(["scripts": SensitiveDigest.of(.string(trigger), key: Self.key)]))
        // Another value now: the prior stays, and so shows as a change.
        let changed = Value.map(["scripts": .sensitive(.string("sha256:" + String(repeating: "1e", count: 32)))])
        #expect(SensitiveDigest.upgradingLegacy(prior, current: changed, key: Self.key, salt: "l") == prior)
    }

    /// Read back, a digest stays the same digest: written again it is not digested again.
    @Test func digestsSurviveStateAndPlanRoundTrips() throws {
        var state = State(lineage: "l")
        state.stackKey = Self.key
        state.outputs["o"] = StateOutput(value: .sensitive(.string("hunter2")), sensitive: true)
        state.resources = [StateResource(type: "aws_instance", name: "m", instances: [StateInstance(indexKey: nil, attributes: [
            "user_data": .sensitive(.string("x")), "tags": .map(["Secret": .sensitive(.string("y")), "Name": .string("n")]),
        ])])]
        let read = try State.decode(state.encoded()).get()
        #expect(read.outputs["o"]?.value == SensitiveDigest.of(.string("hunter2"), key: Self.key))
        #expect(read.instances.first?.instance.attributes["tags"] == .map(["Secret": SensitiveDigest.of(.string("y"), key: Self.key), "Name": .string("n")]))
        #expect(read.encoded() == state.encoded())
        // A legacy string at a sensitive path is a legacy digest, and is written back as it was.
        let legacyText = String(decoding: state.encoded(), as: UTF8.self)
            .replacingOccurrences(of: "{\n        \"hmac-sha256\": \"d21965d819fbbae9edced814ab4e2e32051f8b608a3009118f77cb8c05dfc655\"\n      }", with: "\"sha256:\(String(repeating: "0", count: 64))\"")
        #expect(legacyText.contains("\"value\": \"sha256:"))
        let legacy = try State.decode(Array(legacyText.utf8)).get()
        #expect(SensitiveDigest.isLegacy(legacy.outputs["o"]!.value))
        #expect(String(decoding: legacy.encoded(), as: UTF8.self) == legacyText)
        let value = Value.map(["a": SensitiveDigest.of(.string("x"), key: Self.key), "b": .sensitive(.unknown)])
        #expect(Plan.decodeValue(Plan.encodeValue(value)) == value)
        // A digest is one value in the mirrors too (Terraform's after_unknown), not an object.
        #expect(Plan.encodeValue(value)["unknown"] == .object(["b": .bool(true)]))
    }

    @Test func theKeyFileIsSixtyFourHexDigits() {
        #expect(String(decoding: Self.key.encoded, as: UTF8.self) == "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")
        #expect(StackKey.decode(Self.key.encoded) == Self.key)
        #expect(StackKey.decode(Array("abc\n".utf8)) == nil)
        #expect(StackKey.decode(Array((String(repeating: "0", count: 62) + "é").utf8)) == nil)
        #expect(StackKey.decode(Array(String(repeating: "g", count: 64).utf8)) == nil)
        #expect(StackKey.generate() != StackKey.generate())
        #expect("\(Self.key)" == "(stack key)")
    }
}
