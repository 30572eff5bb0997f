import TFYCore

/// tfy's attribute values in the form Terraform's JSON gives them for the AWS provider, so a
/// policy written against `terraform show -json` reads tfy's plans and state unchanged:
///
/// - a nested block tfy keeps as one object (`root_block_device`, `cpu_options`) is a list of at
///   most one block, so `root_block_device[0].encrypted` finds it; unset, it is `[]`;
/// - an unset list (a list of blocks, of strings) is `[]`, not null;
/// - a set of strings (`vpc_security_group_ids`) that holds a value not known yet is unknown as
///   a whole, as the provider plans it, not a list with a null in it; known, it is sorted;
/// - a set of blocks (a security group's rules) holds each block as the provider plans it (an
///   unset string `""`, an unset bool `false`, the provider's `prefix_list_ids` `[]`) and is
///   sorted as Terraform sorts sets of objects (go-cty: by the bytes that identify each element).
///
/// Marks stay where they were: a sensitive value is reshaped inside its mark.
struct TerraformForm {
    let resourceTypes: ResourceCatalog
    /// Each type's shape, worked out once per rendering rather than once per resource.
    let shapes: [String: Shape]

    init(resourceTypes: ResourceCatalog) {
        self.resourceTypes = resourceTypes
        var shapes: [String: Shape] = [:]
        for name in resourceTypes.names { shapes[name] = resourceTypes[name].map { Self.shape($0.schema.body, path: name) } }
        self.shapes = shapes
    }

    /// What a value's JSON mirrors need of its type where the value itself is unknown: Terraform
    /// writes an unknown list's sensitivity as `[]`, an unknown map's or object's as `{}`.
    indirect enum Shape: Equatable {
        case primitive
        case list(Shape?)
        case map(Shape?)
        case object([String: Shape])
    }

    /// Attributes the AWS provider's blocks have and tfy does not model, with the value they
    /// always have in what tfy plans (it never sets them).
    static let unmodelled: [String: [String: Value]] = [
        "aws_security_group.ingress": ["prefix_list_ids": .list([])],
        "aws_security_group.egress": ["prefix_list_ids": .list([])],
    ]

    func schema(_ type: String) -> ObjectSchema? { resourceTypes[type]?.schema.body }

    /// A resource's attributes in Terraform's form; unchanged for a type tfy does not know.
    func resource(_ value: Value, type: String) -> Value {
        guard let schema = schema(type) else { return value }
        return object(value, schema, path: type)
    }

    /// The shape of a resource's attributes in Terraform's form; nil for an unknown type.
    func shape(ofResource type: String) -> Shape? { shapes[type] }

    static func shape(_ schema: ObjectSchema, path: String) -> Shape {
        var members: [String: Shape] = [:]
        for (name, attribute) in schema.attributes { members[name] = shape(attribute, path: path + "." + name) }
        for name in (unmodelled[path] ?? [:]).keys { members[name] = .list(.primitive) }
        return .object(members)
    }

    static func shape(_ attribute: Attribute, path: String) -> Shape {
        switch attribute.type {
        case .object(let schema), .objectList(let schema): return .list(shape(schema, path: path))
        case .value(let type): return shape(type)
        }
    }

    static func shape(_ type: ValueType) -> Shape {
        switch type {
        case .any, .string, .number, .bool: return .primitive
        case .list(let element), .set(let element): return .list(shape(element))
        case .tuple: return .list(nil)
        case .map(let element): return .map(shape(element))
        case .object(let members): return .object(members.mapValues(shape))
        }
    }

    func object(_ value: Value, _ schema: ObjectSchema, path: String, inSet: Bool = false) -> Value {
        // A secret's digest stands for the whole value: it is shown as null, never reshaped.
        if SensitiveDigest.isDigest(value) { return value }
        let (inner, sensitive) = value.unmarked
        guard case .map(var entries) = inner else { return value }
        for (name, attribute) in schema.attributes {
            guard let entry = entries[name] else { continue }
            var shaped = self.attribute(entry, attribute, path: path + "." + name)
            // The provider's SDK plans an unset string or bool inside a set's block as its zero value.
            if inSet, shaped.unmarked.value == .null, case .value(let type) = attribute.type {
                if type == .string { shaped = .string("") } else if type == .bool { shaped = .bool(false) }
            }
            entries[name] = shaped
        }
        if inSet { entries.merge(Self.unmodelled[path] ?? [:]) { mine, _ in mine } }
        return Value.map(entries).marked(sensitive)
    }

    func attribute(_ value: Value, _ attribute: Attribute, path: String) -> Value {
        if SensitiveDigest.isDigest(value) { return value }
        let (inner, sensitive) = value.unmarked
        if case .unknown = inner { return value }
        switch attribute.type {
        case .object(let schema):
            if case .null = inner { return Value.list([]).marked(sensitive) }
            return Value.list([object(inner, schema, path: path)]).marked(sensitive)
        case .objectList(let schema):
            if case .null = inner { return Value.list([]).marked(sensitive) }
            guard case .list(let items) = inner else { return value }
            let blocks = items.map { object($0, schema, path: path, inSet: attribute.isSet) }
            return Value.list(attribute.isSet ? Self.sortedAsSet(blocks) : blocks).marked(sensitive)
        case .value(let type):
            let isSet: Bool
            switch type {
            case .set: isSet = true
            case .list: isSet = attribute.isSet
            default: return value
            }
            if case .null = inner { return Value.list([]).marked(sensitive) }
            guard case .list(let items) = inner else { return value }
            guard isSet else { return value }
            if items.contains(where: { !$0.isWhollyKnown }) { return Value.unknown.marked(sensitive) }
            return Value.list(Self.sortedAsSet(items)).marked(sensitive)
        }
    }

