/// What one attribute of a resource (or of a nested object) accepts.
public struct Attribute: Sendable, Hashable {
    public enum Presence: Sendable, Hashable {
        /// The user must set it.
        case required
        /// The user may set it; otherwise it is null (or `defaultValue`).
        case optional
        /// Only the provider sets it; it is unknown until apply.
        case computed
        /// The user may set it; otherwise the provider decides, and it is unknown until apply.
        case optionalComputed
    }

    public var type: AttributeType
    public var presence: Presence
    /// A change to this attribute replaces the object instead of updating it.
    public var forcesReplacement: Bool
    /// Never shown in plans, logs or output.
    public var sensitive: Bool
    public var defaultValue: Value?
    /// A list of files to upload whose literal `source` paths are read when the configuration
    /// loads, so the plan knows what will be uploaded.
    public var readsSourcesAtLoad: Bool
    /// A local script path, or a list of them (a bootstrap's `script`, `scripts`): each path is
    /// read when the configuration is evaluated, relative to the configuration directory, and
    /// becomes a `ObjectSchema.scriptFile` object holding the path and the text.
    public var readsScriptPaths: Bool
    /// What a configured value must be beyond its type, checked where it is written.
    public var check: ValueCheck?
    /// A set, as the AWS provider's set-typed attributes (a security group's rules, their CIDR
    /// blocks): neither order nor repeats mean anything, so the list is kept in one canonical
    /// order (`canonical`) wherever it is configured or read back, and a configuration that
    /// lists the same elements in another order plans no change.
    public var isSet: Bool

    public init(
        _ type: AttributeType, _ presence: Presence, forcesReplacement: Bool = false,
        sensitive: Bool = false, default defaultValue: Value? = nil, readsSourcesAtLoad: Bool = false,
        check: ValueCheck? = nil, isSet: Bool = false, readsScriptPaths: Bool = false
    ) {
        self.type = type
        self.presence = presence
        self.forcesReplacement = forcesReplacement
        self.sensitive = sensitive
        self.defaultValue = defaultValue
        self.readsSourcesAtLoad = readsSourcesAtLoad
        self.readsScriptPaths = readsScriptPaths
        self.check = check
        self.isSet = isSet
    }

    public var isSettable: Bool { presence != .computed }
    public var isComputed: Bool { presence == .computed || presence == .optionalComputed }

    /// `value` in this attribute's canonical form: where the attribute, or one inside its
    /// objects, is a set, its elements without repeats and in one order (by their rendering,
    /// marks aside). Configured values and values read back from AWS both pass through it, so
    /// equal sets compare equal.
    public func canonical(_ value: Value) -> Value {
        let (inner, sensitive) = value.unmarked
        guard case .list(var items) = inner else { return value }
        if case .objectList(let schema) = type {
            items = items.map { item in
                let (object, marked) = item.unmarked
                guard case .map(var entries) = object else { return item }
                for (key, attribute) in schema.attributes {
                    if let entry = entries[key] { entries[key] = attribute.canonical(entry) }
                }
                return Value.map(entries).marked(marked)
            }
        }
        if isSet {
            var seen = Set<Value>()
            items = items.filter { seen.insert($0.deepUnmarked).inserted }
            items.sort { $0.deepUnmarked.description < $1.deepUnmarked.description }
        }
        return Value.list(items).marked(sensitive)
    }
}

/// A rule a configured string follows beyond its type, so a mistake is reported at its
/// `file:line:col` when the configuration loads rather than on the host mid-apply.
public enum ValueCheck: Sendable, Hashable {
    /// One of these words.
    case oneOf([String])
    /// A file mode for chmod: three or four octal digits, written as a string ("0644", "755").
    /// A number is refused: YAML reads an unquoted 0644 as 644 and 0o644 as 420.
    case octalMode
    /// A whole number in a range (a port, a size, a number of retries), so a value no API or
    /// integer takes (`1e30`, `22.5`) is reported where it is written, never met mid-apply.
    case wholeNumber(NumberRange)
    /// A duration as Terraform writes them ("30s", "5m", "1h30m") of at most `maximumHours`.
    case duration(maximumHours: Int)

