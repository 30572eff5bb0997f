import TFYCore

/// Parses strings of the configuration language: templates with `${…}` interpolations, and the
/// expressions inside them, with every node located in the source.
public struct ExpressionParser {
    let text: [Unicode.Scalar]
    let original: String
    let sourceMap: ScalarSourceMap
    var position = 0
    var depth = 0
    static let depthLimit = 100

    public struct ParseError: Error, Sendable {
        public var diagnostic: Diagnostic
    }

    /// Whether `text` holds "${", scanning its UTF-8 bytes (much faster than Foundation's
    /// `contains`, which loading calls for every string of the configuration).
    static func containsTemplate(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "$") { return true }
            previous = byte
        }
        return false
    }

    init(_ text: String, sourceMap: ScalarSourceMap) {
        self.original = text
        self.text = Array(text.unicodeScalars)
        self.sourceMap = sourceMap
    }

    /// Parses a YAML string: a literal, a template, or (when it is exactly one `${…}`) the typed
    /// expression inside it.
    public static func parseString(_ text: String, sourceMap: ScalarSourceMap) -> Result<Expression, ParseError> {
        guard containsTemplate(text) else {
            // `$${` needs no handling here: without "${" there is nothing to escape.
            return .success(.literal(.string(text), sourceMap.location(ofOffset: 0, in: text)))
        }
        var parser = ExpressionParser(text, sourceMap: sourceMap)
        do {
            let parts = try parser.parseTemplate(until: nil)
            let location = parser.locate(0)
            if parts.count == 1, case .interpolation(let single) = parts[0] { return .success(single) }
            return .success(.template(parts, location))
        } catch let error as ParseError {
            return .failure(error)
        } catch {
            return .failure(ParseError(diagnostic: .error("Invalid expression", detail: "\(error)")))
        }
    }

    /// Parses a bare expression (no `${}`), as in `-var` values of complex type or `depends_on`.
    public static func parseExpression(_ text: String, sourceMap: ScalarSourceMap) -> Result<Expression, ParseError> {
        var parser = ExpressionParser(text, sourceMap: sourceMap)
        do {
            let expression = try parser.parseExpression()
            parser.skipSpace()
            if !parser.atEnd { throw parser.failure("Extra characters after expression", "Expected the end of the expression, but found \(parser.describeCurrent()).") }
            return .success(expression)
        } catch let error as ParseError {
            return .failure(error)
        } catch {
            return .failure(ParseError(diagnostic: .error("Invalid expression", detail: "\(error)")))
        }
    }

    // MARK: Helpers

    var atEnd: Bool { position >= text.count }
    var current: Unicode.Scalar? { position < text.count ? text[position] : nil }
    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < text.count ? text[position + offset] : nil
    }

    func locate(_ offset: Int) -> SourceLocation { sourceMap.location(ofOffset: offset, in: original) }

    func failure(_ summary: String, _ detail: String, at offset: Int? = nil) -> ParseError {
        ParseError(diagnostic: .error(summary, detail: detail, at: locate(offset ?? position)))
    }

    func describeCurrent() -> String {
        guard let c = current else { return "the end of the expression" }
        return "\"\(c)\""
    }

    mutating func skipSpace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
    }

    mutating func consume(_ literal: String) -> Bool {
        skipSpace()
        let scalars = Array(literal.unicodeScalars)
        guard position + scalars.count <= text.count, Array(text[position..<position + scalars.count]) == scalars
        else { return false }
        position += scalars.count
        return true
    }

    mutating func expect(_ literal: String, _ what: String) throws {
        guard consume(literal) else {
            throw failure("Invalid expression", "Expected \(what), but found \(describeCurrent()).")
        }
    }

    // MARK: Templates

    /// Reads literal text and interpolations until `terminator` (a closing quote) or the end.
    mutating func parseTemplate(until terminator: Unicode.Scalar?) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal = String.UnicodeScalarView()
        let start = position
        while true {
            guard let c = current else {
                if terminator != nil {
                    throw failure("Unterminated template string", "There is no closing quote for this string.", at: start - 1)
                }
                break
            }
            if let terminator, c == terminator {
                position += 1
                break
            }
            if c == "$", peek(1) == "$", peek(2) == "{" {
                literal.append(contentsOf: "${".unicodeScalars)
                position += 3
                continue
            }
            if c == "$", peek(1) == "{" {
                if !literal.isEmpty { parts.append(.literal(String(literal))); literal = String.UnicodeScalarView() }
                let open = position
                position += 2
                let expression = try parseExpression()
                skipSpace()
                guard current == "}" else {
                    if atEnd || current == terminator {
                        throw failure("Unclosed template interpolation", "There is no closing brace for this interpolation sequence.", at: open)
                    }
                    throw failure("Invalid expression", "Expected \"}\" to close the interpolation, but found \(describeCurrent()).")
                }
                position += 1
                parts.append(.interpolation(expression))
                continue
            }
            if terminator != nil, c == "\\" {
                literal.append(try parseEscape())
                continue
            }
            literal.append(c)
            position += 1
        }
        if !literal.isEmpty { parts.append(.literal(String(literal))) }
        return parts
    }

    mutating func parseEscape() throws -> Unicode.Scalar {
        let start = position
        position += 1
        guard let c = current else { throw failure("Invalid escape sequence", "A backslash must be followed by a character to escape.", at: start) }
        position += 1
        switch c {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u":
            var hex = ""
            for _ in 0..<4 {
                guard let h = current, h.properties.isASCIIHexDigit else { break }
                hex.unicodeScalars.append(h)
                position += 1
            }
            if hex.count == 4, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) { return scalar }
            throw failure("Invalid escape sequence", "\"\\u\" must be followed by four hexadecimal digits.", at: start)
        default:
            throw failure("Invalid escape sequence", "The sequence \"\\\(c)\" is not a valid escape; use \\n, \\t, \\r, \\\", \\\\ or \\uNNNN.", at: start)
        }
    }

    // MARK: Expressions

    mutating func parseExpression() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.depthLimit else {
            throw failure("Expression too deeply nested", "This expression nests more than \(Self.depthLimit) levels deep.")
        }
        let condition = try parseBinary(minimumPrecedence: 1)
        skipSpace()
        guard current == "?" else { return condition }
        let location = locate(position)
        position += 1
        let whenTrue = try parseExpression()
        try expect(":", "\":\" in the conditional expression")
        let whenFalse = try parseExpression()
        return .conditional(condition, whenTrue, whenFalse, location)
    }

    mutating func binaryOperator() -> BinaryOperator? {
        skipSpace()
        guard let c = current else { return nil }
        let next = peek(1)
        switch c {
        case "|": return next == "|" ? .or : nil
        case "&": return next == "&" ? .and : nil
        case "=": return next == "=" ? .equal : nil
        case "!": return next == "=" ? .notEqual : nil
        case "<": return next == "=" ? .lessOrEqual : .less
        case ">": return next == "=" ? .greaterOrEqual : .greater
        case "+": return .add
        case "-": return .subtract
        case "*": return .multiply
        case "/": return .divide
        case "%": return .modulo
        default: return nil
        }
    }

    mutating func parseBinary(minimumPrecedence: Int) throws -> Expression {
        var left = try parseUnary()
        // A long chain (`1 + 1 + …`) nests as deeply as a parenthesised one once evaluated.
        let entryDepth = depth
        defer { depth = entryDepth }
        while let op = binaryOperator(), op.precedence >= minimumPrecedence {
            depth += 1
            guard depth <= Self.depthLimit else {
                throw failure("Expression too deeply nested", "This expression nests more than \(Self.depthLimit) levels deep.")
            }
            let location = locate(position)
            position += op.rawValue.unicodeScalars.count
            let right = try parseBinary(minimumPrecedence: op.precedence + 1)
            left = .binary(op, left, right, location)
        }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        skipSpace()
        let location = locate(position)
        if current == "!" {
            position += 1
            return .unary(.not, try parseUnaryNested(), location)
        }
        if current == "-", let next = peek(1), !("0"..."9").contains(next) {
            position += 1
            return .unary(.negate, try parseUnaryNested(), location)
        }
        return try parsePostfix()
    }

    mutating func parseUnaryNested() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.depthLimit else {
            throw failure("Expression too deeply nested", "This expression nests more than \(Self.depthLimit) levels deep.")
        }
        return try parseUnary()
    }

    mutating func parsePostfix() throws -> Expression {
        let base = try parsePrimary()
        var steps: [TraversalStep] = []
        while true {
            // No whitespace skipping before "." or "[": `a [0]` is not an index in HCL either.
            if current == ".", let next = peek(1), next != "." {
                let location = locate(position)
                if next == "*" {
                    position += 2
                    steps.append(.splat(location))
                    continue
                }
                if ("0"..."9").contains(next) {
                    position += 1
                    let number = try parseNumber()
                    steps.append(.index(number, location))
                    continue
                }
                position += 1
                let nameLocation = locate(position)
                let name = identifier()
                guard !name.isEmpty else {
                    throw failure("Invalid attribute name", "An attribute name is required after a dot.")
                }
                steps.append(.attribute(name, nameLocation))
                continue
            }
            if current == "[" {
                let location = locate(position)
                position += 1
                if consume("*") {
                    try expect("]", "\"]\" to close the splat")
                    steps.append(.splat(location))
                    continue
                }
                let index = try parseExpression()
                try expect("]", "\"]\" to close the index")
                steps.append(.index(index, location))
                continue
            }
            break
        }
        return steps.isEmpty ? base : .traversal(base, steps)
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        // ASCII first: Unicode property lookups were a noticeable part of loading large files.
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return c.properties.isAlphabetic
    }
    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || ("0"..."9").contains(c) || c == "-"
    }

    mutating func identifier() -> String {
        guard let first = current, Self.isIdentifierStart(first) else { return "" }
        let start = position
        while let c = current, Self.isIdentifierContinue(c) { position += 1 }
        let scalars = text[start..<position]
        // An ASCII name (nearly every one) is made from its bytes at once, not scalar by scalar.
        guard scalars.allSatisfy(\.isASCII) else { return String(String.UnicodeScalarView(scalars)) }
        return String(unsafeUninitializedCapacity: scalars.count) { buffer in
            for (i, c) in scalars.enumerated() { buffer[i] = UInt8(truncatingIfNeeded: c.value) }
            return scalars.count
        }
    }

    mutating func parseNumber() throws -> Expression {
        let start = position
        return .literal(.number(try parseNumberValue()), locate(start))
    }

    mutating func parseNumberValue() throws -> Double {
        let start = position
        while let c = current, ("0"..."9").contains(c) { position += 1 }
        if current == ".", let next = peek(1), ("0"..."9").contains(next) {
            position += 1
            while let c = current, ("0"..."9").contains(c) { position += 1 }
        }
        if current == "e" || current == "E" {
            var probe = position + 1
            if probe < text.count, text[probe] == "+" || text[probe] == "-" { probe += 1 }
            if probe < text.count, ("0"..."9").contains(text[probe]) {
                position = probe
                while let c = current, ("0"..."9").contains(c) { position += 1 }
            }
        }
        let literal = String(String.UnicodeScalarView(text[start..<position]))
        guard let value = Double(literal), value.isFinite else {
            throw failure("Invalid number", "\"\(literal)\" is not a valid number.", at: start)
        }
        return value
    }

    /// After "[" or "{": `for NAME[, NAME] in EXPR : [KEY =>] EXPR[...] [if EXPR]` and the
    /// closing bracket or brace, or nil (a plain list or object) without consuming anything.
    /// `buildsObject` says which: a key (`=>`) and grouping (`...`) belong to objects only.
    mutating func parseForClause(buildsObject: Bool) throws -> Expression.ForClause? {
        let start = position
        skipSpace()
        guard identifier() == "for", let next = current, next == " " || next == "\t" else {
            position = start
            return nil
        }
        skipSpace()
        // `{for = 1}` is an object with the key "for"; a for expression names a variable next.
        guard let first = current, Self.isIdentifierStart(first) || buildsObject == false else {
            position = start
            return nil
        }
        var valueName = identifier()
        guard !valueName.isEmpty else { throw failure("Invalid for expression", "Expected a variable name after \"for\", but found \(describeCurrent()).") }
        var keyName: String?
        skipSpace()
        if consume(",") {
            skipSpace()
            let second = identifier()
            guard !second.isEmpty else { throw failure("Invalid for expression", "Expected a second variable name after \",\", but found \(describeCurrent()).") }
            keyName = valueName
            valueName = second
        }
        skipSpace()
        let beforeIn = position
        guard identifier() == "in" else {
            position = beforeIn
            throw failure("Invalid for expression", "Expected \"in\" after the variable names of the for expression, but found \(describeCurrent()).")
        }
        let collection = try parseExpression()
        try expect(":", "\":\" after the collection of the for expression")
        var keyExpression: Expression?
        skipSpace()
        let bodyStart = position
        var body = try parseExpression()
        skipSpace()
        let arrow = position
        if consume("=>") {
            guard buildsObject else {
                throw failure("Invalid 'for' expression", "Key expression is not valid when building a tuple.", at: arrow)
            }
            keyExpression = body
            body = try parseExpression()
        } else if buildsObject {
            throw failure("Invalid 'for' expression", "Key expression is required when building an object.", at: bodyStart)
        }
        skipSpace()
        let ellipsis = position
        let grouping = consume("...")
        if grouping, !buildsObject {
            throw failure("Invalid 'for' expression", "Grouping ellipsis (...) cannot be used when building a tuple.", at: ellipsis)
        }
        skipSpace()
        var condition: Expression?
        let beforeIf = position
        if identifier() == "if" {
            condition = try parseExpression()
        } else {
            position = beforeIf
        }
        if buildsObject {
            try expect("}", "\"}\" to close the for expression")
        } else {
            try expect("]", "\"]\" to close the for expression")
        }
        return Expression.ForClause(keyName: keyName, valueName: valueName, collection: collection, keyExpression: keyExpression,
                                    body: body, grouping: grouping, condition: condition)
    }

    mutating func parsePrimary() throws -> Expression {
        skipSpace()
        let start = position
        let location = locate(start)
        guard let c = current else {
            throw failure("Invalid expression", "Expected the start of an expression, but found the end of the expression.")
        }
        if ("0"..."9").contains(c) || (c == "-" && peek(1).map { ("0"..."9").contains($0) } == true) {
            if c == "-" {
                position += 1
                return .literal(.number(-(try parseNumberValue())), location)
            }
            return try parseNumber()
        }
        if c == "\"" {
            position += 1
            let parts = try parseTemplate(until: "\"")
            if parts.isEmpty { return .literal(.string(""), location) }
            if parts.count == 1, case .literal(let s) = parts[0] { return .literal(.string(s), location) }
            return .template(parts, location)
        }
        if c == "(" {
            position += 1
            let inner = try parseExpression()
            try expect(")", "\")\" to close the parenthesis")
            return inner
        }
        if c == "[" {
            position += 1
            if let clause = try parseForClause(buildsObject: false) { return .forList(clause, location) }
            var items: [Expression] = []
            while !consume("]") {
                guard !atEnd else { throw failure("Invalid expression", "There is no closing bracket for this list.", at: start) }
                items.append(try parseExpression())
                if !consume(",") {
                    try expect("]", "\",\" or \"]\" in the list")
                    break
                }
            }
            return .tuple(items, location)
        }
        if c == "{" {
            position += 1
            if let clause = try parseForClause(buildsObject: true) { return .forObject(clause, location) }
            var entries: [Expression.ObjectEntry] = []
            while !consume("}") {
                guard !atEnd else { throw failure("Invalid expression", "There is no closing brace for this object.", at: start) }
                skipSpace()
                let keyStart = position
                let key: Expression
                let name = identifier()
                if !name.isEmpty {
                    key = .literal(.string(name), locate(keyStart))
                } else {
                    key = try parsePrimary()
                }
                skipSpace()
                guard current == "=" || current == ":" else {
                    throw failure("Invalid expression", "Expected \"=\" after the object key, but found \(describeCurrent()).")
                }
                position += 1
                entries.append(Expression.ObjectEntry(key: key, value: try parseExpression()))
                if !consume(",") {
                    try expect("}", "\",\" or \"}\" in the object")
                    break
                }
            }
            return .object(entries, location)
        }
        let name = identifier()
        guard !name.isEmpty else {
            throw failure("Invalid expression", "Expected the start of an expression, but found \(describeCurrent()).")
        }
        switch name {
        case "true": return .literal(.bool(true), location)
        case "false": return .literal(.bool(false), location)
        case "null": return .literal(.null, location)
        default: break
        }
        if current == "(" {
            position += 1
            var arguments: [Expression] = []
            var expandFinal = false
            while !consume(")") {
                guard !atEnd else { throw failure("Invalid expression", "There is no closing parenthesis for this call to \(name).", at: start) }
                arguments.append(try parseExpression())
                if consume("...") {
                    expandFinal = true
                    try expect(")", "\")\" after the expanded final argument")
                    break
                }
                if !consume(",") {
                    try expect(")", "\",\" or \")\" in the call to \(name)")
                    break
                }
            }
            return .call(name: name, arguments: arguments, expandFinal: expandFinal, location)
        }
        return .scope(name, location)
    }
}
