import TFYCore

/// What an expression can see: variables, locals, resources, `count.index`, `self`, `path`.
public struct EvaluationScope: Sendable {
    public var variables: [String: Value] = [:]
    public var locals: [String: Value] = [:]
    /// `type.name` → the resource's value: an object, or a list of objects when `count` is set.
    public var resources: [String: Value] = [:]
    /// Resource types that may be referenced (every type the configuration was loaded with).
    public var resourceTypes: Set<String> = []
    public var countIndex: Int?
    /// `each.key` and `each.value` in a block with `for_each`.
    public var each: (key: String, value: Value)?
    public var selfValue: Value?
    /// The configuration directory, against which `file()` resolves relative paths. `path.module`
    /// is always ".", so values never carry a machine-specific path into plans.
    public var moduleDirectory: String = "."
    public var files: FileReader = FileReader()
    /// The limits on the work evaluation may do, and the running count every copy of this
    /// scope draws on.
    public var budget = EvaluationBudget.standard
    public var meter = EvaluationMeter()
    /// The templates being rendered, outermost first: resolved paths (to find a template that
    /// includes itself) and the paths as written (to name the chain).
    var templateChain: [(resolved: String, shown: String)] = []

    public init() {}
}

/// An evaluation failure with the diagnostic to show.
public struct EvaluationError: Error, Sendable {
    public var diagnostic: Diagnostic
    /// True when evaluation stopped because it would pass its budget: not a mistake in the
    /// expression that `can()` could answer, nor one a template's error wraps.
    public var exceedsBudget = false

    init(_ summary: String, _ detail: String, at location: SourceLocation) {
        diagnostic = .error(summary, detail: detail, at: location)
    }

    static func budget(_ summary: String, _ detail: String, at location: SourceLocation) -> EvaluationError {
        var error = EvaluationError(summary, detail, at: location)
        error.exceedsBudget = true
        return error
    }
}

/// Evaluates expressions to values; unknowns propagate and sensitive marks survive every operation.
public struct Evaluator: Sendable {
    public var scope: EvaluationScope

    public init(scope: EvaluationScope) { self.scope = scope }

    public func evaluate(_ expression: Expression) throws -> Value {
        switch expression {
        case .literal(let value, _):
            return value
        case .template(let parts, let location):
            return try evaluateTemplate(parts, at: location)
        case .scope(let name, let location):
            throw EvaluationError("Invalid reference", "\"\(name)\" alone is not a value; \(Self.referenceHint)", at: location)
        case .traversal(let base, let steps):
            if case .scope(let root, let location) = base {
                let (value, consumed) = try resolveRoot(root, steps: steps, at: location)
                return try apply(steps.dropFirst(consumed), to: value)
            }
            return try apply(steps[...], to: try evaluate(base))
        case .call(let name, let arguments, let expandFinal, let location):
            return try callFunction(name, arguments, expandFinal: expandFinal, at: location)
        case .forList(let clause, let location):
            return try evaluateFor(clause, at: location)
        case .forObject(let clause, let location):
            return try evaluateForObject(clause, at: location)
        case .unary(let op, let operand, let location):
            return try evaluateUnary(op, operand, at: location)
        case .binary(let op, let left, let right, let location):
            return try evaluateBinary(op, left, right, at: location)
        case .conditional(let condition, let whenTrue, let whenFalse, _):
            // Which branch was taken tells the condition: a sensitive condition marks the result.
            let (test, sensitive) = try evaluate(condition).unmarked
            switch test {
            case .unknown: return Value.unknown.marked(sensitive)
            case .bool(let b): return try evaluate(b ? whenTrue : whenFalse).marked(sensitive)
            case .null:
                throw EvaluationError("Invalid conditional", "The condition is null; it must be true or false.", at: condition.location)
            default:
                throw EvaluationError("Invalid conditional", "The condition must be a bool, not a \(test.kindDescription).", at: condition.location)
            }
        case .tuple(let items, let location):
            let list = Value.list(try items.map(evaluate))
            try checkSize(of: list, builtBy: "this list", at: location)
            return list
        case .object(let entries, let location):
            // Keys carry no marks of their own: a sensitive key marks the whole object.
            var result: [String: Value] = [:]
            var sensitive = false
            for entry in entries {
                let (key, keySensitive) = try evaluate(entry.key).unmarked
                sensitive = sensitive || keySensitive
                switch key {
                case .string(let s): result[s] = try evaluate(entry.value)
                case .number(let n): result[Value.format(number: n)] = try evaluate(entry.value)
                case .bool(let b): result[b ? "true" : "false"] = try evaluate(entry.value)
                case .unknown: return Value.unknown.marked(sensitive)
                default:
                    throw EvaluationError("Invalid object key", "An object key must be a string, not a \(key.kindDescription).", at: entry.key.location)
                }
            }
            let map = Value.map(result)
            try checkSize(of: map, builtBy: "this object", at: location)
            return map.marked(sensitive)
        }
    }

