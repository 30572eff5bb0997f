import Testing
import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct ValueTypeTests {
    @Test(arguments: [
        ("string", ValueType.string), ("list(string)", .list(.string)), ("map(any)", .map(.any)), ("list", .list(.any)),
        ("set( number )", .set(.number)), ("object({a = string, b: list(number)})", .object(["a": .string, "b": .list(.number)])),
        ("tuple([string, bool])", .tuple([.string, .bool])), ("list(map(any))", .list(.map(.any))),
    ])
    func parsesTypeExpressions(_ text: String, _ expected: ValueType) throws {
        #expect(try ValueType.parse(text).get() == expected)
    }

    @Test func rejectsUnknownTypesWithAnOffset() {
        guard case .failure(let error) = ValueType.parse("list(strng)") else { Issue.record("parsed"); return }
        #expect(error.offset == 5)
        #expect(error.message.hasPrefix("\"strng\" is not a type"))
    }

    @Test func convertsAsTerraformDoes() {
        #expect(ValueType.string.convert(.number(3)).successValue == .string("3"))
        #expect(ValueType.number.convert(.string("2.5")).successValue == .number(2.5))
        #expect(ValueType.bool.convert(.string("true")).successValue == .bool(true))
        #expect(ValueType.set(.string).convert(.list([.string("a"), .string("a")])).successValue == .list([.string("a")]))
        #expect(ValueType.number.convert(.sensitive(.string("1"))).successValue == .sensitive(.number(1)))
        #expect(ValueType.list(.number).convert(.list([.number(1), .string("x")])).failureDescription == "element 1: a number is required, but \"x\" is not a number")
        #expect(ValueType.map(.string).convert(.list([])).failureDescription == "map of string required")
    }

    @Test func numbersFormatWithoutNeedlessFractions() {
        #expect(Value.format(number: 3) == "3")
        #expect(Value.format(number: -0.5) == "-0.5")
        #expect(Value.wholeNumber(2.5) == nil)
        #expect(Value.wholeNumber(1e300) == nil)
    }
}

@Suite(.timeLimit(.minutes(30)))
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func matchesTheStandardVectors(_ input: String, _ digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func hashesAMillionAs() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite(.timeLimit(.minutes(30)))
struct DiagnosticsTests {
    @Test func sortsBySourcePositionAndDropsRepeats() {
        let a = Diagnostic.error("A", detail: "x", at: SourceLocation(file: "b.yml", line: 1, column: 1))
        let b = Diagnostic.error("B", detail: "x", at: SourceLocation(file: "a.yml", line: 9, column: 2), address: "r[0]")
        var bAgain = b
        bAgain.address = "r[1]"
        let diagnostics = Diagnostics([a, b, bAgain]).unique
        #expect(diagnostics.sorted.map(\.summary) == ["B", "A"])
        #expect(diagnostics.sorted.first?.address == "r[0]")
    }

    @Test func suggestsOnlyCloseNames() {
        #expect(Suggestion.closest(to: "public_ipp", among: ["public_ip", "private_ip"]) == "public_ip")
        #expect(Suggestion.closest(to: "zzz", among: ["ami"]) == nil)
        #expect(Suggestion.closest(to: "b", among: ["a"]) == nil)
    }
}

extension Result {
    var successValue: Success? { try? get() }
    var failureDescription: String? {
        if case .failure(let error) = self { return "\(error)" }
        return nil
    }
}

@Suite(.timeLimit(.minutes(30)))
struct DurationTextTests {
    @Test(arguments: [
        ("30s", 30.0), ("5m", 300), ("1h30m", 5400), ("1.5m", 90), ("250ms", 0.25), ("2m10s", 130), ("45", 45), (" 10s ", 10),
    ])
    func durationsAsTerraformWritesThem(_ text: String, _ seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "5 minutes", "-3s", "m", "10x", "1h30"])
    func anythingElseIsNotADuration(_ text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    /// What AWS returns in another order keeps its marks by value, not by position: a secret CIDR
    /// sorted after a plain one is still marked, and the plain one is not.
    @Test func marksFollowListElementsByValue() {
        let configured = Value.list([.sensitive(.string("203.0.113.5/32")), .string("10.0.0.0/16")])
        let live = Value.list([.string("10.0.0.0/16"), .string("203.0.113.5/32")])
        #expect(live.markedLike(configured) == .list([.string("10.0.0.0/16"), .sensitive(.string("203.0.113.5/32"))]))
        let tags = Value.map(["Name": .string("box"), "Secret": .string("s")]).markedLike(.map(["Name": .string("box"), "Secret": .sensitive(.string("s"))]))
        #expect(tags == .map(["Name": .string("box"), "Secret": .sensitive(.string("s"))]))
    }
}
