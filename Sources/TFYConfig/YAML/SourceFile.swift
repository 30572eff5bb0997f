import TFYCore

/// The text of one input file, kept for source maps and for the snippets diagnostics show.
public struct SourceFile: Sendable {
    /// The name diagnostics use: the path as the user would type it.
    public var name: String
    public var bytes: [UInt8]
    /// The file's lines as Unicode scalars, decoded leniently (invalid UTF-8 becomes U+FFFD).
    public var lines: [[Unicode.Scalar]]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar == "\n" {
                lines.append(current)
                current = []
            } else if scalar != "\r" {
                current.append(scalar)
            }
        }
        lines.append(current)
        self.lines = lines
    }

    /// The source line `number` (1-based), or nil past the end.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        return String(String.UnicodeScalarView(lines[number - 1]))
    }

    /// The 1-based line and column of a byte offset.
    func location(ofByteOffset offset: Int) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<end where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).unicodeScalars.count + 1
        return SourceLocation(file: name, line: line, column: column)
    }
}

/// Every source file a command read, by name, for rendering snippets.
public typealias SourceFiles = [String: SourceFile]
