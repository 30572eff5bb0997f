import Foundation
import TFYCore

/// Checks JSON documents against a JSON Schema (draft 2020-12), for the keywords the tests'
/// schemas use: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
/// `items`, `pattern`, `minimum`, `allOf`, `anyOf`, `if`/`then`, and `$ref` to `#/$defs/NAME`.
/// Any other keyword is refused when the schema is loaded, so a schema never seems to check
/// what this validator ignores.
struct JSONSchemaValidator {
    let root: JSONValue

    static let keywords: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "$defs",
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "pattern", "minimum",
        "allOf", "anyOf", "if", "then", "$ref",
    ]

    struct SchemaError: Error, CustomStringConvertible {
        var description: String
    }

    init(schema text: String) throws {
        switch JSONValue.parse(Array(text.utf8)) {
        case .success(let value): root = value
        case .failure(let error): throw SchemaError(description: "schema: \(error)")
        }
        try Self.checkKeywords(root, at: "#")
    }

    static func checkKeywords(_ schema: JSONValue, at path: String) throws {
        guard case .object(let entries) = schema else {
            guard case .bool = schema else { throw SchemaError(description: "\(path): a schema is an object or a boolean") }
            return
        }
        for (key, value) in entries {
            guard keywords.contains(key) else { throw SchemaError(description: "\(path): keyword \(key) is not supported by this validator") }
            switch key {
            case "$defs", "properties":
                for (name, sub) in value.objectValue ?? [:] { try checkKeywords(sub, at: "\(path)/\(key)/\(name)") }
            case "additionalProperties", "items", "if", "then":
                try checkKeywords(value, at: "\(path)/\(key)")
            case "allOf", "anyOf":
                for (i, sub) in (value.arrayValue ?? []).enumerated() { try checkKeywords(sub, at: "\(path)/\(key)/\(i)") }
            default: break
            }
        }
    }

    /// Every way `document` breaks the schema, each as `/path: what`; empty when it conforms.
    func errors(_ document: JSONValue) -> [String] {
        var found: [String] = []
        check(document, against: root, at: "", into: &found)
        return found
    }

    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/$defs/") else { return nil }
        return root.objectValue?["$defs"]?.objectValue?[String(reference.dropFirst("#/$defs/".count))]
    }

    func check(_ value: JSONValue, against schema: JSONValue, at path: String, into found: inout [String]) {
        if case .bool(let accepts) = schema {
            if !accepts { found.append("\(path): not allowed here") }
            return
        }
        guard case .object(let rules) = schema else { return }
        let place = path.isEmpty ? "/" : path
        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else { found.append("\(place): unresolved $ref \(reference)"); return }
            check(value, against: target, at: path, into: &found)
        }
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            if !allowed.contains(where: { Self.has(value, type: $0) }) {
                found.append("\(place): is \(Self.typeName(value)), not \(allowed.joined(separator: " or "))")
                return
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, value) }) {
            found.append("\(place): \(value.compact()) is not one of \(JSONValue.array(options).compact())")
        }
        if let constant = rules["const"], !Self.equal(constant, value) {
            found.append("\(place): \(value.compact()) is not \(constant.compact())")
        }
        if let pattern = rules["pattern"]?.stringValue, let text = value.stringValue,
           (try? NSRegularExpression(pattern: pattern))?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            found.append("\(place): \(value.compact()) does not match \(pattern)")
        }
        if let minimum = rules["minimum"].flatMap(Self.number), let number = Self.number(value), number < minimum {
            found.append("\(place): \(value.compact()) is less than \(minimum)")
        }
        if case .object(let entries) = value {
            let properties = rules["properties"]?.objectValue ?? [:]
            for name in (rules["required"]?.arrayValue ?? []).compactMap(\.stringValue) where entries[name] == nil {
                found.append("\(place): \(name) is required")
            }
            for name in entries.keys.sorted() {
                if let sub = properties[name] {
                    check(entries[name]!, against: sub, at: "\(path)/\(name)", into: &found)
                } else if let additional = rules["additionalProperties"] {
                    if case .bool(false) = additional {
                        found.append("\(place): \(name) is not expected here")
                    } else {
                        check(entries[name]!, against: additional, at: "\(path)/\(name)", into: &found)
                    }
                }
            }
        }
        if case .array(let items) = value, let itemSchema = rules["items"] {
            for (i, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)/\(i)", into: &found) }
        }
        for sub in rules["allOf"]?.arrayValue ?? [] { check(value, against: sub, at: path, into: &found) }
        if let options = rules["anyOf"]?.arrayValue {
            let outcomes = options.map { option -> [String] in
                var errors: [String] = []
                check(value, against: option, at: path, into: &errors)
                return errors
            }
            if !outcomes.contains(where: \.isEmpty) {
                found.append("\(place): matches none of anyOf: " + outcomes.map { $0.joined(separator: "; ") }.joined(separator: " | "))
            }
        }
        if let condition = rules["if"] {
            var errors: [String] = []
            check(value, against: condition, at: path, into: &errors)
            if errors.isEmpty, let then = rules["then"] { check(value, against: then, at: path, into: &found) }
        }
    }

    static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("integer", .int): return true
        case ("integer", .number(let n)): return n == n.rounded()
        case ("number", .int), ("number", .number): return true
        default: return false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): return Double(i)
        case .number(let n): return n
        default: return nil
        }
    }

    /// JSON equality: 1 and 1.0 are the same number.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}
