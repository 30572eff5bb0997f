import Foundation
import TFYCore

/// The built-in functions: their parameter names (for arity and error messages) and behaviour.
enum Functions {
    struct Signature {
        var parameters: [String]
        /// The name of the variadic parameter, if the function takes any number of extra arguments.
        var variadic: String?
        /// How many variadic arguments at least / at most.
        var variadicRange: ClosedRange<Int> = 0...Int.max
        var marks: Marks = .derived
    }

    /// How a function's result carries the sensitive marks of its arguments.
    enum Marks {
        /// The result is a new value computed from the arguments (`upper`, `join`, `format`,
        /// `contains`): it is sensitive as a whole when any part of any argument is.
        case derived
        /// The result is made of the arguments' elements, entries or one chosen argument
        /// (`concat`, `merge`, `lookup`): each keeps its own marks, and the function marks what
        /// its choice or its shape depends on (a sensitive list, map, key or index).
        case perElement
    }

    static let signatures: [String: Signature] = [
        "abs": Signature(parameters: ["num"]),
        "base64decode": Signature(parameters: ["str"]),
        "base64encode": Signature(parameters: ["str"]),
        "ceil": Signature(parameters: ["num"]),
        "coalesce": Signature(parameters: [], variadic: "vals", variadicRange: 1...Int.max, marks: .perElement),
        "concat": Signature(parameters: [], variadic: "seqs", marks: .perElement),
        "contains": Signature(parameters: ["list", "value"]),
        "distinct": Signature(parameters: ["list"]),
        "element": Signature(parameters: ["list", "index"], marks: .perElement),
        "file": Signature(parameters: ["path"]),
        "fileexists": Signature(parameters: ["path"]),
        "flatten": Signature(parameters: ["list"], marks: .perElement),
        "floor": Signature(parameters: ["num"]),
        "can": Signature(parameters: ["expression"]),
        "cidrhost": Signature(parameters: ["prefix", "hostnum"]),
        "cidrnetmask": Signature(parameters: ["prefix"]),
        "cidrsubnet": Signature(parameters: ["prefix", "newbits", "netnum"]),
        "cidrsubnets": Signature(parameters: ["prefix"], variadic: "newbits"),
        "format": Signature(parameters: ["format"], variadic: "args"),
        "formatlist": Signature(parameters: ["format"], variadic: "args", marks: .perElement),
        "join": Signature(parameters: ["separator", "list"]),
        "jsondecode": Signature(parameters: ["str"]),
        "jsonencode": Signature(parameters: ["val"]),
        "keys": Signature(parameters: ["inputMap"], marks: .perElement),
        "length": Signature(parameters: ["value"], marks: .perElement),
        "lookup": Signature(parameters: ["inputMap", "key"], variadic: "default", variadicRange: 0...1, marks: .perElement),
        "lower": Signature(parameters: ["str"]),
        "max": Signature(parameters: [], variadic: "numbers", variadicRange: 1...Int.max),
        "merge": Signature(parameters: [], variadic: "maps", marks: .perElement),
        "min": Signature(parameters: [], variadic: "numbers", variadicRange: 1...Int.max),
        "one": Signature(parameters: ["list"], marks: .perElement),
        "range": Signature(parameters: [], variadic: "params", variadicRange: 1...3),
        "regex": Signature(parameters: ["pattern", "string"]),
        "regexall": Signature(parameters: ["pattern", "string"]),
        "replace": Signature(parameters: ["str", "substr", "replace"]),
        "setproduct": Signature(parameters: [], variadic: "sets", marks: .perElement),
        "sha256": Signature(parameters: ["str"]),
        "split": Signature(parameters: ["separator", "str"]),
        "templatefile": Signature(parameters: ["path", "vars"]),
        "templatestring": Signature(parameters: ["template", "vars"]),
        "tolist": Signature(parameters: ["v"], marks: .perElement),
        "tomap": Signature(parameters: ["v"], marks: .perElement),
        "toset": Signature(parameters: ["v"], marks: .perElement),
        "tonumber": Signature(parameters: ["v"]),
        "tostring": Signature(parameters: ["v"]),
        "trimspace": Signature(parameters: ["str"]),
        "try": Signature(parameters: [], variadic: "expressions"),
        "upper": Signature(parameters: ["str"]),
        "values": Signature(parameters: ["mapping"], marks: .perElement),
        "yamldecode": Signature(parameters: ["src"]),
        "yamlencode": Signature(parameters: ["value"]),
        "zipmap": Signature(parameters: ["keys", "values"], marks: .perElement),
    ]

    /// Most elements `range()` may produce: as many as any value may hold, so a typo cannot
    /// exhaust memory.
    static let rangeLimit = EvaluationBudget.standard.valueElements

    /// Functions with per-element marks that still build a new collection, whose size the
    /// budget bounds.
    static let concatenating: Set<String> = ["concat", "flatten", "formatlist", "merge", "setproduct", "zipmap"]

    /// 2^53: up to here every whole number is a double, so `range` bounds count exactly.
    static let largestExactWholeNumber = 9_007_199_254_740_992.0
}

