import TFYCore

/// Renders diagnostics for people (Terraform's layout, with the source line and a caret) and for
/// machines (`terraform validate -json`'s shape).
public struct DiagnosticRenderer: Sendable {
    /// A source line lookup: file name and 1-based line number → the line's text.
    public typealias LineLookup = @Sendable (String, Int) -> String?

    public var color: Bool
    public var line: LineLookup

    public init(color: Bool, line: @escaping LineLookup) {
        self.color = color
        self.line = line
    }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// One diagnostic as a block of text ending in a blank line.
    public func text(_ diagnostic: Diagnostic) -> String {
        let label = diagnostic.severity == .error ? paint("Error:", "1;31") : paint("Warning:", "1;33")
        // A message may quote text from outside tfy (the tail of a script's output, an AWS
        // error): its control characters are shown, not obeyed by the terminal.
        var out = "\(label) \(paint(TerminalText.escaped(diagnostic.summary, keepingNewlines: true), "1"))\n\n"
        if let location = diagnostic.location {
            out += "  on \(location)\(diagnostic.address.map { " (\($0))" } ?? ""):\n"
            if diagnostic.sourceIsSensitive {
                out += "  \(location.line) | \(Value.redacted)\n"
            } else if let source = line(location.file, location.line) {
                let number = String(location.line)
                let gutter = String(repeating: " ", count: number.count)
                out += "  \(number) | \(TerminalText.escaped(source))\n"
                // Keep tabs as tabs so the caret lines up with the column in any terminal.
                let prefix = source.unicodeScalars.prefix(max(location.column - 1, 0)).map { $0 == "\t" ? "\t" : " " }.joined()
                out += "  \(gutter) | \(prefix)^\n"
            }
            out += "\n"
        } else if let address = diagnostic.address {
            out += "  with \(address)\n\n"
        }
        if !diagnostic.detail.isEmpty { out += TerminalText.escaped(diagnostic.detail, keepingNewlines: true) + "\n\n" }
        return out
    }

    /// All diagnostics, in source order.
    public func text(_ diagnostics: Diagnostics) -> String {
        diagnostics.sorted.map { text($0) }.joined()
    }

    /// `tfy validate -json`: the shape of `terraform validate -json`.
    public func validateJSON(_ diagnostics: Diagnostics) -> String {
        JSONValue.object([
            "format_version": .string("1.0"),
            "valid": .bool(!diagnostics.hasErrors),
            "error_count": .int(diagnostics.errors.count),
            "warning_count": .int(diagnostics.warnings.count),
            "diagnostics": .array(diagnostics.sorted.map(json)),
        ]).pretty()
    }

    /// One diagnostic as Terraform's JSON writes them (in `validate -json` and the `-json`
    /// stream's `diagnostic` messages): with its `range` and source `snippet` when it is located.
    public func json(_ diagnostic: Diagnostic) -> JSONValue {
        var item: [String: JSONValue] = [
            "severity": .string(diagnostic.severity.rawValue),
            "summary": .string(diagnostic.summary),
            "detail": .string(diagnostic.detail),
        ]
        if let address = diagnostic.address { item["address"] = .string(address) }
        if let location = diagnostic.location {
            let byte = byteOffset(of: location)
            item["range"] = .object([
                "filename": .string(location.file),
                "start": .object(["line": .int(location.line), "column": .int(location.column), "byte": .int(byte)]),
                "end": .object(["line": .int(location.line), "column": .int(location.column + 1), "byte": .int(byte + 1)]),
            ])
            if diagnostic.sourceIsSensitive {
                // The line holds a sensitive value: the snippet names it, the whole of it highlighted.
                item["snippet"] = .object([
                    "context": .null,
                    "code": .string(Value.redacted),
                    "start_line": .int(location.line),
                    "highlight_start_offset": .int(0),
                    "highlight_end_offset": .int(Value.redacted.utf8.count),
                    "values": .array([]),
                ])
            } else if let code = line(location.file, location.line) {
                let highlight = code.unicodeScalars.prefix(max(location.column - 1, 0)).reduce(0) { $0 + String($1).utf8.count }
                item["snippet"] = .object([
                    "context": .null,
                    "code": .string(code),
                    "start_line": .int(location.line),
                    "highlight_start_offset": .int(highlight),
                    "highlight_end_offset": .int(highlight + 1),
                    "values": .array([]),
                ])
            }
        }
        return .object(item)
    }

    /// The byte offset of a location, counting each line's UTF-8 bytes and its newline.
    func byteOffset(of location: SourceLocation) -> Int {
        var offset = 0
        for number in 1..<max(location.line, 1) {
            guard let text = line(location.file, number) else { return offset }
            offset += text.utf8.count + 1
        }
        let current = line(location.file, location.line) ?? ""
        return offset + current.unicodeScalars.prefix(max(location.column - 1, 0)).reduce(0) { $0 + String($1).utf8.count }
    }
}

