import Testing
@testable import TFYCore

/// The parser reads strings without escapes in one step: what it returns, and where it reports
/// a bad string, must be what the scalar-by-scalar reading gave.
@Suite(.timeLimit(.minutes(5)))
struct JSONParserTests {
    @Test func stringsWithAndWithoutEscapesReadExactly() {
        let text = #"{"plain": "sg-0123", "escaped": "a\"b\\c\nd\u00e9\ud83d\ude00", "utf8": "é😀", "": ""}"#
        #expect(JSONValue.parse(Array(text.utf8)) == .success(.object([
            "plain": .string("sg-0123"),
            "escaped": .string("a\"b\\c\nd\u{E9}\u{1F600}"),
            "utf8": .string("é😀"),
            "": .string(""),
        ])))
    }

    @Test func badStringsAreReportedWhereTheyWere() {
        // Invalid UTF-8 is reported after the string's closing quote.
        #expect(JSONValue.parse([0x22, 0xFF, 0x22]) == .failure(JSONValue.ParseError(message: "invalid UTF-8 in a string", line: 1, column: 4)))
        // A raw control character at its own place.
        #expect(JSONValue.parse(Array("\"a\nb\"".utf8)) == .failure(JSONValue.ParseError(message: "control character in a string", line: 1, column: 3)))
        #expect(JSONValue.parse(Array("\"abc".utf8)) == .failure(JSONValue.ParseError(message: "unterminated string", line: 1, column: 5)))
    }
}