/// A function call in progress: its arguments, with helpers that check their types.
fileprivate struct Call {
    let name: String
    let signature: Functions.Signature
    /// The arguments with their sensitive marks; the helpers below return them unmarked at the
    /// top level, and lists and maps with their elements' own marks.
    let arguments: [Value]
    let locations: [SourceLocation]
    let callLocation: SourceLocation

    /// Thrown when an argument the function needs is not known yet: the result is unknown.
    struct Unknown: Error {}

    func parameterName(_ i: Int) -> String {
        i < signature.parameters.count ? signature.parameters[i] : (signature.variadic ?? "argument")
    }

    func fail(_ i: Int, _ message: String) -> EvaluationError {
        EvaluationError("Invalid function argument", "Invalid value for \"\(parameterName(i))\" parameter: \(message).",
                        at: i < locations.count ? locations[i] : callLocation)
    }

    func failure(_ message: String) -> EvaluationError {
        EvaluationError("Error in function call", "Call to function \"\(name)\" failed: \(message).", at: callLocation)
    }

    /// True when any part of any argument is sensitive.
    var containsSensitive: Bool { arguments.contains { $0.containsSensitive } }

    /// `text`, taken from argument `i`, for a message: `(sensitive value)` when any part of the
    /// argument is sensitive.
    func shown(_ i: Int, _ text: String) -> String {
        i < arguments.count && arguments[i].containsSensitive ? Value.redacted : text
    }

    func quoted(_ i: Int, _ text: String) -> String { shown(i, Value.quoted(text)) }

    /// Argument `i` without its top-level mark; unknown stops the call.
    func known(_ i: Int) throws -> Value {
        let value = arguments[i].unmarked.value
        if case .unknown = value { throw Unknown() }
        return value
    }

    func string(_ i: Int) throws -> String {
        let value = try known(i)
        guard let converted = ValueType.string.convert(value).successValue, let s = converted.stringValue else {
            throw fail(i, value.isNull ? "argument must not be null" : "string required")
        }
        return s
    }

    func number(_ i: Int) throws -> Double {
        let value = try known(i)
        guard let converted = ValueType.number.convert(value).successValue, let n = converted.numberValue else {
            throw fail(i, value.isNull ? "argument must not be null" : "number required")
        }
        return n
    }

    func wholeNumber(_ i: Int) throws -> Int {
        let n = try number(i)
        guard n == n.rounded() else { throw fail(i, "a whole number is required, not \(shown(i, Value.format(number: n)))") }
        guard abs(n) <= Functions.largestExactWholeNumber, let whole = Int(exactly: n) else {
            throw fail(i, "must be from -9007199254740992 to 9007199254740992, not \(shown(i, Value.format(number: n)))")
        }
        return whole
    }

    func list(_ i: Int, of what: String = "list") throws -> [Value] {
        let value = try known(i)
        guard let items = value.listValue else { throw fail(i, "\(what) required") }
        return items
    }

    func map(_ i: Int) throws -> [String: Value] {
        let value = try known(i)
        guard let entries = value.mapValue else { throw fail(i, "map required") }
        return entries
    }

    func stringList(_ i: Int) throws -> [String] {
        let items = try list(i, of: "list of string")
        return try items.map { item in
            if item.isUnknown { throw Unknown() }
            guard let s = ValueType.string.convert(item).successValue?.stringValue else {
                throw fail(i, "list of string required")
            }
            return s
        }
    }
}

extension Evaluator {
    /// The built-in functions' names, sorted: docs/configuration.md lists each with an example.
    public static var functionNames: [String] { Functions.signatures.keys.sorted() }

    func callFunction(_ name: String, _ argumentExpressions: [Expression], expandFinal: Bool, at location: SourceLocation) throws -> Value {
        guard let signature = Functions.signatures[name] else {
            throw EvaluationError("Call to unknown function", "There is no function named \"\(name)\".\(Suggestion.didYouMean(name, among: Functions.signatures.keys))", at: location)
        }
        if name == "can" {
            // Whether its argument evaluates without an error: `can(tonumber(var.price))`. That
            // tells about the values it reads, so when one is sensitive the answer is, true and
            // false alike.
            guard argumentExpressions.count == 1, !expandFinal else {
                throw EvaluationError("Invalid function arguments", "Function \"can\" takes exactly one expression.", at: location)
            }
            let sensitive = readsSensitiveValue(argumentExpressions[0])
            do {
                let value = try evaluate(argumentExpressions[0])
                return (value.isWhollyKnown ? Value.bool(true) : .unknown).marked(sensitive)
            } catch let error as EvaluationError {
                // Running out of budget says nothing about whether the expression is valid.
                if error.exceedsBudget { throw error }
                return Value.bool(false).marked(sensitive)
            }
        }
        if name == "try" {
            return try tryExpressions(argumentExpressions, expandFinal: expandFinal, at: location)
        }
        if name == "templatestring", let template = argumentExpressions.first {
            // Terraform's rule: the template comes from elsewhere, named by a reference; a
            // template written in place is a string template already.
            guard case .traversal(.scope, _) = template else {
                throw EvaluationError("Invalid function argument", "Invalid value for \"template\" parameter: invalid template expression: templatestring is only for rendering templates retrieved dynamically from elsewhere, and so does not support providing a literal template; consider using a template string expression instead.", at: template.location)
            }
        }
        var arguments: [Value] = []
        var locations: [SourceLocation] = []
        for (i, expression) in argumentExpressions.enumerated() {
            let value = try evaluate(expression)
            if expandFinal, i == argumentExpressions.count - 1 {
                let (inner, sensitive) = value.unmarked
                if case .unknown = inner { return Value.unknown.marked(sensitive || arguments.contains { $0.containsSensitive }) }
                guard let items = inner.listValue else {
                    throw EvaluationError("Invalid expanding argument value", "The expanding argument (indicated by ...) must be a list.", at: expression.location)
                }
                // Each expanded argument carries the list's mark, as an element of it would.
                arguments.append(contentsOf: items.map { $0.marked(sensitive) })
                locations.append(contentsOf: Array(repeating: expression.location, count: items.count))
            } else {
                arguments.append(value)
                locations.append(expression.location)
            }
        }
        let fixed = signature.parameters.count
        let extra = arguments.count - fixed
        if arguments.count < fixed || (signature.variadic != nil && extra < signature.variadicRange.lowerBound) {
            let missing = arguments.count < fixed ? signature.parameters[arguments.count] : signature.variadic!
            throw EvaluationError("Not enough function arguments", "Function \"\(name)\" expects \(describeArity(signature)) argument\(fixed == 1 && signature.variadic == nil ? "" : "s"). Missing value for \"\(missing)\".", at: location)
        }
        if (signature.variadic == nil && extra > 0) || extra > signature.variadicRange.upperBound {
            let at = locations[min(fixed + (signature.variadic == nil ? 0 : signature.variadicRange.upperBound), locations.count - 1)]
            throw EvaluationError("Too many function arguments", "Function \"\(name)\" expects only \(describeArity(signature)) argument\(fixed == 1 && signature.variadic == nil ? "" : "s").", at: at)
        }
        let call = Call(name: name, signature: signature, arguments: arguments, locations: locations, callLocation: location)
        do {
            let result = try run(call)
            // Functions that make a new value are held to the budget; the others return parts
            // of their arguments, which were held to it when they were made.
            if signature.marks == .derived || Functions.concatenating.contains(name) {
                try checkSize(of: result, builtBy: "\(name)()", at: location)
            }
            switch signature.marks {
            case .derived: return result.deepUnmarked.marked(call.containsSensitive)
            case .perElement: return result
            }
        } catch is Call.Unknown {
            return Value.unknown.marked(call.containsSensitive)
        }
    }