    // MARK: Budget

    /// Throws when `value`, just built, holds more elements or bytes than one value may.
    func checkSize(of value: Value, builtBy what: String, at location: SourceLocation) throws {
        var size = ValueSize()
        guard size.add(value, budget: scope.budget) else { throw valueTooLarge(size, builtBy: what, at: location) }
        try takeBuilt(size, at: location)
    }

    static let workExhausted = "Too much evaluation work"

    /// Draws a value just built from the evaluation's running total of built elements and bytes.
    func takeBuilt(_ size: ValueSize, at location: SourceLocation) throws {
        guard !scope.meter.takeBuilt(elements: size.elements, bytes: size.bytes, budget: scope.budget) else { return }
        throw EvaluationError.budget(Self.workExhausted, "The values this configuration builds would hold more than \(scope.budget.builtElements) elements or \(EvaluationBudget.describe(bytes: scope.budget.builtBytes)) of text in all, the most one evaluation may build; build fewer or smaller values.", at: location)
    }

    func valueTooLarge(_ size: ValueSize, builtBy what: String, at location: SourceLocation) -> EvaluationError {
        let limit = size.elements > scope.budget.valueElements
            ? "more than \(scope.budget.valueElements) elements"
            : "more than \(EvaluationBudget.describe(bytes: scope.budget.valueBytes)) of text"
        return .budget("Value too large", "The value \(what) builds would hold \(limit), the most one value may hold; build smaller values.", at: location)
    }

    static let referenceHint = "references start with var., local., count., self., path. or a resource type."

    // MARK: Templates

    func evaluateTemplate(_ parts: [TemplatePart], at location: SourceLocation) throws -> Value {
        var result = ""
        var sensitive = false
        var unknown = false
        for part in parts {
            switch part {
            case .literal(let s):
                try checkTemplateLength(result, adding: s, at: location)
                result += s
            case .interpolation(let expression):
                let (value, isSensitive) = try evaluate(expression).unmarked
                sensitive = sensitive || isSensitive
                switch value {
                case .string(let s):
                    try checkTemplateLength(result, adding: s, at: location)
                    result += s
                case .number(let n): result += Value.format(number: n)
                case .bool(let b): result += b ? "true" : "false"
                case .unknown: unknown = true
                case .null:
                    throw EvaluationError("Invalid template interpolation value", "The expression result is null. Cannot include a null value in a string template.", at: expression.location)
                default:
                    if !value.isWhollyKnown { unknown = true; continue }
                    throw EvaluationError("Invalid template interpolation value", "Cannot include a \(value.kindDescription) in a string template; use join() or format() to make a string of it.", at: expression.location)
                }
            }
        }
        return (unknown ? Value.unknown : .string(result)).marked(sensitive)
    }

    func checkTemplateLength(_ text: String, adding more: String, at location: SourceLocation) throws {
        guard text.utf8.count + more.utf8.count > scope.budget.valueBytes else { return }
        throw valueTooLarge(ValueSize(bytes: text.utf8.count + more.utf8.count), builtBy: "this string template", at: location)
    }

    /// A for expression: the body evaluated for each element, its names bound by substituting
    /// the element's value into the body (so nothing else in scope changes). Each element keeps
    /// its own marks; a sensitive collection marks every key and element, and it or a sensitive
    /// `if` condition (which decides what is kept) marks the whole result.
    func evaluateFor(_ clause: Expression.ForClause, at location: SourceLocation) throws -> Value {
        var result: [Value] = []
        var size = ValueSize()
        let outcome = try iterate(clause, at: location) { bind in
            let item = try evaluate(clause.body.replacingRoots(bind))
            size.elements += 1
            guard size.add(item, budget: scope.budget) else { throw valueTooLarge(size, builtBy: "this for expression", at: location) }
            result.append(item)
        }
        try takeBuilt(size, at: location)
        return (outcome.unknown ? Value.unknown : .list(result)).marked(outcome.sensitive)
    }