    /// go-cty's order of a set's elements (`setRules.Less`): strings lexically, numbers by value,
    /// anything else by the bytes that identify it (`appendSetHashBytes`); then unknowns, then nulls.
    static func sortedAsSet(_ items: [Value]) -> [Value] {
        let keyed = items.map { item -> (Value, rank: Int, key: [UInt8], number: Double?) in
            let plain = item.deepUnmarked
            switch plain {
            case .null: return (item, 2, [], nil)
            case .unknown: return (item, 1, [], nil)
            case .string(let text): return (item, 0, Array(text.utf8), nil)
            case .number(let number): return (item, 0, [], number)
            default: return (item, 0, Array(identity(plain).utf8), nil)
            }
        }
        return keyed.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.rank != y.rank { return x.rank < y.rank }
            if let p = x.number, let q = y.number, p != q { return p < q }
            if x.key != y.key { return x.key.lexicographicallyPrecedes(y.key) }
            return a.offset < b.offset
        }.map(\.element.0)
    }

    /// go-cty's `appendSetHashBytes`: the text that identifies a value within a set.
    static func identity(_ value: Value) -> String {
        switch value {
        case .unknown: return "?"
        case .null: return "~"
        case .bool(let flag): return flag ? "T" : "F"
        case .number(let number): return goNumber(number)
        case .string(let text): return goQuoted(text)
        case .list(let items): return "[" + items.map { identity($0) + ";" }.joined() + "]"
        case .map(let entries): return "<" + entries.keys.sorted().map { identity(entries[$0]!) + ";" }.joined() + ">"
        case .sensitive(let inner): return identity(inner)
        }
    }

    /// `big.Float.String()` (`%g`, ten significant digits) for the numbers configurations hold:
    /// whole numbers below 10^10 as digits, others as Swift's shortest form.
    static func goNumber(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e10 { return String(Int(number)) }
        return "\(number)"
    }

    /// Go's `%q` for the characters configurations hold.
    static func goQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Terraform's JSON mirrors of a value (`internal/command/jsonplan` and `jsonstate`).
enum TerraformJSON {
    /// The value with unknown parts left out (`omitUnknowns`): an unknown object member is
    /// absent, an unknown list element null (element order is how tools match `after_unknown`);
    /// sensitive parts are null, as everywhere tfy shows a value. Nil for an unknown value.
    static func omittingUnknowns(_ value: Value) -> JSONValue? {
        if SensitiveDigest.isDigest(value) { return .null }
        switch value {
        case .unknown: return nil
        case .sensitive(let inner): return inner.isUnknown ? nil : .null
        case .list(let items): return .array(items.map { omittingUnknowns($0) ?? .null })
        case .map(let entries): return .object(entries.compactMapValues(omittingUnknowns))
        default: return value.json
        }
    }

    /// `unknownAsBool`: true where a value is unknown; an object keeps only members that are
    /// not `false`; an empty list is `[]`, an empty object `{}`.
    static func unknownMirror(_ value: Value) -> JSONValue {
        if SensitiveDigest.isDigest(value) { return .bool(false) }
        switch value.unmarked.value {
        case .unknown: return .bool(true)
        case .list(let items): return .array(items.map(unknownMirror))
        case .map(let entries): return .object(entries.mapValues(unknownMirror).filter { $0.value != .bool(false) })
        default: return .bool(false)
        }
    }

    /// `after_unknown` of a change: `{}` when nothing in it is unknown (a delete's included).
    static func afterUnknown(_ after: Value?) -> JSONValue {
        guard let after, !after.isWhollyKnown else { return .object([:]) }
        return unknownMirror(after)
    }

    /// `SensitiveAsBool`: true where a value is sensitive; an object keeps only members that are
    /// not `false`; a list mirrors each element; an unknown list is `[]` and an unknown map or
    /// object `{}` (nothing can be said of their parts yet), so the shape is needed there.
    static func sensitiveMirror(_ value: Value, shape: TerraformForm.Shape?) -> JSONValue {
        if value.isSensitive { return .bool(true) }
        switch value {
        case .unknown:
            switch shape {
            case .list: return .array([])
            case .map, .object: return .object([:])
            default: return .bool(false)
            }
        case .list(let items):
            var element: TerraformForm.Shape?
            if case .list(let inner) = shape { element = inner }
            return .array(items.map { sensitiveMirror($0, shape: element) })
        case .map(let entries):
            var result: [String: JSONValue] = [:]
            for (key, item) in entries {
                var member: TerraformForm.Shape?
                switch shape {
                case .map(let inner): member = inner
                case .object(let members): member = members[key]
                default: member = nil
                }
                let mirror = sensitiveMirror(item, shape: member)
                if mirror != .bool(false) { result[key] = mirror }
            }
            return .object(result)
        default: return .bool(false)
        }
    }
}
