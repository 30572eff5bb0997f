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
    /// False for a file that may hold secrets (a variable file): then no text of it is quoted.
    var quotesSource = true

    var diagnostic: Diagnostic {
        unclosedQuote ?? unknownEscape ?? flowCollection ?? tabIndentation ?? colonInValue ?? missingColon
            ?? strayClosingBracket ?? quoteEndsEarly ?? misalignedLine ?? listItemAfterKey ?? reservedFirstCharacter
            ?? libyamlWording
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
        let this = quotesSource ? "\"\\\(next)\" is not one" : "this one is not an escape YAML knows"
        return .error("Invalid escape sequence", detail: "In double quotes a backslash starts an escape such as \\n or \\\", and \(this). Write \\\\ for a backslash, or use single quotes, in which a backslash is an ordinary character.", at: problemAt)
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
        guard colon >= 0, colon < line.count, line[colon] == ":" else { return nil }
        if let missing = missingSpace(inLine: problemAt.line) { return missing }
        var start = indentation(line)
        while start + 1 < colon, line[start] == "-", line[start + 1] == " " {
            start += 1
            while start < colon, line[start] == " " { start += 1 }
        }
        guard start <= colon else { return nil }
        guard let keyColon = (start..<colon).first(where: { line[$0] == ":" && line[$0 + 1] == " " }) else {
            return continuationOfValue(at: problemAt.line)
        }
        var valueStart = keyColon + 1
        while valueStart < colon, line[valueStart] == " " { valueStart += 1 }
        var value = String(String.UnicodeScalarView(line[valueStart...]))
        if let comment = value.firstRange(of: " #") { value = String(value[..<comment.lowerBound]) }
        while value.hasSuffix(" ") { value.removeLast() }
        let quoted = Self.singleQuoted(value)
        let isExpression = String(String.UnicodeScalarView(line[valueStart..<colon])).contains("${")
        let what = isExpression
            ? "This expression contains \": \" (as a conditional's \"? … : …\" does)"
            : "This value contains \": \""
        return .error("Value must be quoted", detail: "\(what), which YAML reads as the start of a key. Quote the whole value\(quotesSource ? ": " + quoted : ".")",
                      at: SourceLocation(file: problemAt.file, line: problemAt.line, column: valueStart + 1))
    }

    /// A key on a line that continues the plain value above it: the line above wrote `key:value`
    /// with no space, or the line is indented deeper than a key whose value is on its own line.
    func continuationOfValue(at number: Int) -> Diagnostic? {
        guard let line = line(number) else { return nil }
        if let previous = linesAbove(number).first, let missing = missingSpace(inLine: previous.number) { return missing }
        let indent = indentation(line)
        guard let parent = linesAbove(number).first(where: { $0.indent < indent }), let parentLine = self.line(parent.number) else { return nil }
        guard let key = key(of: parent.number) else {
            // `name` alone above an indented block: the key's colon is missing.
            guard !parentLine.contains(":"), parentLine[parent.indent] != "-" else { return nil }
            return missingColon(at: SourceLocation(file: problemAt.file, line: parent.number, column: parent.indent + 1))
        }
        let keyLine = parent.number
        guard hasValueOnItsLine(keyLine) else { return nil }
        let detail = quotesSource
            ? "This line is indented more than \(Value.quoted(key)) (line \(keyLine)), whose value is already on its line, so YAML reads it as more of that value. Line it up with \(Value.quoted(key)), or move \(key)'s value onto lines of its own below it."
            : "This line is indented more than the key on line \(keyLine), whose value is already on its line, so YAML reads it as more of that value. Line it up with that key, or move its value onto lines of its own below it."
        return .error("Inconsistent indentation", detail: detail,
                      at: SourceLocation(file: problemAt.file, line: number, column: indent + 1))
    }

    /// `key:value` on line `number`: one piece of text, not a key, for want of a space.
    func missingSpace(inLine number: Int) -> Diagnostic? {
        guard let line = line(number) else { return nil }
        var start = indentation(line)
        while start + 1 < line.count, line[start] == "-", line[start + 1] == " " { start += 2 }
        let text = Array(line[start...])
        // The line's first colon, right after a name and followed by neither a space nor "/" (a URL).
        guard let colon = text.firstIndex(of: ":"), colon > 0, colon + 1 < text.count,
              text[colon + 1] != " ", text[colon + 1] != "/",
              text[..<colon].allSatisfy(ExpressionParser.isIdentifierContinue) else { return nil }
        var written = String(String.UnicodeScalarView(text))
        if let comment = written.firstRange(of: " #") { written = String(written[..<comment.lowerBound]) }
        let key = String(String.UnicodeScalarView(text[..<colon]))
        let detail = quotesSource
            ? "No space follows the \":\" after \(Value.quoted(key)), so YAML does not read \(Value.quoted(key)) as a key. Write \(Value.quoted(key + ": " + written.dropFirst(key.count + 1)))."
            : "No space follows this \":\", so YAML does not read what comes before it as a key. Put a space after the colon."
        return .error("Missing space after colon", detail: detail,
                      at: SourceLocation(file: problemAt.file, line: number, column: start + colon + 1))
    }

    /// Whether line `number` is `key: value` with the value on it (not `key:` alone, a comment or a block scalar).
    func hasValueOnItsLine(_ number: Int) -> Bool {
        guard let line = line(number) else { return false }
        let text = Array(line)
        guard let colon = text.indices.first(where: { text[$0] == ":" && $0 + 1 < text.count && text[$0 + 1] == " " }) else { return false }
        let rest = text[(colon + 1)...].drop { $0 == " " }
        guard let first = rest.first else { return false }
        return first != "#" && first != "|" && first != ">"
    }

    /// A key with no colon: libyaml reads on for the ":" and reports the line after it.
    var missingColon: Diagnostic? {
        guard context == "while scanning a simple key", problem == "could not find expected ':'" else { return nil }
        return missingColon(at: contextAt)
    }

    func missingColon(at start: SourceLocation) -> Diagnostic? {
        guard let line = line(start.line), start.column >= 1, start.column <= line.count else { return nil }
        var text = String(String.UnicodeScalarView(line[(start.column - 1)...]))
        if let comment = text.firstRange(of: " #") { text = String(text[..<comment.lowerBound]) }
        while text.hasSuffix(" ") { text.removeLast() }
        // A colon or a bracket on the line means another mistake; libyaml's words fit it better.
        guard !text.contains(":"), let first = text.first, !"[{\"'".contains(first) else { return nil }
        return .error("Missing colon", detail: "This line stands where a key goes, but no \":\" follows \(quotesSource ? Value.quoted(text) : "it"). Write a key as \"name: value\".", at: start)
    }

    /// A `}` or `]` that closes nothing, where a key should be.
    var strayClosingBracket: Diagnostic? {
        guard context?.hasPrefix("while parsing a block") == true, problem.hasPrefix("did not find expected"),
              let found = character(at: problemAt), found == "}" || found == "]" else { return nil }
        let open = found == "}" ? "{" : "["
        return .error("Unexpected closing bracket", detail: "This \(Value.quoted(String(found))) closes no \"\(open)\" before it. Remove it, or add the \"\(open)\" it was meant to close.", at: problemAt)
    }

    /// More text after a quoted string on its line: most often a quote inside the value, as in
    /// `"${join(",", list)}"`, that ended the string early. Reported at that quote.
    var quoteEndsEarly: Diagnostic? {
        guard context?.hasPrefix("while parsing a block") == true, problem.hasPrefix("did not find expected"),
              let line = line(problemAt.line), problemAt.column - 1 > indentation(line), problemAt.column - 2 < line.count else { return nil }
        var before = problemAt.column - 2
        while before > 0, line[before] == " " { before -= 1 }
        guard before >= 0, line[before] == "\"" || line[before] == "'" else { return nil }
        let quote = line[before]
        if !line[..<before].contains(quote), let opening = openingQuote(quote, above: problemAt.line) {
            return .error("Unclosed quote", detail: "The string that starts with \(quote) here has no closing \(quote) on its line, so it runs on to the \(quote) at line \(problemAt.line), column \(before + 1), and YAML found more text after that. Add the closing quote where the value ends.", at: opening)
        }
        let escape = line[before] == "\"" ? "\\\"" : "''"
        let other = line[before] == "\"" ? "single" : "double"
        return .error("Quote ends the value early", detail: "This \(line[before]) closes the quoted string before it, and more text follows on the line. Write a \(line[before]) that belongs to the value as \(escape), or put the whole value in \(other) quotes.",
                      at: SourceLocation(file: problemAt.file, line: problemAt.line, column: before + 1))
    }

    /// The quote that opened a string still open at the end of a line above `number`: the last
    /// `quote` on the nearest line above with an odd number of them.
    func openingQuote(_ quote: Unicode.Scalar, above number: Int) -> SourceLocation? {
        for above in linesAbove(number) {
            guard let line = line(above.number) else { continue }
            let positions = line.indices.filter { line[$0] == quote && (quote == "'" || $0 == 0 || line[$0 - 1] != "\\") }
            if positions.count % 2 == 1, let last = positions.last {
                return SourceLocation(file: problemAt.file, line: above.number, column: last + 1)
            }
        }
        return nil
    }

    /// `key: - item`: a block list cannot start on its key's line.
    var listItemAfterKey: Diagnostic? {
        guard problem == "block sequence entries are not allowed in this context", character(at: problemAt) == "-" else { return nil }
        return .error("List item on a key's line", detail: "A \"- \" list item cannot follow a key on its line. Put it on the next line, indented under the key, or write the list in brackets: [a, b].", at: problemAt)
    }

    /// A value that starts with a character YAML reserves (`@`, a backtick).
    var reservedFirstCharacter: Diagnostic? {
        guard problem == "found character that cannot start any token", let found = character(at: problemAt),
              found == "@" || found == "`", let line = line(problemAt.line) else { return nil }
        var value = String(String.UnicodeScalarView(line[(problemAt.column - 1)...]))
        if let comment = value.firstRange(of: " #") { value = String(value[..<comment.lowerBound]) }
        if line[..<(problemAt.column - 1)].contains(where: { $0 == "{" || $0 == "[" }), let end = value.firstIndex(where: { ",]}".contains($0) }) {
            value = String(value[..<end])
        }
        while value.hasSuffix(" ") { value.removeLast() }
        return .error("Value must be quoted", detail: "A plain value cannot start with \(Value.quoted(String(found))); YAML reserves it. Quote the whole value\(quotesSource ? ": " + Self.singleQuoted(value) : ".")", at: problemAt)
    }

    /// A line whose indentation matches no key above it: libyaml ends the mapping it could belong
    /// to and then finds no key where one must come. Columns, not spaces, name where the keys
    /// stand, as a key after "- " starts two columns right of its line's indentation.
    var misalignedLine: Diagnostic? {
        guard context == "while parsing a block mapping" || context == "while parsing a block collection",
              problem.hasPrefix("did not find expected"), let line = line(problemAt.line) else { return nil }
        let indent = indentation(line)
        guard problemAt.column == indent + 1 else { return nil }
        // The keys that enclose this line, nearest first, each left of the one before; lines that
        // start no key (a block scalar's text, a list's plain items) are passed over.
        var enclosing: [(column: Int, number: Int, key: String)] = []
        for above in linesAbove(problemAt.line) {
            guard let (column, key) = keyStart(of: above.number), column < (enclosing.last?.column ?? Int.max) else { continue }
            enclosing.append((column, above.number, key))
            if column == 0 { break }
        }
        guard !enclosing.contains(where: { $0.column == indent }) else { return nil }
        let sides = [enclosing.last { $0.column > indent }, enclosing.first { $0.column < indent }].compactMap { $0 }
        guard let first = sides.first else { return nil }
        let firstKey = quotesSource ? "\(Value.quoted(first.key)) (line \(first.number))" : "the key on line \(first.number)"
        var detail = "This line starts in column \(indent + 1), which lines it up with no key above it: \(firstKey) starts in column \(first.column + 1)"
        if sides.count > 1 {
            let secondKey = quotesSource ? "\(Value.quoted(sides[1].key)) (line \(sides[1].number))" : "the one on line \(sides[1].number)"
            detail += " and \(secondKey) in column \(sides[1].column + 1)"
        }
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
        keyStart(of: number)?.key
    }

    /// The key a line starts (after any "- ") and its 0-based column, or nil when it starts none.
    func keyStart(of number: Int) -> (column: Int, key: String)? {
        guard let line = line(number) else { return nil }
        var column = indentation(line)
        while column + 1 < line.count, line[column] == "-", line[column + 1] == " " {
            column += 1
            while column < line.count, line[column] == " " { column += 1 }
        }
        let text = line[column...]
        guard let colon = text.firstIndex(where: { $0 == ":" }), colon + 1 == line.count || line[colon + 1] == " " else { return nil }
        let quotes: Set<Unicode.Scalar> = [" ", "\"", "'"]
        var key = text[..<colon].drop { quotes.contains($0) }
        while let last = key.last, quotes.contains(last) { key = key.dropLast() }
        return key.isEmpty ? nil : (column, String(String.UnicodeScalarView(key)))
    }

    /// `text` as a YAML single-quoted scalar, in which only a quote needs escaping (doubled).
    static func singleQuoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "''") + "'"
    }

    static func capitalizedSentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
    }
}
