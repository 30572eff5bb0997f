/// Text from outside tfy (a script's output, an AWS attribute, a file's contents) made safe to
/// print on a terminal.
///
/// A terminal obeys the control characters it is sent: an escape sequence can clear the screen,
/// move the cursor or retitle the window, and a carriage return lets a line overwrite what came
/// before it, so a remote script could forge an "Apply complete!" line. Human output passes such
/// text through `escaped(_:)`; JSON output does not need to (JSON escapes every control character
/// itself) and stays the exact value.
public enum TerminalText {
    /// `text` with every control character spelled out: ESC as `\x1b`, CR as `\r`, LF as `\n`
    /// (kept as a line break when `keepingNewlines`), every other C0 control and DEL as `\xNN`,
    /// and the C1 controls (U+0080–U+009F, which some terminals obey like ESC sequences) as
    /// `\u{NN}`, and the bidirectional overrides that reorder what a reader sees (U+202A–U+202E,
    /// U+2066–U+2069) as `\u{202e}`. Tab is kept: it only moves the cursor right. Everything else, other Unicode
    /// included, is unchanged, and a backslash is not escaped, so escaping twice changes nothing
    /// (text escaped once may be escaped again by a caller that cannot know).
    public static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepingNewlines: keepingNewlines) }) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepingNewlines: keepingNewlines) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\u{1B}": result += "\\x1b"
            case "\r": result += "\\r"
            case "\n": result += "\\n"
            case "\u{80}"..."\u{9F}", "\u{202A}"..."\u{202E}", "\u{2066}"..."\u{2069}": result += "\\u{" + hex(scalar.value) + "}"
            default: result += "\\x" + hex(scalar.value)
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x09: return false
        case 0x0A: return !keepingNewlines
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Two lowercase hex digits.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}
