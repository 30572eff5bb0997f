import TFYCore

/// `yamlencode()`: a value as YAML in the style Terraform writes (go-yaml's emitter), so a
/// configuration moved from Terraform renders the same text into user data or files.
///
/// Block style, two-space indentation, a sequence inside a mapping not indented further, keys
/// in sorted order; every string double-quoted, except one with line breaks, which is a literal
/// block (`|-`, `|`, `|+` after its final line breaks) where YAML allows one; numbers written
/// out in full (1e20 as 100000000000000000000); a document that is only a number, bool or null
/// ends with "...", and a long double-quoted value is folded past column 80 as libyaml folds
/// it. Unlike go-yaml, a key with line breaks stays double-quoted (go-yaml writes a complex
/// `? |-` key): the text differs there, the value read back is the same.
enum YAMLText {
    /// The YAML text of `value` (known, unmarked), or nil when it would be longer than
    /// `byteLimit`: nesting repeats indentation, so the text may be much larger than the value.
    static func encode(_ value: Value, byteLimit: Int) -> String? {
        var writer = Writer(byteLimit: byteLimit)
        writer.node(value, indent: 0)
        writer.out += "\n"
        switch value {
        case .number, .bool, .null: writer.out += "...\n"
        default: break
        }
        return writer.exceeded || writer.out.utf8.count > byteLimit ? nil : writer.out
    }

    private struct Writer {
        let byteLimit: Int
        var out = ""
        var exceeded = false

        init(byteLimit: Int) { self.byteLimit = byteLimit }

        /// Writes `value` starting where the output is; later lines are indented by `indent`.
        mutating func node(_ value: Value, indent: Int) {
            guard !exceeded else { return }
            if out.utf8.count > byteLimit { exceeded = true; return }
            switch value {
            case .list(let items) where !items.isEmpty:
                for (i, item) in items.enumerated() {
                    if i > 0 { newline(indent) }
                    out += "- "
                    node(item, indent: indent + 2)
                }
            case .map(let entries) where !entries.isEmpty:
                for (i, key) in entries.keys.sorted().enumerated() {
                    if i > 0 { newline(indent) }
                    out += YAMLText.doubleQuoted(key) + ":"
                    let item = entries[key]!
                    switch item {
                    case .map(let nested) where !nested.isEmpty:
                        newline(indent + 2)
                        node(item, indent: indent + 2)
                    case .list(let nested) where !nested.isEmpty:
                        // go-yaml writes a sequence in a mapping at the mapping's indentation.
                        newline(indent)
                        node(item, indent: indent)
                    default:
                        out += " "
                        node(item, indent: indent + 2)
                    }
                }
            case .sensitive(let inner):
                node(inner, indent: indent)
            default:
                let column = out.unicodeScalars.reversed().prefix { $0 != "\n" }.count
                out += YAMLText.scalar(value, indent: indent, column: column)
            }
        }

        mutating func newline(_ indent: Int) {
            out += "\n" + String(repeating: " ", count: indent)
        }
    }

    /// A scalar or empty collection; a literal block's lines are indented by `indent`.
    static func scalar(_ value: Value, indent: Int, column: Int = 0) -> String {
        switch value {
        case .null, .unknown: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return plainNumber(n)
        case .list: return "[]"
        case .map: return "{}"
        case .sensitive(let inner): return scalar(inner, indent: indent, column: column)
        case .string(let s):
            guard s.contains("\n"), allowsLiteralBlock(s) else {
                return doubleQuoted(s, folding: (column: column, indent: max(indent, 2)))
            }
            // A document that is only a block has its lines indented too.
            return literalBlock(s, indent: max(indent, 2))
        }
    }

    /// libyaml's rule: a literal block holds only printable characters and no space at the end
    /// of a line or of the text.
    static func allowsLiteralBlock(_ s: String) -> Bool {
        var previous: Unicode.Scalar?
        for c in s.unicodeScalars {
            // Line breaks other than "\n" (NEL, LS, PS) are escaped in a double-quoted string.
            if !isPrintable(c) || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" { return false }
            if c == "\n", previous == " " { return false }
            previous = c
        }
        return previous != " "
    }

