import TFYCore

/// The text of one input file, kept for source maps and for the snippets diagnostics show.
public struct SourceFile: Sendable {
    /// The name diagnostics use: the path as the user would type it.
    public var name: String
    public var bytes: [UInt8]
    /// The file's lines as Unicode scalars, decoded leniently (invalid UTF-8 becomes U+FFFD).
    /// Lines end where libyaml's do, so its marks index them: at "\n", "\r\n", a lone "\r",
    /// NEL (U+0085), LS (U+2028) and PS (U+2029).
    public var lines: [[Unicode.Scalar]]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        self.lines = bytes.allSatisfy { $0 < 0x80 } ? Self.asciiLines(bytes) : Self.decodedLines(bytes)
    }

    static func decodedLines(_ bytes: [UInt8]) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var afterCarriageReturn = false
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            defer { afterCarriageReturn = scalar == "\r" }
            switch scalar {
            case "\n" where afterCarriageReturn:
                continue  // the second half of "\r\n": the line already ended
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(current)
                current = []
            default:
                current.append(scalar)
            }
        }
        lines.append(current)
        return lines
    }

    /// The same lines as `decodedLines` for ASCII text, a byte at a time and each line made at
    /// its full size: decoding was a noticeable part of loading large files.
    static func asciiLines(_ bytes: [UInt8]) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = []
        var lineStart = 0
        func line(_ end: Int) -> [Unicode.Scalar] {
            var line: [Unicode.Scalar] = []
            line.reserveCapacity(end - lineStart)
            for byte in bytes[lineStart..<end] { line.append(Unicode.Scalar(byte)) }
            return line
        }
        for (i, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "\n") where i > 0 && bytes[i - 1] == UInt8(ascii: "\r"):
                lineStart = i + 1  // the second half of "\r\n": the line already ended
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lines.append(line(i))
                lineStart = i + 1
            default:
                continue
            }
        }
        lines.append(line(bytes.count))
        return lines
    }

    /// The source line `number` (1-based), or nil past the end.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        return String(String.UnicodeScalarView(lines[number - 1]))
    }

    /// The 1-based line and column of a byte offset.
    func location(ofByteOffset offset: Int) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        // The lines before the offset, split as `lines` are; the column counts scalars after the last.
        let before = SourceFile(name: name, bytes: Array(bytes[..<end])).lines
        return SourceLocation(file: name, line: before.count, column: before[before.count - 1].count + 1)
    }
}

/// Every source file a command read, by name, for rendering snippets.
public typealias SourceFiles = [String: SourceFile]
