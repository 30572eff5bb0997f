/// A type constraint, written as Terraform writes it: `string`, `list(number)`, `map(any)`,
/// `object({name = string, size = number})`.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case any
    case string
    case number
    case bool
    case list(ValueType)
    case set(ValueType)
    case map(ValueType)
    case object([String: ValueType])
    case tuple([ValueType])

    public var description: String {
        switch self {
        case .any: return "any"
        case .string: return "string"
        case .number: return "number"
        case .bool: return "bool"
        case .list(let e): return "list(\(e))"
        case .set(let e): return "set(\(e))"
        case .map(let e): return "map(\(e))"
        case .object(let attrs):
            let body = attrs.keys.sorted().map { "\($0) = \(attrs[$0]!)" }.joined(separator: ", ")
            return "object({\(body)})"
        case .tuple(let items): return "tuple([\(items.map(\.description).joined(separator: ", "))])"
        }
    }

    /// The noun used in conversion errors: "a number is required", "list of string required".
    var requirement: String {
        switch self {
        case .any: return "a value is required"
        case .string: return "a string is required"
        case .number: return "a number is required"
        case .bool: return "a bool is required"
        case .list(let e): return "list of \(e) required"
        case .set(let e): return "set of \(e) required"
        case .map(let e): return "map of \(e) required"
        case .object: return "object required"
        case .tuple: return "tuple required"
        }
    }
}

// MARK: - Parsing type expressions

extension ValueType {
    /// Parses a type expression; the error says what was expected where.
    public static func parse(_ text: String) -> Result<ValueType, TypeExpressionError> {
        var parser = TypeExpressionParser(text: Array(text.unicodeScalars))
        do {
            let type = try parser.parseType(depth: 0)
            parser.skipSpaces()
            guard parser.atEnd else { throw parser.error("unexpected \"\(parser.rest)\" after the type") }
            return .success(type)
        } catch let error as TypeExpressionError {
            return .failure(error)
        } catch {
            return .failure(TypeExpressionError(message: "\(error)", offset: 0))
        }
    }
}

public struct TypeExpressionError: Error, Sendable, Hashable {
    public var message: String
    /// Offset in characters from the start of the type expression.
    public var offset: Int
}

private struct TypeExpressionParser {
    let text: [Unicode.Scalar]
    var position = 0

    var atEnd: Bool { position >= text.count }
    var rest: String { String(String.UnicodeScalarView(text[min(position, text.count)...])) }

    func error(_ message: String) -> TypeExpressionError {
        TypeExpressionError(message: message, offset: position)
    }

    mutating func skipSpaces() {
        while position < text.count, text[position].properties.isWhitespace { position += 1 }
    }

    mutating func identifier() -> String {
        skipSpaces()
        let start = position
        while position < text.count,
              text[position].properties.isAlphabetic || text[position] == "_"
                || ("0"..."9").contains(text[position]) {
            position += 1
        }
        return String(String.UnicodeScalarView(text[start..<position]))
    }

    mutating func expect(_ scalar: Unicode.Scalar) throws {
        skipSpaces()
        guard position < text.count, text[position] == scalar else {
            throw error("expected \"\(scalar)\"")
        }
        position += 1
    }

    mutating func peek(_ scalar: Unicode.Scalar) -> Bool {
        skipSpaces()
        return position < text.count && text[position] == scalar
    }

    mutating func parseType(depth: Int) throws -> ValueType {
        guard depth < 32 else { throw error("type expression nested too deeply") }
        let start = position
        let name = identifier()
        switch name {
        case "any": return .any
        case "string": return .string
        case "number": return .number
        case "bool": return .bool
        case "list", "set", "map":
            guard peek("(") else { return name == "map" ? .map(.any) : name == "set" ? .set(.any) : .list(.any) }
            try expect("(")
            let element = try parseType(depth: depth + 1)
            try expect(")")
            return name == "map" ? .map(element) : name == "set" ? .set(element) : .list(element)
        case "object":
            try expect("(")
            try expect("{")
            var attributes: [String: ValueType] = [:]
            while !peek("}") {
                let key = identifier()
                guard !key.isEmpty else { throw error("expected an attribute name") }
                skipSpaces()
                guard position < text.count, text[position] == "=" || text[position] == ":" else {
                    throw error("expected \"=\" after \"\(key)\"")
                }
                position += 1
                attributes[key] = try parseType(depth: depth + 1)
                if peek(",") { position += 1 }
            }
            try expect("}")
            try expect(")")
            return .object(attributes)
        case "tuple":
            try expect("(")
            try expect("[")
            var items: [ValueType] = []
            while !peek("]") {
                items.append(try parseType(depth: depth + 1))
                if peek(",") { position += 1 }
            }
            try expect("]")
            try expect(")")
            return .tuple(items)
        case "":
            throw error(atEnd ? "expected a type" : "unexpected \"\(rest)\"")
        default:
            position = start
            skipSpaces()
            throw error("\"\(name)\" is not a type; use string, number, bool, any, list(…), set(…), map(…), object({…}) or tuple([…])")
        }
    }
}

