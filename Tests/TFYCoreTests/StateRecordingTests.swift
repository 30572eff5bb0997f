import Testing
@testable import TFYCore

/// `setInstance`, which refresh and apply call once per object: an object the state holds is
/// replaced where it is; anything else keeps the state's order and drops what it replaces.
@Suite(.timeLimit(.minutes(5)))
struct StateRecordingTests {
    static func node(_ index: Int) -> ResourceAddress { ResourceAddress(type: "aws_instance", name: "node", index: index) }
    static func instance(_ index: Int, _ id: String) -> StateInstance { StateInstance(indexKey: .int(index), attributes: ["id": .string(id)]) }

    static func ids(_ state: State) -> [String] {
        state.instances.map { "\($0.address)=\($0.instance.attributes["id"]?.stringValue ?? "-")" }
    }

    static func decoded(_ keys: [Int]) throws -> State {
        let instances = keys.map { #"{"index_key": \#($0), "attributes": {"id": "i-\#($0)"}}"# }.joined(separator: ",")
        let text = #"{"version": 1, "lineage": "l", "serial": 1, "resources": [{"mode": "managed", "type": "aws_instance", "name": "node", "instances": [\#(instances)]}]}"#
        return try State.decode(Array(text.utf8)).get()
    }

    @Test func anObjectTheStateHoldsIsReplacedWhereItIs() {
        var state = State(lineage: "l")
        for i in [2, 0, 1] { state.setInstance(Self.node(i), Self.instance(i, "i-\(i)")) }
        state.setInstance(Self.node(1), Self.instance(1, "i-new"))
        #expect(Self.ids(state) == ["aws_instance.node[0]=i-0", "aws_instance.node[1]=i-new", "aws_instance.node[2]=i-2"])
        state.setInstance(Self.node(1), nil)
        state.setInstance(Self.node(0), nil)
        #expect(Self.ids(state) == ["aws_instance.node[2]=i-2"])
        state.setInstance(Self.node(2), nil)
        #expect(state.resources.isEmpty)
    }

    @Test func aStateReadOutOfOrderIsHeldInKeyOrder() throws {
        var state = try Self.decoded([3, 1, 2])
        #expect(Self.ids(state) == ["aws_instance.node[1]=i-1", "aws_instance.node[2]=i-2", "aws_instance.node[3]=i-3"])
        state.setInstance(Self.node(2), Self.instance(2, "i-new"))
        #expect(Self.ids(state) == ["aws_instance.node[1]=i-1", "aws_instance.node[2]=i-new", "aws_instance.node[3]=i-3"])
    }

    /// A hand-edited state may hold one key twice: recording that key leaves one object, as before.
    @Test func aKeyHeldTwiceIsRecordedOnce() throws {
        var state = try Self.decoded([1, 2, 2, 3])
        #expect(state.resources.first?.sortedIndex(of: .int(2)) == nil)
        #expect(state.resources.first?.sortedIndex(of: .int(3)) == 3)
        state.setInstance(Self.node(2), Self.instance(2, "i-new"))
        #expect(Self.ids(state) == ["aws_instance.node[1]=i-1", "aws_instance.node[2]=i-new", "aws_instance.node[3]=i-3"])
    }

    /// A resource read with no instances is dropped by the first recording, as before.
    @Test func anEmptyResourceIsDroppedByARecording() throws {
        var state = try Self.decoded([0])
        state.resources.append(StateResource(type: "aws_security_group", name: "empty", instances: []))
        state.setInstance(Self.node(0), Self.instance(0, "i-new"))
        #expect(state.resources.map(\.name) == ["node"])
        #expect(Self.ids(state) == ["aws_instance.node[0]=i-new"])
    }
}