    /// `try(a, b, …)`: the value of the first expression that evaluates without an error.
    /// An expression that is not wholly known yet may still fail, so the result is unknown
    /// until it is. Which expression succeeded tells about those that failed before it, so a
    /// failed one that reads a sensitive value marks the result; its error is listed by summary
    /// only.
    private func tryExpressions(_ expressions: [Expression], expandFinal: Bool, at location: SourceLocation) throws -> Value {
        guard !expressions.isEmpty else {
            throw EvaluationError("Error in function call", "Call to function \"try\" failed: at least one argument is required.", at: location)
        }
        guard !expandFinal else {
            throw EvaluationError("Invalid function arguments", "Function \"try\" takes expressions, not a list expanded with \"...\".", at: location)
        }
        var failures: [String] = []
        var decidedBySensitive = false
        for expression in expressions {
            do {
                let value = try evaluate(expression)
                if !value.isWhollyKnown { return Value.unknown.marked(decidedBySensitive || value.containsSensitive) }
                return value.marked(decidedBySensitive)
            } catch let error as EvaluationError {
                // Running out of budget says nothing about whether the expression is valid.
                if error.exceedsBudget { throw error }
                let sensitive = readsSensitiveValue(expression)
                decidedBySensitive = decidedBySensitive || sensitive
                let diagnostic = error.diagnostic
                let at = diagnostic.location.map { " (at \($0))" } ?? ""
                failures.append("- \(diagnostic.summary)\(sensitive ? "" : ": " + diagnostic.detail.withoutFinalPeriod)\(at)")
            }
        }
        throw EvaluationError("Error in function call", "Call to function \"try\" failed: no expression succeeded:\n\(failures.joined(separator: "\n"))\nAt least one expression must produce a successful result.", at: location)
    }

    /// True when `expression` reads a sensitive value: through a reference (as far along it as
    /// it can be followed; all of its root when it cannot) or a value a for expression bound.
    private func readsSensitiveValue(_ expression: Expression) -> Bool {
        if expression.containsSensitiveLiteral { return true }
        return ReferenceChecker.references(in: expression).contains { reference in
            let root: Value?
            switch reference.subject {
            case .variable(let name): root = scope.variables[name]
            case .local(let name): root = scope.locals[name]
            case .resource(let type, let name): root = scope.resources["\(type).\(name)"]
            case .dataSource(let type, let name): root = scope.resources["data.\(type).\(name)"]
            case .selfObject: root = scope.selfValue
            case .module(let name): root = scope.modules[name]
            case .each(let name): root = name == "value" ? scope.each?.value : nil
            case .countIndex, .path: root = nil
            }
            guard let root else { return false }
            let read = (try? apply(reference.remainingSteps[...], to: root)) ?? root
            return read.containsSensitive
        }
    }

    private func describeArity(_ signature: Functions.Signature) -> String {
        let fixed = signature.parameters.count
        guard signature.variadic != nil else { return "\(fixed)" }
        let range = signature.variadicRange
        if range.upperBound == Int.max { return "at least \(fixed + range.lowerBound)" }
        return "\(fixed + range.lowerBound) to \(fixed + range.upperBound)"
    }

