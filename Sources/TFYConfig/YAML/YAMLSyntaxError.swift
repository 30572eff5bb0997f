import TFYCore

/// One libyaml syntax error, told as a person fixes it: at the opening quote or bracket that was
/// never closed (libyaml's context mark), at the first character of a mis-indented line, at the
/// start of a value that needs quotes — in plain words. libyaml's own wording is kept only when
/// no plainer explanation fits.
struct YAMLSyntaxError {
    let source: SourceFile
    /// What went wrong, in libyaml's words ("did not find expected key"), and where it was noticed.
    let problem: String
    let problemAt: SourceLocation
    /// What libyaml was reading ("while parsing a block mapping"), and where that began.
    let context: String?
    let contextAt: SourceLocation

    var diagnostic: Diagnostic {
        unclosedQuote ?? unknownEscape ?? flowCollection ?? tabIndentation ?? colonInValue ?? misalignedLine ?? libyamlWording
    }

    // MARK: the cases

    /// A quote with no closing quote: libyaml reads on to the end of the file and reports that;
    /// the quote that opened the string is what needs fixing.
    var unclosedQuote: Diagnostic? {
        guard context == "while scanning a quoted scalar",
              problem == "found unexpected end of stream" || problem == "found unexpected document indicator",
              let quote = character(at: contextAt), quote == "\"" || quote == "'" else { return nil }
        let end = problem == "found unexpected end of stream" ? "the end of the file" : "the next \"---\""
        return .error("Unclosed quote", detail: "The string that starts with \(quote) here has no closing \(quote) before \(end). Add the closing quote where the value ends.", at: contextAt)
    }

    /// A backslash in double quotes that starts no escape, as in a regular expression's `\d`.
    var unknownEscape: Diagnostic? {
        guard problem == "found unknown escape character", character(at: problemAt) == "\\" else { return nil }
        let next = character(at: SourceLocation(file: problemAt.file, line: problemAt.line, column: problemAt.column + 1)).map(String.init) ?? ""
        return .error("Invalid escape sequence", detail: "In double quotes a backslash starts an escape such as \\n or \\\", and \"\\\(next)\" is not one. Write \\\\ for a backslash, or use single quotes, in which a backslash is an ordinary character.", at: problemAt)
    }

    /// `[` or `{` without its closing bracket — or, when libyaml stops on the same line at
    /// something other than a closing bracket, a missing comma between two items.
    var flowCollection: Diagnostic? {
        let kind: (name: String, open: String, close: String)
        switch context {
        case "while parsing a flow sequence": kind = ("list", "[", "]")
        case "while parsing a flow mapping": kind = ("mapping", "{", "}")
        default: return nil
        }
        guard problem.hasPrefix("did not find expected ','") else { return nil }
        let found = character(at: problemAt)
        if let found, problemAt.line == contextAt.line, found != "]", found != "}" {
            return .error("Missing item separator", detail: "Expected a comma to mark the beginning of the next item of the \(kind.name) that starts at line \(contextAt.line), column \(contextAt.column).", at: problemAt)
        }
        let instead = found.map { "at line \(problemAt.line), column \(problemAt.column) YAML expected \",\" or \"\(kind.close)\" but found \(Value.quoted(String($0)))" }
            ?? "YAML expected \",\" or \"\(kind.close)\" but the file ends"
        return .error("Unclosed \(kind.name == "list" ? "bracket" : "brace")", detail: "The \(kind.name) that starts with \"\(kind.open)\" here is not closed: \(instead).", at: contextAt)
    }

    /// A tab among a line's leading blanks.
    var tabIndentation: Diagnostic? {
        guard let line = line(problemAt.line), character(at: problemAt) == "\t",
              line.prefix(problemAt.column - 1).allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
        return .error("Tab in indentation", detail: "YAML indents with spaces only, and this line is indented with a tab. Replace the tab with spaces.", at: problemAt)
    }

    /// `": "` inside an unquoted value (`x: ${a ? "b" : "c"}`, `command: echo a: b`), which YAML
    /// takes for the start of a key. When no key precedes the colon on its line, the line
    /// continues the value above it: it is indented too far.
    var colonInValue: Diagnostic? {
        guard problem == "mapping values are not allowed in this context", context == nil,
              let line = line(problemAt.line) else { return nil }
        let colon = problemAt.column - 1
        guard colon < line.count else { return nil }
        var start = indentation(line)
        while start + 1 < line.count, line[start] == "-", line[start + 1] == " " {
            start += 1
            while start < line.count, line[start] == " " { start += 1 }
        }
        guard let keyColon = (start..<colon).first(where: { line[$0] == ":" && line[$0 + 1] == " " }) else {
            return continuationOfValue(at: problemAt.line)
        }
        var valueStart = keyColon + 1
        while valueStart < colon, line[valueStart] == " " { valueStart += 1 }
        var value = String(String.UnicodeScalarView(line[valueStart...]))
        if let comment = value.firstRange(of: " #") { value = String(value[..<comment.lowerBound]) }
        while value.hasSuffix(" ") { value.removeLast() }
        let quoted = "'" + value.replacing("'", with: "''") + "'"
        let isExpression = String(String.UnicodeScalarView(line[valueStart..<colon])).contains("${")
        let what = isExpression
            ? "This expression contains \": \" (as a conditional's \"? … : …\" does)"
            : "This value contains \": \""
        return .error("Value must be quoted", detail: "\(what), which YAML reads as the start of a key. Quote the whole value: \(quoted)",
                      at: SourceLocation(file: problemAt.file, line: problemAt.line, column: valueStart + 1))
    }