    /// An object `for` expression: `{for k, v in X : KEY => VALUE}`. Keys carry no marks of
    /// their own, so a sensitive key marks the whole object (as in an object literal); with
    /// `...` each key's values are collected, in order, into a list.
    func evaluateForObject(_ clause: Expression.ForClause, at location: SourceLocation) throws -> Value {
        guard let keyExpression = clause.keyExpression else { return try evaluateFor(clause, at: location) }
        var entries: [String: Value] = [:]
        var groups: [String: [Value]] = [:]
        var sensitiveKeys: Set<String> = []
        var unknownKey = false
        var size = ValueSize()
        let outcome = try iterate(clause, at: location) { bind in
            let (key, keySensitive) = try evaluate(keyExpression.replacingRoots(bind)).unmarked
            let name: String
            switch key {
            case .string(let s): name = s
            case .number(let n): name = Value.format(number: n)
            case .bool(let b): name = b ? "true" : "false"
            case .unknown:
                unknownKey = true
                return
            case .null:
                throw EvaluationError("Invalid object key", "Key expression in 'for' expression must not produce a null value.", at: keyExpression.location)
            default:
                throw EvaluationError("Invalid object key", "The key expression produced an invalid result: string required.", at: keyExpression.location)
            }
            let item = try evaluate(clause.body.replacingRoots(bind))
            let isNew = entries[name] == nil && groups[name] == nil
            if !clause.grouping, !isNew {
                // A secret key, this one or the one it repeats, is not quoted.
                let shown = Value.quoted(name, sensitive: keySensitive || sensitiveKeys.contains(name))
                throw EvaluationError("Duplicate object key", "Two different items produced the key \(shown) in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", at: keyExpression.location)
            }
            if keySensitive { sensitiveKeys.insert(name) }
            if isNew {
                size.elements += 1
                size.bytes += name.utf8.count
            }
            if clause.grouping { size.elements += 1 }
            guard size.add(item, budget: scope.budget) else { throw valueTooLarge(size, builtBy: "this for expression", at: location) }
            if clause.grouping { groups[name, default: []].append(item) } else { entries[name] = item }
        }
        try takeBuilt(size, at: location)
        if outcome.unknown || unknownKey { return Value.unknown.marked(outcome.sensitive || !sensitiveKeys.isEmpty) }
        let object = clause.grouping ? Value.map(groups.mapValues { .list($0) }) : .map(entries)
        return object.marked(outcome.sensitive || !sensitiveKeys.isEmpty)
    }

    /// Runs `body` for each element of a for expression's collection that its condition keeps,
    /// with a function that binds the clause's names to the element. Returns whether the result
    /// is sensitive (a sensitive collection or condition) and whether it is unknown (an unknown
    /// collection or condition), and takes the iterations from the budget before any is run.
    private func iterate(_ clause: Expression.ForClause, at location: SourceLocation,
                         _ body: (_ bind: (String, SourceLocation) -> Expression?) throws -> Void) throws -> (sensitive: Bool, unknown: Bool) {
        var (collection, sensitive) = try evaluate(clause.collection).unmarked
        let iterations = collection.listValue?.count ?? collection.mapValue?.count ?? 0
        guard scope.meter.takeForIterations(iterations, limit: scope.budget.forIterations) else {
            throw EvaluationError.budget("Too many for iterations", "The for expressions of this configuration would iterate more than \(scope.budget.forIterations) times in all; iterate over smaller collections.", at: location)
        }
        let elements: [(key: Value, value: Value)]
        switch collection {
        case .unknown: return (sensitive, true)
        case .list(let items): elements = items.enumerated().map { (.number(Double($0.offset)), $0.element) }
        case .map(let entries): elements = entries.keys.sorted().map { (.string($0), entries[$0]!) }
        case .null: throw EvaluationError("Iteration over null value", "A null value cannot be used as the collection in a for expression.", at: clause.collection.location)
        default: throw EvaluationError("Iteration over non-iterable value", "A value of type \(collection.kindDescription) cannot be used as the collection in a for expression; use a list or a map.", at: clause.collection.location)
        }
        var unknown = false
        for element in elements {
            var bindings = [clause.valueName: element.value.marked(sensitive)]
            if let keyName = clause.keyName { bindings[keyName] = element.key.marked(sensitive) }
            let bind: (String, SourceLocation) -> Expression? = { name, at in bindings[name].map { .literal($0, at) } }
            if let condition = clause.condition {
                let (keep, keepSensitive) = try evaluate(condition.replacingRoots(bind)).unmarked
                sensitive = sensitive || keepSensitive
                switch keep {
                case .unknown:
                    unknown = true
                    continue
                case .bool(let include):
                    if !include { continue }
                default:
                    throw EvaluationError("Invalid for expression condition", "The condition of a for expression must be a bool, not a \(keep.kindDescription).", at: condition.location)
                }
            }
            try body(bind)
        }
        return (sensitive, unknown)
    }

