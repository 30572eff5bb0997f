import TFYCore

/// An expression of the configuration language, as parsed from `${…}` or built from YAML.
///
/// YAML lists and mappings become `tuple` and `object`, plain scalars `literal`, and strings with
/// interpolations `template`, so every attribute value is one expression tree.
public indirect enum Expression: Sendable {
    case literal(Value, SourceLocation)
    case template([TemplatePart], SourceLocation)
    /// A bare name at the root of a reference: `var`, `local`, `count`, `aws_instance`.
    case scope(String, SourceLocation)
    case traversal(Expression, [TraversalStep])
    case call(name: String, arguments: [Expression], expandFinal: Bool, SourceLocation)
    case unary(UnaryOperator, Expression, SourceLocation)
    case binary(BinaryOperator, Expression, Expression, SourceLocation)
    case conditional(Expression, Expression, Expression, SourceLocation)
    case tuple([Expression], SourceLocation)
    case object([ObjectEntry], SourceLocation)
    /// `[for KEY, VALUE in COLLECTION : BODY if CONDITION]`: a list made from a list or map.
    case forList(ForClause, SourceLocation)
    /// `{for KEY, VALUE in COLLECTION : KEY_EXPR => BODY[...] if CONDITION}`: an object made from
    /// a list or map; with `...` the values of each key are grouped into lists.
    case forObject(ForClause, SourceLocation)

    public struct ForClause: Sendable {
        /// The index (list) or key (map) name, when two names are given.
        public var keyName: String?
        public var valueName: String
        public var collection: Expression
        /// The object key each element gives (`KEY_EXPR =>`); nil in a list `for`.
        public var keyExpression: Expression?
        public var body: Expression
        /// `...` after the body: the values of equal keys are collected into a list.
        public var grouping = false
        public var condition: Expression?

        /// The names the clause binds, which its key, body and condition see.
        var boundNames: Set<String> { Set([valueName] + (keyName.map { [$0] } ?? [])) }
    }

    public struct ObjectEntry: Sendable {
        public var key: Expression
        public var value: Expression
    }

    public var location: SourceLocation {
        switch self {
        case .literal(_, let l), .template(_, let l), .scope(_, let l), .call(_, _, _, let l),
             .unary(_, _, let l), .binary(_, _, _, let l), .conditional(_, _, _, let l), .tuple(_, let l),
             .object(_, let l), .forList(_, let l), .forObject(_, let l):
            return l
        case .traversal(let base, _):
            return base.location
        }
    }

    /// The expression with the bare root names `replacement` maps replaced — in `x` and in
    /// `x.a[0]` alike — except where a nested for expression binds the same name.
    public func replacingRoots(_ replacement: (String, SourceLocation) -> Expression?) -> Expression {
        func step(_ s: TraversalStep) -> TraversalStep {
            if case .index(let e, let location) = s { return .index(e.replacingRoots(replacement), location) }
            return s
        }
        switch self {
        case .scope(let name, let location):
            return replacement(name, location) ?? self
        case .traversal(let base, let steps):
            if case .scope(let name, let location) = base, let replaced = replacement(name, location) {
                return .traversal(replaced, steps.map(step))
            }
            return .traversal(base.replacingRoots(replacement), steps.map(step))
        case .template(let parts, let location):
            return .template(parts.map {
                if case .interpolation(let e) = $0 { return .interpolation(e.replacingRoots(replacement)) }
                return $0
            }, location)
        case .call(let name, let arguments, let expand, let location):
            return .call(name: name, arguments: arguments.map { $0.replacingRoots(replacement) }, expandFinal: expand, location)
        case .unary(let op, let e, let location): return .unary(op, e.replacingRoots(replacement), location)
        case .binary(let op, let l, let r, let location): return .binary(op, l.replacingRoots(replacement), r.replacingRoots(replacement), location)
        case .conditional(let c, let t, let f, let location):
            return .conditional(c.replacingRoots(replacement), t.replacingRoots(replacement), f.replacingRoots(replacement), location)
        case .tuple(let items, let location): return .tuple(items.map { $0.replacingRoots(replacement) }, location)
        case .object(let entries, let location):
            return .object(entries.map { ObjectEntry(key: $0.key, value: $0.value.replacingRoots(replacement)) }, location)
        case .forList(let clause, let location):
            return .forList(clause.replacingRoots(replacement), location)
        case .forObject(let clause, let location):
            return .forObject(clause.replacingRoots(replacement), location)
        case .literal:
            return self
        }
    }

    /// True when a literal in the expression holds a sensitive value: a for expression binds its
    /// names by substituting the element's value, marks and all.
    var containsSensitiveLiteral: Bool {
        func steps(_ steps: [TraversalStep]) -> Bool {
            steps.contains { if case .index(let e, _) = $0 { return e.containsSensitiveLiteral } else { return false } }
        }
        switch self {
        case .literal(let value, _): return value.containsSensitive
        case .scope: return false
        case .traversal(let base, let s): return base.containsSensitiveLiteral || steps(s)
        case .template(let parts, _):
            return parts.contains { if case .interpolation(let e) = $0 { return e.containsSensitiveLiteral } else { return false } }
        case .call(_, let arguments, _, _): return arguments.contains { $0.containsSensitiveLiteral }
        case .unary(_, let e, _): return e.containsSensitiveLiteral
        case .binary(_, let l, let r, _): return l.containsSensitiveLiteral || r.containsSensitiveLiteral
        case .conditional(let c, let t, let f, _): return c.containsSensitiveLiteral || t.containsSensitiveLiteral || f.containsSensitiveLiteral
        case .tuple(let items, _): return items.contains { $0.containsSensitiveLiteral }
        case .object(let entries, _): return entries.contains { $0.key.containsSensitiveLiteral || $0.value.containsSensitiveLiteral }
        case .forList(let clause, _), .forObject(let clause, _):
            return clause.collection.containsSensitiveLiteral || clause.body.containsSensitiveLiteral
                || (clause.keyExpression?.containsSensitiveLiteral ?? false) || (clause.condition?.containsSensitiveLiteral ?? false)
        }
    }

    /// The literal string key of an object entry, when it is one.
    public var literalString: String? {
        if case .literal(.string(let s), _) = self { return s }
        return nil
    }

    /// Where a literal key of an object expression is written.
    public func keyLocation(_ key: String) -> SourceLocation? {
        guard case .object(let entries, _) = self else { return nil }
        return entries.first { $0.key.literalString == key }?.key.location
    }

    /// The entry for a literal key of an object expression.
    public func entry(_ key: String) -> Expression? {
        guard case .object(let entries, _) = self else { return nil }
        return entries.first { $0.key.literalString == key }?.value
    }
}