// MARK: - Conversion

/// Why a value could not be converted to a type, and where inside it.
public struct ConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Path inside the value: `attribute "x"`, `element 2`.
    public var path: [String]
    public var message: String
    /// The path and message with nothing taken from the value itself (a map's keys, the string
    /// that is not a number): what an error about a sensitive value may say.
    public var redactedPath: [String]
    public var redactedMessage: String

    public init(path: [String], message: String, redactedMessage: String? = nil) {
        self.path = path
        self.message = message
        redactedPath = path
        self.redactedMessage = redactedMessage ?? message
    }

    public var description: String {
        path.isEmpty ? message : path.joined(separator: ", ") + ": " + message
    }

    /// The description for a sensitive value: where in it, and what was required, but no part of it.
    public var redacted: String {
        redactedPath.isEmpty ? redactedMessage : redactedPath.joined(separator: ", ") + ": " + redactedMessage
    }

    /// The error one level further out: `step` names where inside the value it happened, and
    /// `redactedStep` says the same without quoting the value (a map key is part of the value).
    func inside(_ step: String, redactedStep: String? = nil) -> ConversionError {
        var outer = self
        outer.path.insert(step, at: 0)
        outer.redactedPath.insert(redactedStep ?? step, at: 0)
        return outer
    }
}

extension ValueType {
    /// Converts `value` to this type as Terraform's type system does: numbers and bools become
    /// strings, numeric strings become numbers, "true"/"false" become bools; null, unknown and
    /// sensitive marks pass through.
    public func convert(_ value: Value) -> Result<Value, ConversionError> {
        do { return .success(try convertThrowing(value)) } catch let e as ConversionError {
            return .failure(e)
        } catch { return .failure(ConversionError(path: [], message: "\(error)")) }
    }

    func convertThrowing(_ value: Value) throws -> Value {
        switch value {
        case .sensitive(let inner): return .sensitive(try convertThrowing(inner))
        case .null, .unknown: return value
        default: break
        }
        switch self {
        case .any:
            return value
        case .string:
            switch value {
            case .string: return value
            case .number(let n): return .string(Value.format(number: n))
            case .bool(let b): return .string(b ? "true" : "false")
            default: throw ConversionError(path: [], message: requirement)
            }
        case .number:
            switch value {
            case .number: return value
            case .string(let s):
                if let n = Double(s.trimmingSpaces), !s.isEmpty, n.isFinite { return .number(n) }
                throw ConversionError(path: [], message: "a number is required, but \(Value.quoted(s)) is not a number", redactedMessage: "a number is required")
            default: throw ConversionError(path: [], message: requirement)
            }
        case .bool:
            switch value {
            case .bool: return value
            case .string("true"): return .bool(true)
            case .string("false"): return .bool(false)
            default: throw ConversionError(path: [], message: requirement)
            }
        case .list(let element), .set(let element):
            guard case .list(let items) = value else { throw ConversionError(path: [], message: requirement) }
            var converted: [Value] = []
            converted.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                do { converted.append(try element.convertThrowing(item)) } catch let e as ConversionError {
                    throw e.inside("element \(index)")
                }
            }
            if case .set = self {
                var seen = Set<Value>()
                converted = converted.filter { seen.insert($0).inserted }
                // A set has no order; Terraform lists a set of strings in lexical order, so a
                // configuration's order never shows as a change against what AWS reports.
                if converted.allSatisfy({ $0.unmarked.value.stringValue != nil }) {
                    converted.sort { $0.unmarked.value.stringValue! < $1.unmarked.value.stringValue! }
                }
            }
            return .list(converted)
        case .map(let element):
            guard case .map(let entries) = value else { throw ConversionError(path: [], message: requirement) }
            var converted: [String: Value] = [:]
            for key in entries.keys.sorted() {
                do { converted[key] = try element.convertThrowing(entries[key]!) } catch let e as ConversionError {
                    throw e.inside("element \(Value.quoted(key))", redactedStep: "an element")
                }
            }
            return .map(converted)
        case .object(let attributes):
            guard case .map(let entries) = value else { throw ConversionError(path: [], message: requirement) }
            var converted: [String: Value] = [:]
            for key in attributes.keys.sorted() {
                guard let item = entries[key] else {
                    throw ConversionError(path: [], message: "attribute \(Value.quoted(key)) is required")
                }
                do { converted[key] = try attributes[key]!.convertThrowing(item) } catch let e as ConversionError {
                    throw e.inside("attribute \(Value.quoted(key))")
                }
            }
            return .map(converted)
        case .tuple(let types):
            guard case .list(let items) = value else { throw ConversionError(path: [], message: requirement) }
            guard items.count == types.count else {
                throw ConversionError(path: [], message: "tuple of \(types.count) elements required, got \(items.count)")
            }
            var converted: [Value] = []
            for (index, pair) in zip(types, items).enumerated() {
                do { converted.append(try pair.0.convertThrowing(pair.1)) } catch let e as ConversionError {
                    throw e.inside("element \(index)")
                }
            }
            return .list(converted)
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