    /// What is wrong with `value` (as configured, before conversion to the attribute's type),
    /// or nil. `name` is the attribute's name; a sensitive value is never quoted.
    public func problem(_ value: Value, name: String) -> (summary: String, detail: String)? {
        let inner = value.unmarked.value
        let shown = value.description
        switch self {
        case .oneOf(let words):
            if let text = inner.stringValue, words.contains(text) { return nil }
            let listed = words.count > 1 ? words.dropLast().map(Value.quoted).joined(separator: ", ") + " or " + Value.quoted(words.last!) : words.map(Value.quoted).joined()
            return ("Invalid value", "The value of \"\(name)\" must be \(listed), not \(shown).")
        case .octalMode:
            if case .number = inner {
                return ("Invalid file mode", "The file mode \(shown) of \"\(name)\" is a number: write it as a quoted octal string such as \"0644\" or \"0600\" (YAML reads an unquoted 0644 as the number 644, and 0o644 as 420).")
            }
            if let text = inner.stringValue, (3...4).contains(text.count), text.allSatisfy({ ("0"..."7").contains($0) }) { return nil }
            return ("Invalid file mode", "The file mode \(shown) of \"\(name)\" is not an octal mode: give three or four digits 0-7, such as \"0644\" or \"0600\".")
        case .wholeNumber(let range):
            // A value of another type is left to the type conversion, which names the type.
            guard case .success(.number(let number)) = ValueType.number.convert(inner) else { return nil }
            if range.accepts(number) { return nil }
            return ("Invalid value", "The value of \"\(name)\" must be \(range.description), not \(shown).")
        case .duration(let maximumHours):
            guard case .success(.string(let text)) = ValueType.string.convert(inner) else { return nil }
            if let seconds = DurationText.seconds(text), seconds.isFinite, seconds <= Double(maximumHours) * 3600 { return nil }
            return ("Invalid value", "The value of \"\(name)\" must be a duration such as \"30s\", \"5m\" or \"1h30m\", from 0s to \(maximumHours)h, not \(shown).")
        }
    }
}

/// The whole numbers an attribute takes: `bounds`, and one value outside them that means
/// something of its own (-1, "all ports", where AWS reads it so).
public struct NumberRange: Sendable, Hashable {
    public var bounds: ClosedRange<Int>
    public var unit: String?
    public var special: Int?
    public var specialMeaning: String?

    public init(_ bounds: ClosedRange<Int>, unit: String? = nil, special: Int? = nil, meaning: String? = nil) {
        self.bounds = bounds
        self.unit = unit
        self.special = special
        self.specialMeaning = meaning
    }

    /// Compared as doubles: no conversion to Int, which traps on 1e30.
    public func accepts(_ number: Double) -> Bool {
        guard number.isFinite, number == number.rounded() else { return false }
        if let special, number == Double(special) { return true }
        return number >= Double(bounds.lowerBound) && number <= Double(bounds.upperBound)
    }

    /// "a whole number from 0 to 65535 (or -1 for all ports)", "a whole number of GiB from 1 to
    /// 65536", as the message and the docs say it.
    public var description: String {
        var text = "a whole number\(unit.map { " of \($0)" } ?? "") from \(bounds.lowerBound) to \(bounds.upperBound)"
        if let special, let specialMeaning { text += " (or \(special) for \(specialMeaning))" }
        return text
    }
}

/// The shape of an attribute: a plain typed value, a nested object, or a list of nested objects.
public indirect enum AttributeType: Sendable, Hashable {
    case value(ValueType)
    case object(ObjectSchema)
    case objectList(ObjectSchema)

    public static let string = AttributeType.value(.string)
    public static let number = AttributeType.value(.number)
    public static let bool = AttributeType.value(.bool)
    public static let stringList = AttributeType.value(.list(.string))
    public static let stringMap = AttributeType.value(.map(.string))
}

/// A set of named attributes: a resource body, a provider block, or a nested object.
public struct ObjectSchema: Sendable, Hashable {
    public var attributes: [String: Attribute]
    /// What the attributes must be together, beyond each one's own check.
    public var check: ObjectCheck?
    public init(_ attributes: [String: Attribute], check: ObjectCheck? = nil) {
        self.attributes = attributes
        self.check = check
    }

    public var settableNames: [String] { attributes.filter { $0.value.isSettable }.keys.sorted() }

    /// A local script as a bootstrap keeps it: the path written in the configuration and the
    /// text read from it. Plans show the path with the text's size and digest; the text is what
    /// runs, and what a later destroy runs when the file is gone.
    /// One entry of a bootstrap's `files`. Plans show each on one line: its content is
    /// sensitive, so the rest is a few short values.
    public static let uploadedFile = ObjectSchema([
        "source": Attribute(.string, .optional),
        "content": Attribute(.string, .optional, sensitive: true),
        "destination": Attribute(.string, .required),
        "template": Attribute(.bool, .optional, default: .bool(false)),
        // Left out: 0600 when the content is sensitive, 0644 otherwise (`Upload.all`).
        "mode": Attribute(.string, .optional, check: .octalMode),
    ])