    private func run(_ call: Call) throws -> Value {
        let args = call.arguments
        switch call.name {
        case "abs": return .number(abs(try call.number(0)))
        case "ceil": return .number((try call.number(0)).rounded(.up))
        case "floor": return .number((try call.number(0)).rounded(.down))
        case "upper": return .string(try call.string(0).uppercased())
        case "lower": return .string(try call.string(0).lowercased())
        case "trimspace": return .string(String(try call.string(0).trimmingCharacters(in: .whitespacesAndNewlines)))
        case "tostring":
            let value = try call.known(0)
            if value.isNull { return .null }
            guard let s = ValueType.string.convert(value).successValue else { throw call.fail(0, "cannot convert \(value.kindDescription) to string") }
            return s
        case "tonumber":
            let value = try call.known(0)
            if value.isNull { return .null }
            guard let n = ValueType.number.convert(value).successValue else { throw call.fail(0, "cannot convert \(call.shown(0, value.description)) to number") }
            return n
        case "tolist":
            return Value.list(try call.list(0)).marked(args[0].isSensitive)
        case "tomap":
            return Value.map(try call.map(0)).marked(args[0].isSensitive)
        case "toset":
            // A set is a list without repeats, in Terraform's order: strings (to which numbers
            // and bools convert when any element is a string) sorted, numbers in numeric order.
            let items = try call.list(0)
            let element: ValueType = items.contains { $0.unmarked.value.stringValue != nil } ? .string : .any
            guard case .success(.list(var set)) = ValueType.set(element).convert(.list(items)) else {
                throw call.fail(0, "cannot convert \(args[0].kindDescription) to set of any single type")
            }
            if set.allSatisfy({ $0.unmarked.value.numberValue != nil }) {
                set.sort { $0.unmarked.value.numberValue! < $1.unmarked.value.numberValue! }
            }
            return Value.list(set).marked(args[0].isSensitive)
        case "sha256":
            return .string(SHA256.hex(Array(try call.string(0).utf8)))
        case "base64encode":
            return .string(Data(try call.string(0).utf8).base64EncodedString())
        case "base64decode":
            guard let data = Data(base64Encoded: try call.string(0)), let s = String(data: data, encoding: .utf8) else {
                throw call.fail(0, "the string is not valid base64-encoded UTF-8")
            }
            return .string(s)
        case "join":
            let separator = try call.string(0)
            let items = try call.stringList(1)
            // Measured before joining: a long list of one shared long string is small in
            // memory until it is joined.
            var bytes = separator.utf8.count * max(0, items.count - 1)
            for item in items {
                bytes += item.utf8.count
                if bytes > scope.budget.valueBytes { throw valueTooLarge(ValueSize(bytes: bytes), builtBy: "join()", at: call.callLocation) }
            }
            return .string(items.joined(separator: separator))
        case "split":
            let separator = try call.string(0)
            let text = try call.string(1)
            let pieces = separator.isEmpty ? text.count : occurrences(of: separator, in: text, upTo: scope.budget.valueElements) + 1
            guard pieces <= scope.budget.valueElements else { throw valueTooLarge(ValueSize(elements: pieces), builtBy: "split()", at: call.callLocation) }
            guard !separator.isEmpty else { return .list(text.map { .string(String($0)) }) }
            return .list(text.components(separatedBy: separator).map { .string($0) })
        case "replace":
            let text = try call.string(0), search = try call.string(1), replacement = try call.string(2)
            if search.utf8.count > 1, search.hasPrefix("/"), search.hasSuffix("/") {
                return .string(try replaceMatches(call, text: text, search: search, replacement: replacement))
            }
            guard !search.isEmpty else { return .string(text) }
            let growth = replacement.utf8.count - search.utf8.count
            if growth > 0 {
                // Counting stops as soon as the result would be too large.
                let allowed = max(0, scope.budget.valueBytes - text.utf8.count) / growth
                let bytes = text.utf8.count + growth * occurrences(of: search, in: text, upTo: allowed)
                guard bytes <= scope.budget.valueBytes else { throw valueTooLarge(ValueSize(bytes: bytes), builtBy: "replace()", at: call.callLocation) }
            }
            return .string(text.replacingOccurrences(of: search, with: replacement))
        case "length":
            // The count, not the elements: only a sensitive collection or string marks it.
            let value = try call.known(0)
            let length: Int
            switch value {
            case .list(let items): length = items.count
            case .map(let entries): length = entries.count
            case .string(let s): length = s.count
            default: throw call.fail(0, "collection or string required")
            }
            return Value.number(Double(length)).marked(args[0].isSensitive)
        case "concat":
            // A sensitive list hides its length, so where every later element lands.
            var result: [Value] = []
            let lists = try args.indices.map { try call.list($0) }
            let count = lists.reduce(0) { $0 + $1.count }
            guard count <= scope.budget.valueElements else { throw valueTooLarge(ValueSize(elements: count), builtBy: "concat()", at: call.callLocation) }
            for list in lists { result.append(contentsOf: list) }
            return Value.list(result).marked(args.contains(where: \.isSensitive))
        case "flatten":
            var shapeIsSensitive = args[0].isSensitive
            func flatten(_ items: [Value]) throws -> [Value] {
                try items.flatMap { item -> [Value] in
                    let (inner, sensitive) = item.unmarked
                    if case .unknown = inner { throw Call.Unknown() }
                    if case .list(let nested) = inner {
                        shapeIsSensitive = shapeIsSensitive || sensitive
                        return try flatten(nested)
                    }
                    return [item]
                }
            }
            let flattened = try flatten(try call.list(0))
            return Value.list(flattened).marked(shapeIsSensitive)
        case "distinct":
            var seen = Set<Value>()
            return .list(try call.list(0).map(\.deepUnmarked).filter { seen.insert($0).inserted })
        case "contains":
            let items = try call.list(0)
            let needle = try call.known(1)
            guard items.allSatisfy(\.isWhollyKnown), needle.isWhollyKnown else { throw Call.Unknown() }
            return .bool(items.map(\.deepUnmarked).contains(needle.deepUnmarked))
        case "element":
            let items = try call.list(0)
            let index = try call.wholeNumber(1)
            guard !items.isEmpty else { throw call.fail(0, "cannot use element function with an empty list") }
            guard index >= 0 else { throw call.fail(1, "the index must not be negative") }
            return items[index % items.count].marked(args[0].isSensitive || args[1].isSensitive)
        case "keys":
            return Value.list(try call.map(0).keys.sorted().map { .string($0) }).marked(args[0].isSensitive)
        case "values":
            let entries = try call.map(0)
            return Value.list(entries.keys.sorted().map { entries[$0]! }).marked(args[0].isSensitive)
        case "merge":
            // A sensitive map hides its keys, so which entries of the others survive.
            var result: [String: Value] = [:]
            for i in args.indices {
                if args[i].isNull { continue }
                result.merge(try call.map(i)) { _, new in new }
            }
            return Value.map(result).marked(args.contains(where: \.isSensitive))
        case "lookup":
            // The element or the default, with its own marks; a sensitive map or key decided
            // which, so it marks either.
            let entries = try call.map(0)
            let key = try call.string(1)
            let decidedBySensitive = args[0].isSensitive || args[1].isSensitive
            if let found = entries[key] { return found.marked(decidedBySensitive) }
            if args.count == 3 { return args[2].marked(decidedBySensitive) }
            throw call.failure("the given key \(Value.quoted(key, sensitive: decidedBySensitive)) is not in the map, and no default was given")
        case "coalesce":
            // The first argument that is neither null nor "", with its own marks; a sensitive
            // argument looked at on the way decided the choice, so it marks the result.
            var decidedBySensitive = false
            for value in args {
                let (inner, sensitive) = value.unmarked
                decidedBySensitive = decidedBySensitive || sensitive
                if case .unknown = inner { throw Call.Unknown() }
                if inner.isNull { continue }
                if case .string("") = inner { continue }
                return value.marked(decidedBySensitive)
            }
            throw call.failure("no non-null, non-empty-string arguments")
        case "min", "max":
            var numbers: [Double] = []
            for i in args.indices { numbers.append(try call.number(i)) }
            return .number(call.name == "min" ? numbers.min()! : numbers.max()!)
        case "range":
            return try range(call)
        case "format":
            return .string(try format(call))
        case "formatlist":
            return try formatlist(call)
        case "jsonencode":
            let value = try call.known(0)
            guard value.isWhollyKnown else { throw Call.Unknown() }
            // The text is at least as long as the strings in it: refuse before encoding.
            var size = ValueSize()
            guard size.add(value, budget: scope.budget) else { throw valueTooLarge(size, builtBy: "jsonencode()", at: call.callLocation) }
            return .string(JSONText.encode(value.deepUnmarked))
        case "jsondecode":
            let text = try call.string(0)
            let json: JSONValue
            switch JSONValue.parse(Array(text.utf8)) {
            case .success(let parsed): json = parsed
            case .failure(let error):
                // The parser's message may quote the text, which may be a secret.
                throw call.failure(call.containsSensitive ? "the string is not valid JSON" : "\(error.description.withoutFinalPeriod)")
            }
            guard VariableInput.fitsBudget(json) else { throw decodedTooLarge(call) }
            return Value(json: json)
        case "yamldecode":
            return try yamlDecode(call)
        case "yamlencode":
            let value = try call.known(0)
            guard value.isWhollyKnown else { throw Call.Unknown() }
            // The text holds at least the value's strings, and indentation besides: the encoder
            // stops as soon as it passes the limit.
            var size = ValueSize()
            guard size.add(value, budget: scope.budget) else { throw valueTooLarge(size, builtBy: "yamlencode()", at: call.callLocation) }
            guard let text = YAMLText.encode(value.deepUnmarked, byteLimit: scope.budget.valueBytes) else {
                throw valueTooLarge(ValueSize(bytes: scope.budget.valueBytes + 1), builtBy: "yamlencode()", at: call.callLocation)
            }
            return .string(text)
        case "zipmap":
            return try zipmap(call)
        case "setproduct":
            return try setproduct(call)
        case "one":
            let (value, sensitive) = args[0].unmarked
            if case .unknown = value { throw Call.Unknown() }
            guard let items = value.listValue, items.count <= 1 else {
                throw call.fail(0, "must be a list, set, or tuple value with either zero or one elements")
            }
            return (items.first ?? .null).marked(sensitive)
        case "cidrsubnet", "cidrhost", "cidrsubnets", "cidrnetmask":
            return try cidr(call)
        case "regex", "regexall":
            return try regex(call)
        case "templatestring":
            let template = try call.string(0)
            let variables = try call.map(1)
            guard variables.values.allSatisfy(\.isWhollyKnown) else { throw Call.Unknown() }
            // A template string may render itself (passed in as a variable): bounded by depth.
            let chain = scope.templateChain + [(resolved: "", shown: "templatestring()")]
            guard chain.count <= scope.budget.templateDepth else {
                throw EvaluationError.budget("Templates nested too deeply", "templatefile() and templatestring() calls nest more than \(scope.budget.templateDepth) templates deep: \(chain.map(\.shown).joined(separator: " -> ")).", at: call.callLocation)
            }
            return try renderTemplate(template, named: nil, variables: variables, chain: chain, call: call)
        case "file":
            let path = try call.string(0)
            let bytes = try readFile(path, call: call)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw call.fail(0, "contents of \(call.quoted(0, path)) are not valid UTF-8; use a text file")
            }
            return .string(text)
        case "fileexists":
            // As Terraform's: false when nothing is there, an error for a directory or device.
            let path = try call.string(0)
            switch scope.files.exists(path, relativeTo: scope.moduleDirectory) {
            case .success(let exists): return .bool(exists)
            case .failure(.notRegularFile(let kind)): throw call.failure("\(call.quoted(0, path)) is \(kind), not a regular file")
            case .failure(let failure): throw call.failure("\(call.quoted(0, path)) \(failure.reason(limit: scope.files.sizeLimit))")
            }
        case "templatefile":
            let path = try call.string(0)
            let variables = try call.map(1)
            guard variables.values.allSatisfy(\.isWhollyKnown) else { throw Call.Unknown() }
            let resolved = scope.files.resolve(path, relativeTo: scope.moduleDirectory)
            let chain = scope.templateChain + [(resolved: resolved, shown: call.shown(0, path))]
            let named = chain.map(\.shown).joined(separator: " -> ")
            if scope.templateChain.contains(where: { $0.resolved == resolved }) {
                throw EvaluationError.budget("Template inclusion cycle", "The template \(call.quoted(0, path)) includes itself: \(named). A template cannot call templatefile() on itself, directly or through other templates.", at: call.callLocation)
            }
            guard chain.count <= scope.budget.templateDepth else {
                throw EvaluationError.budget("Templates nested too deeply", "templatefile() calls nest more than \(scope.budget.templateDepth) templates deep: \(named).", at: call.callLocation)
            }
            let bytes = try readFile(path, call: call)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw call.fail(0, "contents of \(call.quoted(0, path)) are not valid UTF-8; use a text file")
            }
            return try renderTemplate(text, named: path, variables: variables, chain: chain, call: call)
        default:
            throw call.failure("not implemented")
        }
    }

    /// How often `needle` (not empty) occurs in `text`, without overlaps, counting no further
    /// than `limit + 1`. A byte search in linear time (Knuth–Morris–Pratt): Foundation's
    /// `range(of:)` copies the rest of a substring on every call, which made counting quadratic.
    private func occurrences(of needle: String, in text: String, upTo limit: Int) -> Int {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return 0 }
        var failure = [Int](repeating: 0, count: pattern.count)
        var k = 0
        for i in 1..<max(1, pattern.count) {
            while k > 0, pattern[i] != pattern[k] { k = failure[k - 1] }
            if pattern[i] == pattern[k] { k += 1 }
            failure[i] = k
        }
        var count = 0
        var matched = 0
        for byte in text.utf8 {
            while matched > 0, byte != pattern[matched] { matched = failure[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count {
                count += 1
                if count > limit { break }
                matched = 0
            }
        }
        return count
    }

    private func readFile(_ path: String, call: Call) throws -> [UInt8] {
        switch scope.files.read(path, relativeTo: scope.moduleDirectory) {
        case .success(let bytes): return bytes
        case .failure(.missing): throw call.fail(0, "no file exists at \(call.quoted(0, path)); this function works only with files that are distributed as part of the configuration source code")
        case .failure(.tooLarge): throw call.fail(0, "the file \(call.quoted(0, path)) is larger than \(EvaluationBudget.describe(bytes: scope.files.sizeLimit)), the most a file read by \(call.name)() may hold")
        case .failure(.notRegularFile(let kind)): throw call.fail(0, "\(call.quoted(0, path)) is \(kind), not a regular file; \(call.name)() reads only regular files")
        case .failure(.unreadable(let why)): throw call.fail(0, "cannot read \(call.quoted(0, path)): \(call.shown(0, why))")
        }
    }

    private func range(_ call: Call) throws -> Value {
        let numbers = try call.arguments.indices.map { try call.number($0) }
        // Beyond 2^53 a double no longer counts by one: such a bound is an error, not a range
        // whose elements repeat or a count converted to Int.
        for (i, n) in numbers.enumerated() where !(abs(n) <= Functions.largestExactWholeNumber) {
            throw call.fail(i, "must be from -9007199254740992 to 9007199254740992, not \(call.shown(i, Value.format(number: n)))")
        }
        let start = numbers.count > 1 ? numbers[0] : 0
        let limit = numbers.count > 1 ? numbers[1] : numbers[0]
        let step = numbers.count > 2 ? numbers[2] : (start <= limit ? 1 : -1)
        guard step != 0 else { throw call.fail(2, "step must not be zero") }
        guard (step > 0 && start <= limit) || (step < 0 && start >= limit) else {
            let limitIndex = numbers.count > 1 ? 1 : 0
            throw call.failure("the step \(call.shown(2, Value.format(number: step))) moves away from the limit \(call.shown(limitIndex, Value.format(number: limit)))")
        }
        let count = ((limit - start) / step).rounded(.up)
        guard count <= Double(Functions.rangeLimit) else {
            throw call.failure("more than \(Functions.rangeLimit) numbers would be produced")
        }
        return .list((0..<Int(count)).map { .number(start + Double($0) * step) })
    }

    /// format applied element by element: list arguments (all of one length) give one result
    /// each, other arguments are repeated. Each result is sensitive when something it was made
    /// from is; a sensitive list argument (its length decides the result's) marks them all.
    private func formatlist(_ call: Call) throws -> Value {
        var length: Int?
        var lengthIsSensitive = false
        for i in 1..<max(1, call.arguments.count) {
            guard let items = try call.known(i).listValue else { continue }
            let sensitive = call.arguments[i].isSensitive
            if let length, length != items.count {
                let lengths = lengthIsSensitive || sensitive ? "" : ": \(length) and \(items.count)"
                throw call.fail(i, "all list arguments must have the same length\(lengths)")
            }
            length = items.count
            lengthIsSensitive = lengthIsSensitive || sensitive
        }
        let count = length ?? 1
        var bytes = 0
        return Value.list(try (0..<count).map { index in
            let arguments = call.arguments.enumerated().map { i, value in
                i > 0 ? (value.listValue.map { $0[index].marked(value.isSensitive) } ?? value) : value
            }
            let text = try format(Call(name: call.name, signature: call.signature, arguments: arguments, locations: call.locations, callLocation: call.callLocation))
            bytes += text.utf8.count
            guard bytes <= scope.budget.valueBytes else { throw valueTooLarge(ValueSize(bytes: bytes), builtBy: "formatlist()", at: call.callLocation) }
            return Value.string(text).marked(arguments.contains { $0.containsSensitive })
        }).marked(lengthIsSensitive)
    }

    private func format(_ call: Call) throws -> String {
        let spec = Array(try call.string(0))
        var output = ""
        var argument = 1
        var i = 0
        while i < spec.count {
            let c = spec[i]
            guard c == "%" else { output.append(c); i += 1; continue }
            i += 1
            guard i < spec.count else { throw call.fail(0, "the format string ends with an incomplete verb") }
            if spec[i] == "%" { output.append("%"); i += 1; continue }
            var flags = "", width = "", precision: String?
            while i < spec.count, "-+ 0#".contains(spec[i]) { flags.append(spec[i]); i += 1 }
            while i < spec.count, spec[i].isASCII, spec[i].isNumber { width.append(spec[i]); i += 1 }
            if i < spec.count, spec[i] == "." {
                i += 1
                var p = ""
                while i < spec.count, spec[i].isASCII, spec[i].isNumber { p.append(spec[i]); i += 1 }
                precision = p
            }
            guard i < spec.count else { throw call.fail(0, "the format string ends with an incomplete verb") }
            let verb = spec[i]
            i += 1
            guard argument < call.arguments.count else {
                throw call.failure("not enough arguments for the format string: verb %\(verb) at position \(argument) has no argument")
            }
            guard width.count <= 4, (precision?.count ?? 0) <= 4 else { throw call.fail(0, "width and precision are limited to 9999") }
            var piece: String
            switch verb {
            case "s", "v":
                let value = try call.known(argument)
                if verb == "v", !value.isWhollyKnown { throw Call.Unknown() }
                if verb == "v", value.listValue != nil || value.mapValue != nil { piece = JSONText.encode(value.deepUnmarked) } else { piece = try call.string(argument) }
                if let p = precision, let n = Int(p) { piece = String(piece.prefix(n)) }
            case "q":
                piece = JSONText.encode(.string(try call.string(argument)))
            case "d":
                let n = try call.number(argument)
                guard n == n.rounded() else { throw call.fail(argument, "%d requires a whole number, not \(call.shown(argument, Value.format(number: n)))") }
                // Beyond 2^53 a double's digits are not the ones written (1e30 would print as
                // 1000000000000000019884624838656): refused, like an index or a range bound.
                guard abs(n) <= Functions.largestExactWholeNumber, let whole = Int(exactly: n) else {
                    throw call.fail(argument, "%d requires a whole number from -9007199254740992 to 9007199254740992, not \(call.shown(argument, Value.format(number: n)))")
                }
                piece = String(whole)
                if flags.contains("+"), whole >= 0 { piece = "+" + piece }
            case "f":
                let n = try call.number(argument)
                piece = String(format: "%.\(Int(precision ?? "6") ?? 6)f", n)
            case "t":
                let value = try call.known(argument)
                guard let b = ValueType.bool.convert(value).successValue?.boolValue else { throw call.fail(argument, "%t requires a bool") }
                piece = b ? "true" : "false"
            default:
                throw call.fail(0, "unsupported format verb \(call.shown(0, "%\(verb)")); use %s, %d, %f, %t, %q or %v")
            }
            if let w = Int(width), piece.count < w {
                let pad = String(repeating: flags.contains("0") && !flags.contains("-") ? "0" : " ", count: w - piece.count)
                piece = flags.contains("-") ? piece + pad : pad + piece
            }
            guard output.utf8.count + piece.utf8.count <= scope.budget.valueBytes else {
                throw valueTooLarge(ValueSize(bytes: output.utf8.count + piece.utf8.count), builtBy: "\(call.name)()", at: call.callLocation)
            }
            output += piece
            argument += 1
        }
        guard argument == call.arguments.count else {
            throw call.failure("too many arguments for the format string: \(call.arguments.count - 1) given, \(argument - 1) used")
        }
        return output
    }
}