    // MARK: References

    /// Resolves the root of a reference and the steps that name it; returns how many steps it used.
    func resolveRoot(_ root: String, steps: [TraversalStep], at location: SourceLocation) throws -> (Value, Int) {
        func name(_ what: String) throws -> String {
            guard case .attribute(let n, _)? = steps.first else {
                throw EvaluationError("Invalid reference", "The \"\(root)\" object must be followed by a \(what) name, as in \(root).NAME.", at: location)
            }
            return n
        }
        switch root {
        case "var":
            let n = try name("variable")
            guard let value = scope.variables[n] else {
                throw EvaluationError("Reference to undeclared input variable", "An input variable with the name \"\(n)\" has not been declared.\(Suggestion.didYouMean(n, among: scope.variables.keys))", at: location)
            }
            return (value, 1)
        case "local":
            let n = try name("local value")
            guard let value = scope.locals[n] else {
                throw EvaluationError("Reference to undeclared local value", "A local value with the name \"\(n)\" has not been declared.\(Suggestion.didYouMean(n, among: scope.locals.keys))", at: location)
            }
            return (value, 1)
        case "count":
            guard let index = scope.countIndex else {
                throw EvaluationError("Reference to \"count\" in non-counted context", "The \"count\" object can only be used in a resource block whose \"count\" argument is set.", at: location)
            }
            guard try name("attribute") == "index" else {
                throw EvaluationError("Invalid \"count\" attribute", "The \"count\" object has only the attribute \"index\".", at: location)
            }
            return (.number(Double(index)), 1)
        case "each":
            guard let each = scope.each else { throw Self.eachOutsideForEach(at: location) }
            switch try name("attribute") {
            case "key": return (.string(each.key), 1)
            case "value": return (each.value, 1)
            case let other: throw Self.invalidEachAttribute(other, at: location)
            }
        case "self":
            guard let value = scope.selfValue else {
                throw EvaluationError("Invalid \"self\" reference", "\"self\" can only be used inside a \"connection\" block, where it refers to the resource instance itself.", at: location)
            }
            return (value, 0)
        case "path":
            switch try name("path attribute") {
            case "module", "root": return (.string("."), 1)
            case "cwd": return (.string(scope.files.currentDirectory), 1)
            case let other:
                throw EvaluationError("Invalid \"path\" attribute", "The \"path\" object has the attributes \"module\", \"root\" and \"cwd\", not \"\(other)\".", at: location)
            }
        default:
            guard scope.resourceTypes.contains(root) else {
                let candidates = ["var", "local", "count", "each", "self", "path"] + scope.resourceTypes
                throw EvaluationError("Unknown reference", "There is nothing named \"\(root)\" in scope; \(Self.referenceHint)\(Suggestion.didYouMean(root, among: candidates))", at: location)
            }
            let n = try name("resource")
            let address = "\(root).\(n)"
            guard let value = scope.resources[address] else {
                let declared = scope.resources.keys.filter { $0.hasPrefix(root + ".") }.map { String($0.dropFirst(root.count + 1)) }
                throw EvaluationError("Reference to undeclared resource", "A resource \"\(address)\" has not been declared.\(Suggestion.didYouMean(n, among: declared))", at: location)
            }
            return (value, 1)
        }
    }

