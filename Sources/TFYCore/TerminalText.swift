/// Text from outside tfy (AWS attributes, remote output, file contents) made safe to print on a
/// terminal. A tag edited by hand or a script's output could otherwise move the cursor, clear the
/// screen, or forge a line such as "Apply complete!": every control character is written as an
/// escape instead, the way Go's `%q` (and so Terraform's plan) writes it. JSON output never goes
/// through here; JSON has escapes of its own.
public enum TerminalText {
    /// `text` with each control character escaped: C0 controls (newline and carriage return
    /// included, tab kept) and DEL as `\x1b`, C1 controls and the bidirectional overrides that can
    /// reorder what a reader sees as `\u009b`. A line of remote output, or a one-line field.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) { out += escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: return false
        case 0x00...0x1F, 0x7F, 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// The escape for one control character.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x00...0x7F: return "\\x" + (hex.count < 2 ? "0" : "") + hex
        default: return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }
}
