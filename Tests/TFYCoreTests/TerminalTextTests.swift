import Testing
import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct TerminalTextTests {
    @Test func controlCharactersAreSpelledOut() {
        #expect(TerminalText.escaped("\u{1B}[2J\u{1B}]0;title\u{07}") == #"\x1b[2J\x1b]0;title\x07"#)
        #expect(TerminalText.escaped("fake\rApply complete!") == #"fake\rApply complete!"#)
        #expect(TerminalText.escaped("a\u{00}b\u{08}c\u{7F}d") == #"a\x00b\x08c\x7fd"#)
        // C1 controls: U+009B is a one-character CSI to some terminals.
        #expect(TerminalText.escaped("x\u{9B}2Jy\u{85}") == #"x\u{9b}2Jy\u{85}"#)
        // Bidirectional overrides make "hs.txt" of "\u{202E}txt.sh" (Trojan Source).
        #expect(TerminalText.escaped("\u{202E}txt.sh\u{2066}\u{2069}") == #"\u{202e}txt.sh\u{2066}\u{2069}"#)
    }

    @Test func newlinesAreEscapedInOneLineFieldsOnly() {
        #expect(TerminalText.escaped("one\ntwo") == #"one\ntwo"#)
        #expect(TerminalText.escaped("one\ntwo\r\n", keepingNewlines: true) == "one\ntwo\\r\n")
    }

    @Test func printableTextIsUnchangedAndEscapingTwiceChangesNothing() {
        let plain = "tab\there — ünïcödé 🚀 \\x1b stays, \"quotes\" and 'too'"
        #expect(TerminalText.escaped(plain) == plain)
        let once = TerminalText.escaped("\u{1B}[31mred\r\n")
        #expect(once == #"\x1b[31mred\r\n"#)
        #expect(TerminalText.escaped(once) == once)
    }
}
