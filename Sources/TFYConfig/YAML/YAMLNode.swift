import TFYCore

/// One node of a parsed YAML document, with where it stands in the source.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: Sendable, Hashable { case plain, singleQuoted, doubleQuoted, literal, folded }

    public struct Scalar: Sendable, Hashable {
        public var text: String
        public var style: ScalarStyle
        /// An explicit tag such as `!!str`, in its short form.
        public var tag: String?
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public var content: Content
    public var start: SourceLocation
    public var end: SourceLocation
    /// How many nodes this one stands for, itself included; bounds alias expansion.
    public var size: Int
    /// Characters of the scalar's text as they appear in the source, for exact expression columns.
    public var sourceMap: ScalarSourceMap

    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var pairs: [Pair]? {
        if case .mapping(let p) = content { return p }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let i) = content { return i }
        return nil
    }

    /// The node as a plain value: scalars resolved by the core schema, no expressions parsed.
    public var literalValue: Value {
        switch content {
        case .scalar(let scalar): return YAMLNode.resolve(scalar)
        case .sequence(let items): return .list(items.map(\.literalValue))
        case .mapping(let pairs):
            var entries: [String: Value] = [:]
            for pair in pairs { entries[pair.key.scalar?.text ?? ""] = pair.value.literalValue }
            return .map(entries)
        }
    }

    /// A word for the node's kind in error messages.
    public var kindDescription: String {
        switch content {
        case .scalar(let s):
            switch YAMLNode.resolve(s) {
            case .null: return "null"
            case .bool: return "a bool"
            case .number: return "a number"
            default: return "a string"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The typed value of a scalar, by the YAML 1.2 core schema: `null`/`~`/empty, `true`/`false`,
    /// integers (decimal, `0x`, `0o`) and decimals; everything else, and anything quoted, is a string.
    public static func resolve(_ scalar: Scalar) -> Value {
        switch scalar.tag {
        case "!!str": return .string(scalar.text)
        case "!!null": return .null
        default: break
        }
        guard scalar.style == .plain else { return .string(scalar.text) }
        let text = scalar.text
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let number = parseNumber(text) { return .number(number) }
        return .string(text)
    }

    static func parseNumber(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return nil }
        if text.hasPrefix("0x"), scalars.count > 2, let n = Int64(text.dropFirst(2), radix: 16) { return Double(n) }
        if text.hasPrefix("0o"), scalars.count > 2, let n = Int64(text.dropFirst(2), radix: 8) { return Double(n) }
        // Decimal: [-+]?(\.d+|d+(\.d*)?)([eE][-+]?d+)?
        var i = 0
        if first == "-" || first == "+" { i = 1 }
        var digits = 0
        while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; digits += 1 }
        if i < scalars.count, scalars[i] == "." {
            i += 1
            while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
            i += 1
            if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { i += 1 }
            var exponentDigits = 0
            while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == scalars.count, let n = Double(text), n.isFinite else { return nil }
        return n
    }
}

/// Maps a character offset in a scalar's text to its location in the source file.
///
/// Exact where the source spells the text verbatim (plain or quoted on one line, or a literal
/// block); elsewhere (escapes, folding) every offset maps to the scalar's first character.
public struct ScalarSourceMap: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case startOnly
        case sameLine(column: Int)
        /// Line `i` of the text is source line `firstLine + i`, starting at `column`.
        case lines(firstLine: Int, column: Int)
    }

    var start: SourceLocation
    var kind: Kind

    public static func startOnly(_ start: SourceLocation) -> ScalarSourceMap {
        ScalarSourceMap(start: start, kind: .startOnly)
    }

    /// A whole file's text: offset 0 is line 1, column 1.
    public static func wholeFile(_ file: String) -> ScalarSourceMap {
        ScalarSourceMap(start: SourceLocation(file: file, line: 1, column: 1), kind: .lines(firstLine: 1, column: 1))
    }

    /// Text written verbatim on one line, its first character at `start`.
    public static func verbatim(startingAt start: SourceLocation) -> ScalarSourceMap {
        ScalarSourceMap(start: start, kind: .sameLine(column: start.column))
    }

    /// The location of character `offset` (counted in Unicode scalars) of `text`.
    public func location(ofOffset offset: Int, in text: String) -> SourceLocation {
        switch kind {
        case .startOnly:
            return start
        case .sameLine(let column):
            return SourceLocation(file: start.file, line: start.line, column: column + offset)
        case .lines(let firstLine, let column):
            var line = 0, lineStart = 0, index = 0
            for scalar in text.unicodeScalars {
                if index == offset { break }
                index += 1
                if scalar == "\n" { line += 1; lineStart = index }
            }
            return SourceLocation(file: start.file, line: firstLine + line, column: column + offset - lineStart)
        }
    }
}
