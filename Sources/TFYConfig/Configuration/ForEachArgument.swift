import TFYCore

/// A `for_each` argument: the instances a resource (or module) block asks for, one per key of a
/// map or element of a set of strings, each with the value `each.value` stands for. Checked as
/// Terraform checks it, with its wording: a list, a sensitive value, null, a null element or a
/// set of anything but strings is `Invalid for_each argument` at the expression; keys known only
/// after apply are accepted by validate and refused by plan.
///
/// A set is a list in `Value`: whether the value is a set is decided from the expression that
/// yields it (`yieldsSet`), as Terraform decides it from the value's type.
public struct ForEachArgument: Sendable {
    public var expression: Expression
    /// True when the expression's type is a set: `toset(...)`, a variable of type `set(...)`, a
    /// local whose expression is one of these, or a conditional choosing between two of them.
    public var isSet: Bool
    /// Where the instances are going: `aws_instance.node`, reported with every diagnostic.
    public var address: String
    /// What the instances are instances of, in messages: "resource", or "module" for a module call.
    public var blockKind = "resource"

    /// The expression's own type as Terraform names it in "you have provided a value of type
    /// …", where a variable's declared type says more than the value does (`list of string`).
    var declaredTypeName: String?

    /// `configuration` is the module the expression is written in: its variables' types and its
    /// locals say whether the value is a set.
    public init(_ expression: Expression, address: String, in configuration: Configuration, blockKind: String = "resource") {
        self.expression = expression
        self.address = address
        self.blockKind = blockKind
        isSet = Self.yieldsSet(expression, in: configuration, seen: [])
        declaredTypeName = Self.declaredType(of: expression, in: configuration)
    }

    /// What the argument's value asks for.
    public enum Expansion: Sendable {
        /// The instances, in Terraform's order (keys sorted): each key with its `each.value`.
        case known([(key: InstanceKey, value: Value)])
        /// The keys are known only after apply: validate accepts this, plan reports the error.
        case unknown(Diagnostic)
    }

    /// The instances `value` (the argument's evaluated value) asks for, or the located error
    /// that says why it cannot be used.
    public func expand(_ value: Value) -> Result<Expansion, Diagnostic> {
        func invalid(_ detail: String, summary: String = "Invalid for_each argument") -> Result<Expansion, Diagnostic> {
            .failure(.error(summary, detail: detail, at: expression.location, address: address))
        }
        let unsuitable = "The given \"for_each\" argument value is unsuitable:"
        // A secret set's elements would become instance keys, shown in every plan and address.
        if value.isSensitive || (isSet && value.containsSensitive) {
            return invalid("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.")
        }
        switch value {
        case .unknown:
            return .success(.unknown(unknownKeys()))
        case .null:
            return invalid("\(unsuitable) the given \"for_each\" argument value is null. A map, or set of strings is allowed.")
        case .map(let entries):
            guard entries.count <= ConfigurationEvaluator.countLimit else { return invalid(tooMany(entries.count)) }
            return .success(.known(entries.keys.sorted().map { (InstanceKey.string($0), entries[$0]!) }))
        case .list(let items) where isSet:
            guard items.count <= ConfigurationEvaluator.countLimit else { return invalid(tooMany(items.count)) }
            var keys: [String] = []
            keys.reserveCapacity(items.count)
            var unknown = false
            for item in items {
                switch item {
                case .string(let key): keys.append(key)
                case .null: return invalid("\(unsuitable) \"for_each\" sets must not contain null values.", summary: "Invalid for_each set argument")
                case .unknown: unknown = true
                default:
                    return invalid("\(unsuitable) \"for_each\" supports maps and sets of strings, but you have provided a set containing type \(Self.typeName(of: item)).", summary: "Invalid for_each set argument")
                }
            }
            if unknown { return .success(.unknown(unknownKeys())) }
            // Sorted and without repeats however the set was built (toset sorts strings already).
            let sorted = Array(Set(keys)).sorted()
            return .success(.known(sorted.map { (InstanceKey.string($0), Value.string($0)) }))
        default:
            return invalid("\(unsuitable) the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type \(declaredTypeName ?? Self.typeName(of: value)).")
        }
    }

    func tooMany(_ count: Int) -> String {
        "The given \"for_each\" argument value is unsuitable: it has \(count) elements; a \(blockKind) may have at most \(ConfigurationEvaluator.countLimit) instances."
    }

    /// Plan's error for keys that only apply will tell, in Terraform's words for a map or a set.
    func unknownKeys() -> Diagnostic {
        let detail = isSet
            ? "The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, and so tfy cannot determine the full set of keys that will identify the instances of this \(blockKind).\n\nWhen working with unknown values in for_each, it's better to use a map value where the keys are defined statically in your configuration and where only the values contain apply-time results."
            : "The \"for_each\" map includes keys derived from resource attributes that cannot be determined until apply, and so tfy cannot determine the full set of keys that will identify the instances of this \(blockKind).\n\nWhen working with unknown values in for_each, it's better to define the map keys statically in your configuration and place apply-time results only in the map values."
        return .error("Invalid for_each argument", detail: detail + "\n\nAlternatively, you could use the -target planning option to first apply only the resources that the for_each value depends on, and then apply a second time to fully converge.",
                      at: expression.location, address: address)
    }

    /// Terraform's name for a value's type: a list written in the configuration is a tuple, a
    /// map an object.
    static func typeName(of value: Value) -> String {
        switch value.unmarked.value {
        case .list: return "tuple"
        case .map: return "object"
        case let other: return other.kindDescription
        }
    }

    static func yieldsSet(_ expression: Expression, in configuration: Configuration, seen: Set<String>) -> Bool {
        switch expression {
        case .call("toset", _, _, _):
            return true
        case .conditional(_, let whenTrue, let whenFalse, _):
            return yieldsSet(whenTrue, in: configuration, seen: seen) && yieldsSet(whenFalse, in: configuration, seen: seen)
        case .traversal(.scope("var", _), let steps) where steps.count == 1:
            guard case .attribute(let name, _) = steps[0], case .set? = configuration.variables[name]?.type else { return false }
            return true
        case .traversal(.scope("local", _), let steps) where steps.count == 1:
            // A cycle of locals is reported elsewhere; here it only ends the search.
            guard case .attribute(let name, _) = steps[0], !seen.contains(name), let local = configuration.locals[name] else { return false }
            return yieldsSet(local.expression, in: configuration, seen: seen.union([name]))
        default:
            return false
        }
    }

    /// `list of string` for a variable declared `list(string)`; nil where the value says as much.
    static func declaredType(of expression: Expression, in configuration: Configuration) -> String? {
        guard case .traversal(.scope("var", _), let steps) = expression, steps.count == 1, case .attribute(let name, _) = steps[0],
              case .list(let element)? = configuration.variables[name]?.type else { return nil }
        switch element {
        case .string, .number, .bool: return "list of \(element)"
        default: return nil
        }
    }
}