extension Expression.ForClause {
    /// The clause with `replacement` applied to its collection, and to its key, body and
    /// condition except where they use the names the clause binds.
    func replacingRoots(_ replacement: (String, SourceLocation) -> Expression?) -> Expression.ForClause {
        let bound = boundNames
        let inner: (String, SourceLocation) -> Expression? = { bound.contains($0) ? nil : replacement($0, $1) }
        var clause = self
        clause.collection = collection.replacingRoots(replacement)
        clause.keyExpression = keyExpression?.replacingRoots(inner)
        clause.body = body.replacingRoots(inner)
        clause.condition = condition?.replacingRoots(inner)
        return clause
    }
}

public enum TemplatePart: Sendable {
    case literal(String)
    case interpolation(Expression)
}

public enum TraversalStep: Sendable {
    case attribute(String, SourceLocation)
    case index(Expression, SourceLocation)
    /// `[*]`: the steps after it apply to every element.
    case splat(SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .attribute(_, let l), .index(_, let l), .splat(let l): return l
        }
    }
}

public enum UnaryOperator: String, Sendable { case not = "!", negate = "-" }

public enum BinaryOperator: String, Sendable, CaseIterable {
    case or = "||", and = "&&"
    case equal = "==", notEqual = "!="
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case add = "+", subtract = "-"
    case multiply = "*", divide = "/", modulo = "%"

    /// Terraform's precedence: `||` lowest, then `&&`, equality, comparison, `+ -`, `* / %`.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual: return 3
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return 4
        case .add, .subtract: return 5
        case .multiply, .divide, .modulo: return 6
        }
    }
}

/// A reference found in an expression: what it names and where.
public struct Reference: Sendable {
    public enum Subject: Sendable, Hashable {
        case variable(String)
        case local(String)
        case resource(type: String, name: String)
        case countIndex
        /// `each.key`, `each.value` (the attribute named; empty when none is).
        case each(String)
        case selfObject
        case path(String)
    }

    public var subject: Subject
    public var location: SourceLocation
    /// Steps after the subject: for a resource, the instance key (if any) and the attribute.
    public var remainingSteps: [TraversalStep]
}

extension Expression {
    /// Every reference in the expression, in source order.
    public var references: [Reference] { ReferenceChecker.references(in: self) }
}
