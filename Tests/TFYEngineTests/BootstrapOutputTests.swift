import Testing
import TFYCore
@testable import TFYEngine

/// The rules remote output is redacted by, and the modes uploads get, checked without a host.
@Suite(.timeLimit(.minutes(30)))
struct BootstrapOutputTests {
    @Test func everyOccurrenceOfAOneLineValueIsReplacedWhateverItsLength() {
        let shown = BootstrapOutput(sensitive: ["hunter2", "q"])
        #expect(shown.line("pw=hunter2 again hunter2hunter2!") == "pw=(sensitive value) again (sensitive value)!")
        #expect(shown.line("quiet") == "(sensitive value)uiet")
        #expect(shown.line("nothing here") == "nothing here")
    }

    @Test func overlappingValuesBecomeOneReplacementAndThePlaceholderIsNeverRescanned() {
        let shown = BootstrapOutput(sensitive: ["abcd", "cdef", "value"])
        #expect(shown.line("xabcdefy") == "x(sensitive value)y")
        #expect(shown.line("a value") == "a (sensitive value)")
    }

    @Test func aMultiLineValueIsLookedForLineByLineSkippingShortLines() {
        #expect(BootstrapOutput.patterns(of: "{\n  \"key\": \"s3cr3t\"\n}\n").map { String(decoding: $0, as: UTF8.self) } == [#""key": "s3cr3t""#])
        #expect(BootstrapOutput.patterns(of: "line one\r\nfi\r\nline two\r\n").map { String(decoding: $0, as: UTF8.self) } == ["line one", "line two"])
        // A one-line value with a trailing line break (a file read with file()) is one line.
        #expect(BootstrapOutput.patterns(of: "ab\n").map { String(decoding: $0, as: UTF8.self) } == ["ab"])
        #expect(BootstrapOutput.patterns(of: "\n \n").isEmpty)
        let shown = BootstrapOutput(sensitive: ["-----BEGIN KEY-----\nQUJDREVG\n-----END KEY-----\n"])
        #expect(shown.line("    QUJDREVG") == "    (sensitive value)")
        #expect(shown.tail(["-----BEGIN KEY-----", "ok"]) == ["(sensitive value)", "ok"])
    }

    @Test func aLargeValueOfManyLinesIsFoundAtAnyOfThem() {
        let content = (0..<50_000).map { "line \($0) of a large secret" }.joined(separator: "\n")
        let shown = BootstrapOutput(sensitive: [content, "ab"])
        let output = (0..<2_000).map { "output \($0) ab" } + ["> line 41234 of a large secret <"]
        #expect(output.map(shown.line).last == "> (sensitive value) <")
        #expect(shown.line("output 7 ab") == "output 7 (sensitive value)")
    }

    @Test func bytesAreComparedNotCharacters() {
        // "e" followed by a combining accent is another Character, but the same bytes.
        let shown = BootstrapOutput(sensitive: ["caf"])
        #expect(shown.line("cafe\u{301}") == "(sensitive value)e\u{301}")
    }

    @Test func suppressedOutputIsOneLineEachAndTheTailOneLine() {
        let shown = BootstrapOutput(sensitive: ["x"], suppress: true)
        #expect(shown.line("anything") == "(output suppressed due to sensitive value in config)")
        #expect(shown.tail(["a", "b"]) == ["(output suppressed due to sensitive value in config)"])
        #expect(shown.tail([]) == [])
    }

    @Test func sensitiveStringsAreFoundUnderEveryMark() {
        let value = Value.map(["a": .string("plain"), "b": .sensitive(.list([.string("one"), .map(["k": .string("two")])])), "c": .sensitive(.number(3))])
        // A sensitive map's keys and a sensitive number's text are secrets too (a script prints them).
        #expect(value.sensitiveStrings == ["one", "k", "two", "3"])
    }

    @Test func aFilesModeDefaultsTo0600ForSensitiveContentAnd0644Otherwise() {
        let files = Value.list([
            .map(["destination": .string("/a"), "content": .sensitive(.string("secret"))]),
            .map(["destination": .string("/b"), "content": .string("plain")]),
            .map(["destination": .string("/c"), "content": .sensitive(.string("secret")), "mode": .string("0640")]),
            .map(["destination": .string("/d"), "source": .string("key.pem")]),
            .sensitive(.map(["destination": .string("/e"), "content": .string("whole item marked")])),
        ])
        #expect(Upload.all(files) == [
            Upload(destination: "/a", source: nil, content: "secret", mode: "0600"),
            Upload(destination: "/b", source: nil, content: "plain", mode: "0644"),
            Upload(destination: "/c", source: nil, content: "secret", mode: "0640"),
            Upload(destination: "/d", source: "key.pem", content: "", mode: "0600"),
            Upload(destination: "/e", source: nil, content: "whole item marked", mode: "0600"),
        ])
    }
}