extension Evaluator {
    /// Renders `text` as a template with `variables` (`templatefile` names it by its path,
    /// `templatestring` has none). A template chosen by a sensitive argument is as sensitive as
    /// the argument: its errors quote neither.
    fileprivate func renderTemplate(_ text: String, named path: String?, variables: [String: Value],
                                    chain: [(resolved: String, shown: String)], call: Call) throws -> Value {
        let templateIsSensitive = call.arguments[0].containsSensitive
        let named = path.map { "the template \(call.quoted(0, $0))" } ?? "the template"
        let templateLocation = path.map { SourceLocation(file: $0, line: 1, column: 1) } ?? call.callLocation
        let expression: Expression
        switch ExpressionParser.parseString(text, sourceMap: .startOnly(templateLocation)) {
        case .success(let parsed): expression = parsed
        case .failure(let error): throw call.failure("\(named) is invalid\(templateIsSensitive ? "" : ": " + error.diagnostic.detail.withoutFinalPeriod)")
        }
        var templateScope = EvaluationScope()
        templateScope.resourceTypes = []
        templateScope.moduleDirectory = scope.moduleDirectory
        templateScope.files = scope.files
        templateScope.budget = scope.budget
        templateScope.meter = scope.meter
        templateScope.templateChain = chain
        let templateEvaluator = TemplateVariables(variables: variables, evaluator: Evaluator(scope: templateScope))
        do {
            return try templateEvaluator.evaluate(expression, asString: true)
        } catch var error as EvaluationError where error.exceedsBudget {
            // Shown where the configuration calls the outermost template, which a person
            // can see and change; the detail names what was too large.
            if scope.templateChain.isEmpty { error.diagnostic.location = call.callLocation }
            throw error
        } catch let error as EvaluationError {
            // The variables keep their marks inside the template, so this detail quotes no
            // sensitive variable.
            throw call.failure("\(named) could not be rendered\(templateIsSensitive ? "" : ": " + error.diagnostic.detail.withoutFinalPeriod)")
        }
    }