    static func eachOutsideForEach(at location: SourceLocation) -> EvaluationError {
        EvaluationError("Reference to \"each\" in context without for_each", "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.", at: location)
    }

    static func invalidEachAttribute(_ name: String, at location: SourceLocation) -> EvaluationError {
        EvaluationError("Invalid \"each\" attribute", "The \"each\" object does not have an attribute named \(Value.quoted(name)). The supported attributes are each.key and each.value, the current key and value pair of the \"for_each\" attribute set.", at: location)
    }

    func apply(_ steps: ArraySlice<TraversalStep>, to start: Value) throws -> Value {
        var value = start
        var index = steps.startIndex
        while index < steps.endIndex {
            let (inner, sensitive) = value.unmarked
            let step = steps[index]
            if case .unknown = inner {
                if case .index(let key, _) = step { _ = try evaluate(key) }
                return Value.unknown.marked(sensitive)
            }
            switch step {
            case .attribute(let name, let location):
                switch inner {
                case .map(let entries):
                    guard let found = entries[name] else {
                        // The keys of a sensitive map are part of its value: no suggestion from them.
                        let suggestion = sensitive ? "" : Suggestion.didYouMean(name, among: entries.keys)
                        throw EvaluationError("Unsupported attribute", "This object does not have an attribute named \"\(name)\".\(suggestion)", at: location)
                    }
                    value = found.marked(sensitive)
                case .list:
                    throw EvaluationError("Unsupported attribute", "Can't access attributes on a list. Did you mean to access an attribute of one element (list[0].\(name)) or of every element (list[*].\(name))?", at: location)
                case .null:
                    throw EvaluationError("Attempt to get attribute from null value", "This value is null, so it does not have any attributes.", at: location)
                default:
                    throw EvaluationError("Unsupported attribute", "Can't access attributes on a primitive-typed value (\(inner.kindDescription)).", at: location)
                }
            case .index(let keyExpression, let location):
                let (key, keySensitive) = try evaluate(keyExpression).unmarked
                if case .unknown = key { return Value.unknown.marked(sensitive || keySensitive) }
                value = try element(of: inner, key: key, at: location, collectionIsSensitive: sensitive, keyIsSensitive: keySensitive)
                    .marked(sensitive || keySensitive)
            case .splat:
                let rest = steps[(index + 1)...]
                switch inner {
                case .null: return Value.list([]).marked(sensitive)
                case .list(let items): return Value.list(try items.map { try apply(rest, to: $0) }).marked(sensitive)
                default: return Value.list([try apply(rest, to: inner)]).marked(sensitive)
                }
            }
            index += 1
        }
        return value
    }

    /// The element `key` selects; an error about it quotes neither a sensitive key nor anything
    /// of a sensitive collection (its length, its keys).
    func element(of collection: Value, key: Value, at location: SourceLocation, collectionIsSensitive: Bool = false, keyIsSensitive: Bool = false) throws -> Value {
        switch collection {
        case .list(let items):
            guard let n = key.numberValue ?? key.stringValue.flatMap({ Double($0) }), n.isFinite, n == n.rounded() else {
                throw EvaluationError("Invalid index", "A list index must be a whole number, not \(keyIsSensitive ? Value.redacted : key.description).", at: location)
            }
            // Compared as a double first: an index such as 1e30 is out of range, not a trap.
            guard n >= 0, n < Double(items.count), let i = Value.wholeNumber(n) else {
                let shown = keyIsSensitive ? Value.redacted : Value.format(number: n)
                if keyIsSensitive || collectionIsSensitive {
                    throw EvaluationError("Invalid index", "The index \(shown) is out of range for the list\(collectionIsSensitive ? ", which is sensitive" : " of \(items.count) element\(items.count == 1 ? "" : "s")").", at: location)
                }
                throw EvaluationError("Invalid index", "The index \(shown) is out of range: the list has \(items.count) element\(items.count == 1 ? "" : "s").", at: location)
            }
            return items[i]
        case .map(let entries):
            let name: String
            switch key {
            case .string(let s): name = s
            case .number(let n): name = Value.format(number: n)
            default: throw EvaluationError("Invalid index", "A map key must be a string, not a \(key.kindDescription).", at: location)
            }
            guard let found = entries[name] else {
                let hidden = keyIsSensitive || collectionIsSensitive
                let suggestion = hidden ? "" : Suggestion.didYouMean(name, among: entries.keys)
                throw EvaluationError("Invalid index", "The map has no element with the key \(Value.quoted(name, sensitive: hidden)).\(suggestion)", at: location)
            }
            return found
        case .null:
            throw EvaluationError("Invalid index", "This value is null, so it cannot be indexed.", at: location)
        default:
            throw EvaluationError("Invalid index", "This value (a \(collection.kindDescription)) does not have any indices.", at: location)
        }
    }

