import Testing
@testable import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct PlanValueEncodingTests {
    /// A saved plan rebuilds every value exactly: a sensitive value not known yet (a file's
    /// content read from a key that does not exist until apply) stays sensitive *and* unknown,
    /// however deep it sits — or applying the saved plan finds it "stale".
    @Test func valuesSurviveTheSavedPlanExactly() {
        let value = Value.map([
            "files": .list([
                .map(["content": .sensitive(.unknown), "destination": .string("/tmp/key")]),
                .map(["content": .sensitive(.string("sha256:abc")), "destination": .unknown]),
            ]),
            "id": .unknown,
            "secret": .sensitive(.map(["a": .number(1)])),
            "plain": .list([.null, .bool(true), .number(2.5)]),
        ])
        #expect(Plan.decodeValue(Plan.encodeValue(value)) == value)
    }
}