    /// A decoded document larger than a configuration or variable file may be.
    fileprivate func decodedTooLarge(_ call: Call) -> EvaluationError {
        .budget("Value too large", "The value \(call.name)() decodes would hold more than \(scope.budget.yamlNodes) values or nest them more than 64 deep, the most a configuration or variable file may; decode a smaller document.", at: call.callLocation)
    }

    /// `yamldecode`: one YAML document, read by the configuration's own parser within the same
    /// limits as a configuration or variable file (aliases expanded, `yamlNodes`, `yamlBytes`).
    /// Its errors give the line and column in the string, and quote none of a sensitive string.
    fileprivate func yamlDecode(_ call: Call) throws -> Value {
        let text = try call.string(0)
        var parser = YAMLParser()
        parser.budget = scope.budget
        parser.quotesSourceInErrors = !call.containsSensitive
        let result = parser.parse(SourceFile(name: "yamldecode", bytes: Array(text.utf8)))
        if let error = result.diagnostics.sorted.first(where: { $0.severity == .error }) {
            if ["YAML alias expansion too large", "YAML document too large", "YAML nesting too deep"].contains(error.summary) {
                throw decodedTooLarge(call)
            }
            let at = error.location.map { "on line \($0.line), column \($0.column): " } ?? ""
            // The parser's words for a configuration file, Terraform's for a string.
            let detail = error.summary == "Multiple YAML documents" ? "unexpected extra content after value" : error.detail.withoutFinalPeriod
            throw call.failure(at + (call.containsSensitive ? "the string is not valid YAML" : detail))
        }
        // The parser refuses keys that are not strings, as Terraform does.
        guard let root = result.root else { throw call.failure("on line 1, column 1: missing start of document") }
        return root.literalValue
    }