    // MARK: Operators

    func evaluateUnary(_ op: UnaryOperator, _ operand: Expression, at location: SourceLocation) throws -> Value {
        let (value, sensitive) = try evaluate(operand).unmarked
        if case .unknown = value { return Value.unknown.marked(sensitive) }
        switch op {
        case .not:
            guard let b = ValueType.bool.convert(value).successValue?.boolValue else {
                throw EvaluationError("Invalid operand", "Unsuitable value for unary operand: a bool is required.", at: operand.location)
            }
            return Value.bool(!b).marked(sensitive)
        case .negate:
            guard let n = ValueType.number.convert(value).successValue?.numberValue else {
                throw EvaluationError("Invalid operand", "Unsuitable value for unary operand: a number is required.", at: operand.location)
            }
            return Value.number(-n).marked(sensitive)
        }
    }

    func evaluateBinary(_ op: BinaryOperator, _ leftExpression: Expression, _ rightExpression: Expression, at location: SourceLocation) throws -> Value {
        let (left, leftSensitive) = try evaluate(leftExpression).unmarked
        let (right, rightSensitive) = try evaluate(rightExpression).unmarked
        let sensitive = leftSensitive || rightSensitive

        func operand(_ value: Value, _ type: ValueType, _ side: String, _ expression: Expression) throws -> Value {
            if case .unknown = value { return value }
            switch type.convert(value) {
            case .success(let converted) where !converted.isNull: return converted
            default:
                throw EvaluationError("Invalid operand", "Unsuitable value for \(side) operand: \(type == .number ? "a number" : "a bool") is required.", at: expression.location)
            }
        }

        switch op {
        case .equal, .notEqual:
            // The answer depends on every part of both sides, sensitive elements included.
            let compared = sensitive || left.containsSensitive || right.containsSensitive
            if !left.isWhollyKnown || !right.isWhollyKnown { return Value.unknown.marked(compared) }
            let equal = left.deepUnmarked == right.deepUnmarked
            return Value.bool(op == .equal ? equal : !equal).marked(compared)
        case .and, .or:
            let l = try operand(left, .bool, "left", leftExpression)
            let r = try operand(right, .bool, "right", rightExpression)
            guard let a = l.boolValue, let b = r.boolValue else { return Value.unknown.marked(sensitive) }
            return Value.bool(op == .and ? a && b : a || b).marked(sensitive)
        default:
            let l = try operand(left, .number, "left", leftExpression)
            let r = try operand(right, .number, "right", rightExpression)
            guard let a = l.numberValue, let b = r.numberValue else { return Value.unknown.marked(sensitive) }
            let result: Value
            switch op {
            case .add: result = .number(a + b)
            case .subtract: result = .number(a - b)
            case .multiply: result = .number(a * b)
            case .divide, .modulo:
                guard b != 0 else {
                    throw EvaluationError("Division by zero", "The right operand of \"\(op.rawValue)\" is zero; a number cannot be divided by zero.", at: rightExpression.location)
                }
                result = .number(op == .divide ? a / b : a.truncatingRemainder(dividingBy: b))
            case .less: result = .bool(a < b)
            case .lessOrEqual: result = .bool(a <= b)
            case .greater: result = .bool(a > b)
            case .greaterOrEqual: result = .bool(a >= b)
            default: result = .unknown
            }
            if case .number(let n) = result, !n.isFinite {
                throw EvaluationError("Number out of range", "The result of \"\(op.rawValue)\" is too large to represent.", at: location)
            }
            return result.marked(sensitive)
        }
    }
}

extension Result {
    var successValue: Success? {
        if case .success(let v) = self { return v }
        return nil
    }
}