    public static let scriptFile = ObjectSchema([
        "path": Attribute(.string, .required),
        "content": Attribute(.string, .required),
    ])
}

/// A resource type: its name and the schema of its body.
public struct ResourceSchema: Sendable, Hashable {
    public var type: String
    public var body: ObjectSchema
    public init(type: String, body: ObjectSchema) {
        self.type = type
        self.body = body
    }
}

/// A rule an object's attributes follow together, checked once each is converted, so a
/// combination EC2 refuses is reported where it is written rather than after other objects exist.
public enum ObjectCheck: Sendable, Hashable {
    /// An EC2 IP permission's ports, as EC2 and the AWS provider take them: TCP and UDP ports
    /// 0-65535 with `from_port` no greater than `to_port`; for ICMP the type and code, 0-255 or
    /// -1 for all; protocol -1 (all traffic) with both ports 0, as the AWS provider requires.
    case ipPermissionPorts
    /// At most one of these attributes is set (not null), and one must be: remote-exec's
    /// `inline`, `script` and `scripts`. `summary` is the error's title.
    case exactlyOneOf([String], summary: String)
    /// At most one of these attributes is set (a bootstrap's destroy-time scripts).
    case atMostOneOf([String], summary: String)
    /// Each of these rules, the first broken one reported.
    case each([ObjectCheck])

    /// The attribute at fault and what is wrong, or nil. `entries` are converted values;
    /// `name` is the object's name in messages (`ingress[0]`).
    public func problem(_ entries: [String: Value], name: String) -> (key: String, summary: String, detail: String)? {
        switch self {
        case .exactlyOneOf(let names, let summary), .atMostOneOf(let names, let summary):
            let set = names.filter { !(entries[$0] ?? .null).isNull }
            if set.count == 1 { return nil }
            if set.isEmpty, case .atMostOneOf = self { return nil }
            let listed = names.dropLast().map(Value.quoted).joined(separator: ", ") + ", or " + Value.quoted(names.last!)
            // Terraform's wording for remote-exec; the attribute at fault is the second one set.
            let verb = if case .atMostOneOf = self { "may" } else { "must" }
            return (set.count > 1 ? set[1] : "", summary, "Only one of \(listed) \(verb) be set.")
        case .each(let checks):
            for check in checks {
                if let problem = check.problem(entries, name: name) { return problem }
            }
            return nil
        case .ipPermissionPorts:
            guard let written = entries["protocol"]?.stringValue, let from = entries["from_port"]?.numberValue,
                  let to = entries["to_port"]?.numberValue else { return nil }
            // A sensitive protocol or port is named, never quoted.
            let protocolShown = entries["protocol"]?.isSensitive == true ? "(sensitive value)" : Value.quoted(written)
            func invalid(_ key: String, _ rule: String, _ note: String = "") -> (key: String, summary: String, detail: String) {
                let shown = entries[key]?.isSensitive == true ? "(sensitive value)" : entries[key]!.description
                return (key, "Invalid value", "The value of \"\(name).\(key)\" must be \(rule) with protocol \(protocolShown)\(note), not \(shown).")
            }
            let ports = ["from_port": from, "to_port": to]
            switch written.lowercased() {
            case "tcp", "udp", "6", "17":
                for key in ["from_port", "to_port"] where !NumberRange(0...65535).accepts(ports[key]!) {
                    return invalid(key, "a whole number from 0 to 65535")
                }
                if from > to {
                    let toShown = entries["to_port"]?.isSensitive == true ? "" : " (\(entries["to_port"]!.description))"
                    return invalid("from_port", "no greater than to_port\(toShown)")
                }
            case "icmp", "icmpv6", "1", "58":
                let what = ["from_port": "the ICMP type", "to_port": "the ICMP code"]
                for key in ["from_port", "to_port"] where !NumberRange(0...255, special: -1, meaning: "all").accepts(ports[key]!) {
                    return invalid(key, "\(what[key]!), a whole number from 0 to 255 (or -1 for all),")
                }
            case "-1", "all":
                for key in ["from_port", "to_port"] where ports[key]! != 0 {
                    return invalid(key, "0", " (all traffic, which has no ports; the AWS provider requires 0)")
                }
            default:
                break
            }
            return nil
        }
    }
}