    /// `zipmap(keys, values)`: a map from two lists of one length; a later duplicate key wins.
    /// Keys carry no marks of their own, so a sensitive key or key list marks the whole map,
    /// and so does a sensitive value list (its length decides which keys are kept); each value
    /// keeps its own marks.
    fileprivate func zipmap(_ call: Call) throws -> Value {
        let keys = try call.list(0)
        let values = try call.list(1)
        let lengthIsSensitive = call.arguments[0].isSensitive || call.arguments[1].isSensitive
        guard keys.count == values.count else {
            throw call.failure(lengthIsSensitive ? "the number of keys does not match the number of values"
                                                 : "number of keys (\(keys.count)) does not match number of values (\(values.count))")
        }
        var entries: [String: Value] = [:]
        var sensitive = lengthIsSensitive
        for (i, (key, value)) in zip(keys, values).enumerated() {
            let (inner, keySensitive) = key.unmarked
            if case .unknown = inner { throw Call.Unknown() }
            guard !inner.isNull else { throw call.failure("keys list has null value at index \(i)") }
            guard let name = ValueType.string.convert(inner).successValue?.stringValue else { throw call.fail(0, "list of string required") }
            sensitive = sensitive || keySensitive
            entries[name] = value
        }
        return Value.map(entries).marked(sensitive)
    }

    /// `setproduct(a, b, …)`: every combination of one element from each list, in order. Its
    /// size is computed before anything is built; a sensitive list (whose length shapes the
    /// result) marks it all, and each element keeps its own marks.
    fileprivate func setproduct(_ call: Call) throws -> Value {
        guard call.arguments.count >= 2 else { throw call.failure("at least two arguments are required") }
        let lists = try call.arguments.indices.map { try call.list($0) }
        // Each combination is a list of one element per argument, and an element of the result.
        var combinations = 1
        for list in lists {
            let (product, overflow) = combinations.multipliedReportingOverflow(by: list.count)
            guard !overflow, product <= scope.budget.valueElements else {
                throw valueTooLarge(ValueSize(elements: scope.budget.valueElements + 1), builtBy: "setproduct()", at: call.callLocation)
            }
            combinations = product
        }
        guard combinations * (lists.count + 1) <= scope.budget.valueElements else {
            throw valueTooLarge(ValueSize(elements: combinations * (lists.count + 1)), builtBy: "setproduct()", at: call.callLocation)
        }
        var result: [Value] = [.list([])]
        for list in lists {
            result = result.flatMap { prefix in list.map { .list(prefix.listValue! + [$0]) } }
        }
        return Value.list(result).marked(call.arguments.contains(where: \.isSensitive))
    }

