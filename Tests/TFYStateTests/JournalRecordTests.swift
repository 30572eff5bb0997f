import Foundation
import Testing
import TFYCore
@testable import TFYState

/// A journal record carries exactly what changed, and applied to the state it followed it gives
/// the state it recorded; a sensitive value is digested in it as in the state file.
@Suite(.timeLimit(.minutes(5)))
struct JournalRecordTests {
    static func instance(_ id: String?, token: String? = nil, secret: String = "hunter2-secret") -> StateInstance {
        var attributes: [String: Value] = ["ami": .string("ami-1"), "user_data": Value.string(secret).marked(true)]
        if let id { attributes["id"] = .string(id) }
        return StateInstance(indexKey: nil, attributes: attributes, dependencies: [], createBeforeDestroy: false, privateData: token.map { "client_token=\($0)" })
    }

    @Test func aRecordHoldsTheChangeAndReplaysToTheRecordedState() throws {
        var base = State(lineage: "11111111-2222-3333-4444-555555555555")
        base.serial = 4
        base.stack = "prod"
        base.stackKey = StackKey.generate()
        let a = try #require(ResourceAddress(parsing: "aws_instance.a")), b = try #require(ResourceAddress(parsing: "aws_instance.b"))
        let group = try #require(ResourceAddress(parsing: "aws_security_group.g"))
        base.setInstance(a, Self.instance("i-a"))
        base.setInstance(group, Self.instance("sg-1"))
        var next = base
        next.serial = 5
        next.setInstance(b, Self.instance(nil, token: "tok-b"))
        next.setInstance(group, nil)
        next.outputs["ip"] = StateOutput(value: .string("10.0.0.1"), sensitive: false)
        var image = StateResource(type: "aws_ami", name: "image", instances: [StateInstance(indexKey: nil, attributes: ["id": .string("ami-data")])])
        image.mode = "data"
        base.dataResources = [image]
        next.dataResources = [image]

        let bytes = JournalRecord.encode(from: base, to: next)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("hunter2-secret"), "\(text)")
        #expect(text.contains("\"removed\":[\"aws_security_group.g\"]"), "\(text)")
        #expect(!text.contains("i-a"), "an unchanged instance is not in the record: \(text)")
        #expect(text.contains("client_token=tok-b"))
        #expect(!text.contains("ami-data"), "data sources are not in a record: \(text)")

        // Replayed on the state as read back from the file (digests, not secrets).
        var replayed = try State.decode(base.encoded()).get()
        replayed.stackKey = base.stackKey
        #expect(JournalRecord.apply(bytes, to: &replayed) == nil)
        #expect(replayed.encoded() == next.encoded())
        #expect(replayed.serial == 5)

        // An output unchanged is left out, and the outputs stay as they were.
        var later = next
        later.serial = 6
        let unchanged = JournalRecord.encode(from: next, to: later)
        #expect(!String(decoding: unchanged, as: UTF8.self).contains("\"outputs\""))
        #expect(JournalRecord.apply(unchanged, to: &replayed) == nil)
        #expect(replayed.outputs == next.outputs)
        #expect(replayed.serial == 6)

        var other = State(lineage: "another")
        #expect(JournalRecord.apply(bytes, to: &other) == "the journal record belongs to lineage 11111111-2222-3333-4444-555555555555, not the state's another")
    }

    /// Instances in modules keep their module: a record neither removes them nor moves them to
    /// the root resource of the same type and name.
    @Test func moduleInstancesReplayInTheirModules() throws {
        var base = State(lineage: "11111111-2222-3333-4444-555555555555")
        base.serial = 1
        let root = try #require(ResourceAddress(parsing: "aws_instance.node[0]"))
        let inModule = try #require(ResourceAddress(parsing: #"module.workers["a"].aws_instance.node[0]"#))
        let added = try #require(ResourceAddress(parsing: #"module.workers["b"].aws_instance.node[0]"#))
        base.setInstance(root, StateInstance(indexKey: 0, attributes: ["id": .string("i-root")]))
        base.setInstance(inModule, StateInstance(indexKey: 0, attributes: ["id": .string("i-a")]))
        var next = base
        next.serial = 2
        next.setInstance(added, StateInstance(indexKey: 0, attributes: ["id": .string("i-b")]))
        next.setInstance(inModule, StateInstance(indexKey: 0, attributes: ["id": .string("i-a2")]))

        let bytes = JournalRecord.encode(from: base, to: next)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\"removed\""), "\(text)")
        #expect(!text.contains("i-root"), "an unchanged instance is not in the record: \(text)")
        var replayed = try State.decode(base.encoded()).get()
        #expect(JournalRecord.apply(bytes, to: &replayed) == nil)
        #expect(replayed.instances.map { "\($0.address)=\($0.instance.attributes["id"]?.stringValue ?? "-")" }
            == ["aws_instance.node[0]=i-root", #"module.workers["a"].aws_instance.node[0]=i-a2"#, #"module.workers["b"].aws_instance.node[0]=i-b"#])
        #expect(replayed.encoded() == next.encoded())
    }
}