    /// A key on a line indented deeper than a key above it whose value is on its own line.
    func continuationOfValue(at number: Int) -> Diagnostic? {
        guard let line = line(number) else { return nil }
        let indent = indentation(line)
        guard let (keyLine, key) = linesAbove(number).first(where: { $0.indent < indent }).flatMap({ above in
            self.key(of: above.number).map { (above.number, $0) }
        }) else { return nil }
        return .error("Inconsistent indentation", detail: "This line is indented more than \(Value.quoted(key)) (line \(keyLine)), whose value is already on its line, so YAML reads it as more of that value. Line it up with \(Value.quoted(key)), or move \(key)'s value onto lines of its own below it.",
                      at: SourceLocation(file: problemAt.file, line: number, column: indent + 1))
    }

    /// A line whose indentation matches no key above it: libyaml ends the mapping it could belong
    /// to and then finds no key where one must come.
    var misalignedLine: Diagnostic? {
        guard context == "while parsing a block mapping" || context == "while parsing a block collection",
              problem.hasPrefix("did not find expected"), let line = line(problemAt.line) else { return nil }
        let indent = indentation(line)
        guard problemAt.column == indent + 1 else { return nil }
        // The lines that enclose this one, nearest first, each indented less than the one before.
        var enclosing: [(indent: Int, number: Int)] = []
        for above in linesAbove(problemAt.line) where above.indent < (enclosing.last?.indent ?? Int.max) {
            enclosing.append(above)
            if above.indent == 0 { break }
        }
        guard !enclosing.contains(where: { $0.indent == indent }) else { return nil }
        let sides = [enclosing.last { $0.indent > indent }, enclosing.first { $0.indent < indent }].compactMap { $0 }
        let named = sides.compactMap { side in key(of: side.number).map { (side, $0) } }
        guard !named.isEmpty, named.count == sides.count else { return nil }
        let first = named[0]
        var detail = "This line is indented \(indent) spaces, which lines it up with no key above it: \(Value.quoted(first.1)) (line \(first.0.number)) is indented \(first.0.indent) spaces"
        if named.count > 1 { detail += " and \(Value.quoted(named[1].1)) (line \(named[1].0.number)) \(named[1].0.indent)" }
        return .error("Inconsistent indentation", detail: detail + ". Keys of one mapping start in the same column.", at: problemAt)
    }

    /// Any other error, in libyaml's words, with where its context began.
    var libyamlWording: Diagnostic {
        var detail = problem
        if let context {
            detail += " " + context
            if contextAt != problemAt {
                detail += " that starts at line \(contextAt.line), column \(contextAt.column)"
            }
        }
        if character(at: problemAt) == "\t" {
            detail += ". Tabs cannot indent YAML; use spaces"
        }
        return .error("Invalid YAML syntax", detail: Self.capitalizedSentence(detail), at: problemAt)
    }

    // MARK: reading the source

    func line(_ number: Int) -> [Unicode.Scalar]? {
        number >= 1 && number <= source.lines.count ? source.lines[number - 1] : nil
    }

    func character(at location: SourceLocation) -> Unicode.Scalar? {
        guard let line = line(location.line), location.column >= 1, location.column <= line.count else { return nil }
        return line[location.column - 1]
    }

    func indentation(_ line: [Unicode.Scalar]) -> Int {
        line.prefix { $0 == " " }.count
    }

    /// The lines above `number` that hold something other than a comment, nearest first.
    func linesAbove(_ number: Int) -> [(indent: Int, number: Int)] {
        stride(from: number - 1, through: 1, by: -1).compactMap { n in
            guard let line = line(n) else { return nil }
            let indent = indentation(line)
            guard indent < line.count, line[indent] != "#" else { return nil }
            return (indent, n)
        }
    }

    /// The key a line starts (after any "- "), or nil when it starts none.
    func key(of number: Int) -> String? {
        guard let line = line(number) else { return nil }
        var text = Substring(String(String.UnicodeScalarView(line.dropFirst(indentation(line)))))
        while text.hasPrefix("- ") { text = text.dropFirst(2).drop { $0 == " " } }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let quotes: Set<Character> = [" ", "\"", "'"]
        var key = text[..<colon].drop { quotes.contains($0) }
        while let last = key.last, quotes.contains(last) { key = key.dropLast() }
        return key.isEmpty ? nil : String(key)
    }

    static func capitalizedSentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
    }
}