    /// `cidrsubnet(prefix, newbits, netnum)`, `cidrsubnets(prefix, newbits…)`,
    /// `cidrhost(prefix, hostnum)` and `cidrnetmask(prefix)`, IPv4 and IPv6, with Terraform's
    /// messages; a negative `newbits` or `netnum` is refused (Terraform
    /// computes a meaningless address from one).
    fileprivate func cidr(_ call: Call) throws -> Value {
        let text = try call.string(0)
        guard let prefix = NetworkPrefix(text) else {
            throw call.failure("invalid CIDR expression: invalid CIDR address: \(call.shown(0, text))")
        }
        let failure: NetworkPrefix.Failure
        if call.name == "cidrnetmask" {
            guard prefix.bytes.count == 4 else { throw call.failure("IPv6 addresses cannot have a netmask: \(call.shown(0, text))") }
            return .string(prefix.netmask)
        }
        if call.name == "cidrsubnets" {
            let newBits = try (1..<call.arguments.count).map { try call.wholeNumber($0) }
            switch prefix.subnets(newBits) {
            case .success(let subnets): return .list(subnets.map { .string($0.formatted) })
            case .failure(let why):
                let i = why.argument + 1
                switch why.reason {
                case .notExtended: throw call.fail(i, "must extend prefix by at least one bit")
                case .tooLong(let length):
                    throw call.fail(i, "would extend prefix to \(call.shown(0, String(length))) bits, which is too long for an IPv\(prefix.bytes.count == 4 ? 4 : 6) address")
                case .noSpace(let length, let after):
                    throw call.fail(i, "not enough remaining address space for a subnet with a prefix of \(call.shown(0, String(length))) bits after \(call.shown(0, after.formatted))")
                }
            }
        }
        if call.name == "cidrsubnet" {
            let newBits = try call.wholeNumber(1), netnum = try call.wholeNumber(2)
            switch prefix.subnet(newBits: newBits, netnum: netnum) {
            case .success(let subnet): return .string(subnet.formatted)
            case .failure(let why): failure = why
            }
        } else {
            switch prefix.host(try call.wholeNumber(1)) {
            case .success(let address): return .string(NetworkPrefix.format(address))
            case .failure(let why): failure = why
            }
        }
        switch failure {
        case .newBitsNegative: throw call.fail(1, "must not be negative")
        case .netnumNegative: throw call.fail(2, "must not be negative")
        case .insufficientSpace(let length, let newBits):
            throw call.failure("insufficient address space to extend prefix of \(call.shown(0, String(length))) by \(call.shown(1, String(newBits)))")
        case .subnetTooLarge(let newBits, let netnum):
            throw call.failure("prefix extension of \(call.shown(1, String(newBits))) does not accommodate a subnet numbered \(call.shown(2, String(netnum)))")
        case .hostOutOfRange(let length, let hostnum):
            throw call.failure("prefix of \(call.shown(0, String(length))) does not accommodate a host numbered \(call.shown(1, String(hostnum)))")
        }
    }

    fileprivate func pattern(_ call: Call, argument i: Int) throws -> RE2Pattern {
        try pattern(call, argument: i, inner: try call.string(i))
    }

    fileprivate func matches(of pattern: RE2Pattern, in text: String, limit: Int, call: Call) throws -> [RE2Pattern.Match] {
        do {
            return try pattern.matches(in: text, limit: limit, meter: scope.meter, budget: scope.budget)
        } catch {
            throw EvaluationError.budget(Self.workExhausted, "The regular expressions of this configuration would take more than \(scope.budget.regexWork) units of matching work in all, the most one evaluation may; a pattern with nested repetition such as (a+)+ can take exponential time: simplify it.", at: call.callLocation)
        }
    }

    /// `regex` (the first match, an error when there is none) and `regexall` (every match): a
    /// match is the matched text without capture groups, a list of the groups' texts with
    /// unnamed ones, a map by name with named ones; a group that took no part is null.
    fileprivate func regex(_ call: Call) throws -> Value {
        let pattern = try pattern(call, argument: 0)
        let named = pattern.groupNames.compactMap { $0 }
        guard named.isEmpty || named.count == pattern.groupNames.count else {
            throw call.fail(0, "invalid regexp pattern: cannot mix both named and unnamed capture groups")
        }
        let text = try call.string(1)
        let all = call.name == "regexall"
        let found = try matches(of: pattern, in: text, limit: all ? scope.budget.valueElements + 1 : 1, call: call)
        guard found.count <= scope.budget.valueElements else {
            throw valueTooLarge(ValueSize(elements: found.count), builtBy: "regexall()", at: call.callLocation)
        }
        let source = NSString(string: text)
        func value(_ match: RE2Pattern.Match) -> Value {
            let groups = match.groups.map { range in range.map { Value.string(source.substring(with: $0)) } ?? .null }
            if groups.isEmpty { return .string(source.substring(with: match.range)) }
            if named.isEmpty { return .list(groups) }
            // Go allows a name twice; the later group wins, as in Terraform.
            return .map(Dictionary(zip(named, groups), uniquingKeysWith: { _, later in later }))
        }
        if all { return .list(found.map(value)) }
        guard let first = found.first else { throw call.failure("pattern did not match any part of the given string") }
        return value(first)
    }

    /// `replace` with a pattern written between slashes: every match replaced, `$1` and
    /// `${name}` in the replacement standing for its groups (Go's rules, Terraform's).
    fileprivate func replaceMatches(_ call: Call, text: String, search: String, replacement: String) throws -> String {
        let pattern = try pattern(call, argument: 1, inner: String(search.dropFirst().dropLast()))
        let found = try matches(of: pattern, in: text, limit: Int.max, call: call)
        let source = NSString(string: text)
        let template = Array(replacement.unicodeScalars)
        var out = ""
        var bytes = 0
        var position = 0
        for match in found {
            let piece = source.substring(with: NSRange(location: position, length: match.range.location - position))
                + pattern.expand(template, match: match, in: source)
            bytes += piece.utf8.count
            guard bytes <= scope.budget.valueBytes else { throw valueTooLarge(ValueSize(bytes: bytes), builtBy: "replace()", at: call.callLocation) }
            out += piece
            position = match.range.location + match.range.length
        }
        let rest = source.substring(from: position)
        guard bytes + rest.utf8.count <= scope.budget.valueBytes else {
            throw valueTooLarge(ValueSize(bytes: bytes + rest.utf8.count), builtBy: "replace()", at: call.callLocation)
        }
        return out + rest
    }

    fileprivate func pattern(_ call: Call, argument i: Int, inner text: String) throws -> RE2Pattern {
        do {
            return try RE2Pattern(text)
        } catch let invalid as RE2Pattern.Invalid {
            throw call.fail(i, "invalid regexp pattern: \(call.shown(i, invalid.reason))")
        }
    }
}

/// Evaluates a `templatefile()` template, where bare names are the template's variables.
private struct TemplateVariables {
    let variables: [String: Value]
    let evaluator: Evaluator

    func evaluate(_ expression: Expression, asString: Bool) throws -> Value {
        var scope = evaluator.scope
        // Template variables are referenced by bare name: expose them as `var.NAME` and rewrite.
        scope.variables = variables
        let inner = Evaluator(scope: scope)
        let rewritten = rewrite(expression)
        let value = try inner.evaluate(rewritten)
        if asString, case .template = rewritten { return value }
        if asString, case .string = value.unmarked.value { return value }
        if asString { return try inner.evaluate(.template([.interpolation(rewritten)], rewritten.location)) }
        return value
    }

    func rewrite(_ expression: Expression) -> Expression {
        expression.replacingRoots { name, location in
            variables[name] == nil ? nil : .traversal(.scope("var", location), [.attribute(name, location)])
        }
    }
}

private extension String {
    /// A detail quoted inside a sentence that ends with its own period.
    var withoutFinalPeriod: String { hasSuffix(".") ? String(dropLast()) : self }
}