    static func literalBlock(_ s: String, indent: Int) -> String {
        var header = "|"
        if s.hasPrefix(" ") || s.hasPrefix("\n") { header += "2" }
        var body = Substring(s)
        if s.hasSuffix("\n") {
            body = body.dropLast()
            if body.hasSuffix("\n") || body.isEmpty { header += "+" }
        } else {
            header += "-"
        }
        let pad = String(repeating: " ", count: indent)
        return header + body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "\n" : "\n" + pad + $0 }.joined()
    }

    /// libyaml's printable characters: what it writes as they are in a double-quoted string.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x0A, 0x20...0x7E, 0x85, 0xA0...0xD7FF, 0x10000...0x10FFFF: return true
        case 0xE000...0xFFFD: return c.value != 0xFEFF
        default: return false
        }
    }

    /// `s` double-quoted with libyaml's escapes. A value (not a key) is folded as libyaml folds
    /// it: at a space past column 80 that follows no other space and is neither the first nor
    /// the last character, the line breaks and continues at `indent` (a `\` keeps a second
    /// space that follows); reading it back gives the same string.
    static func doubleQuoted(_ s: String, folding: (column: Int, indent: Int)? = nil) -> String {
        var out = "\""
        var column = (folding?.column ?? 0) + 1
        var afterSpace = false
        let scalars = Array(s.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            if c == " " {
                if let folding, !afterSpace, column > 80, i != 0, i != scalars.count - 1 {
                    out += "\n" + String(repeating: " ", count: folding.indent)
                    column = folding.indent
                    if i + 1 < scalars.count, scalars[i + 1] == " " {
                        out += "\\"
                        column += 1
                    }
                } else {
                    out += " "
                    column += 1
                }
                afterSpace = true
                continue
            }
            afterSpace = false
            let piece = escaped(c)
            out += piece
            column += piece.unicodeScalars.count
        }
        return out + "\""
    }

    static func escaped(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\0": return "\\0"
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        case "\t": return "\\t"
        case "\n": return "\\n"
        case "\u{0B}": return "\\v"
        case "\u{0C}": return "\\f"
        case "\r": return "\\r"
        case "\u{1B}": return "\\e"
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\u{85}": return "\\N"
        case "\u{2028}": return "\\L"
        case "\u{2029}": return "\\P"
        default:
            if isPrintable(c) { return String(c) }
            let hex = String(c.value, radix: 16, uppercase: true)
            let (escape, width) = c.value <= 0xFF ? ("\\x", 2) : c.value <= 0xFFFF ? ("\\u", 4) : ("\\U", 8)
            return escape + String(repeating: "0", count: width - hex.count) + hex
        }
    }

    /// A number in plain decimal, never in exponent form: 1e20 → "100000000000000000000",
    /// 1e-7 → "0.0000001", from the shortest digits that read back as the same double.
    static func plainNumber(_ n: Double) -> String {
        if n == 0, n.sign == .minus { return "-0" }
        if n == n.rounded(), abs(n) < 9.0e15 { return String(Int64(n)) }
        guard n.isFinite else { return n.isNaN ? ".nan" : (n < 0 ? "-.inf" : ".inf") }
        let shortest = "\(abs(n))"
        let parts = shortest.lowercased().split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let whole = String(mantissa[0])
        let fraction = mantissa.count == 2 ? String(mantissa[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        }
        if digits.count < point { digits += String(repeating: "0", count: point - digits.count) }
        var integer = String(digits.prefix(point))
        var decimals = String(digits.dropFirst(point))
        while decimals.hasSuffix("0") { decimals.removeLast() }
        while integer.count > 1, integer.hasPrefix("0") { integer.removeFirst() }
        return (n < 0 ? "-" : "") + integer + (decimals.isEmpty ? "" : "." + decimals)
    }
}
