/// The key of one instance of a repeated resource or module: an integer for `count`, a string
/// for `for_each`. Integers sort before strings, each in its natural order, as Terraform sorts
/// instance keys.
public enum InstanceKey: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    case int(Int)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }

    /// Orders optional keys: no key sorts before any key.
    public static func precedes(_ a: InstanceKey?, _ b: InstanceKey?) -> Bool {
        switch (a, b) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let x?, let y?): return x < y
        }
    }

    public var intValue: Int? {
        if case .int(let index) = self { return index }
        return nil
    }

    /// `3` or `"zk"`, as written between the brackets of an address.
    public var description: String {
        switch self {
        case .int(let index): return String(index)
        case .string(let key): return Value.quoted(key)
        }
    }

    public static func < (a: InstanceKey, b: InstanceKey) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.int, .string): return true
        case (.string, .int): return false
        }
    }
}

/// One `module.NAME[KEY]` step of a module path.
public struct ModuleStep: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var name: String
    public var key: InstanceKey?

    public init(name: String, key: InstanceKey? = nil) {
        self.name = name
        self.key = key
    }

    public var description: String { "module.\(name)" + (key.map { "[\($0)]" } ?? "") }

    public static func < (a: ModuleStep, b: ModuleStep) -> Bool {
        if a.name != b.name { return a.name < b.name }
        return InstanceKey.precedes(a.key, b.key)
    }
}

/// The address of a resource instance: `aws_instance.master[1]`, `aws_security_group.cluster`,
/// `aws_instance.node["zk"]`, `module.workers[0].aws_instance.node[1]`. The one parser
/// (`init?(parsing:)`) and the one printer (`description`) of addresses.
public struct ResourceAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The module path, outermost first; empty in the root module.
    public var module: [ModuleStep]
    public var type: String
    public var name: String
    /// The `count` index or `for_each` key; nil for a resource with neither.
    public var key: InstanceKey?

    public init(module: [ModuleStep] = [], type: String, name: String, key: InstanceKey?) {
        self.module = module
        self.type = type
        self.name = name
        self.key = key
    }

    public init(type: String, name: String, index: Int? = nil) {
        self.init(type: type, name: name, key: index.map(InstanceKey.int))
    }

    /// The `count` index; nil for a string key or no key.
    public var index: Int? {
        get { key?.intValue }
        set { key = newValue.map(InstanceKey.int) }
    }

    /// The module path as text: `module.workers[0].`, or empty in the root module.
    public var modulePrefix: String { module.map { "\($0)." }.joined() }

    /// `type.name` (with its module path), without the instance key.
    public var resource: String { "\(modulePrefix)\(type).\(name)" }

    public var description: String { key.map { "\(resource)[\($0)]" } ?? resource }

    /// Terraform's order: shallower module paths first (the root module's resources before any
    /// module's), then module steps by name and key, then type, name and key.
    public static func < (a: ResourceAddress, b: ResourceAddress) -> Bool {
        if a.module != b.module {
            if a.module.count != b.module.count { return a.module.count < b.module.count }
            return a.module.lexicographicallyPrecedes(b.module)
        }
        if a.type != b.type { return a.type < b.type }
        if a.name != b.name { return a.name < b.name }
        return InstanceKey.precedes(a.key, b.key)
    }

    /// Parses `type.name`, `type.name[3]`, `type.name["key"]`, each optionally behind
    /// `module.NAME[KEY].` steps; nil for anything else (including a data source or a bare module).
    public init?(parsing text: String) {
        var scanner = AddressScanner(text)
        var module: [ModuleStep] = []
        while scanner.peekWord() == "module" {
            scanner.skipWord()
            guard scanner.consume("."), let name = scanner.identifier() else { return nil }
            let key = scanner.optionalKey()
            guard key != .some(nil) else { return nil }
            module.append(ModuleStep(name: name, key: key ?? nil))
            guard scanner.consume(".") else { return nil }
        }
        guard let type = scanner.identifier(), type != "data", scanner.consume("."), let name = scanner.identifier() else { return nil }
        let key = scanner.optionalKey()
        guard key != .some(nil), scanner.atEnd else { return nil }
        self.init(module: module, type: type, name: name, key: key ?? nil)
    }
}

extension ModuleStep {
    /// Parses a module instance address, `module.workers[0].module.disk`; nil for anything else
    /// (an empty text included: the root module has no address).
    public static func parsePath(_ text: String) -> [ModuleStep]? {
        var scanner = AddressScanner(text)
        var path: [ModuleStep] = []
        repeat {
            guard scanner.peekWord() == "module" else { return nil }
            scanner.skipWord()
            guard scanner.consume("."), let name = scanner.identifier() else { return nil }
            let key = scanner.optionalKey()
            guard key != .some(nil) else { return nil }
            path.append(ModuleStep(name: name, key: key ?? nil))
        } while scanner.consume(".")
        return scanner.atEnd ? path : nil
    }
}

/// Reads the parts of an address left to right.
private struct AddressScanner {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var atEnd: Bool { position == scalars.count }

    static func isIdentifier(_ c: Unicode.Scalar, first: Bool) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || (!first && (("0"..."9").contains(c) || c == "-"))
    }

    func peekWord() -> String? {
        var end = position
        while end < scalars.count, Self.isIdentifier(scalars[end], first: end == position) { end += 1 }
        return end > position ? String(String.UnicodeScalarView(scalars[position..<end])) : nil
    }

    mutating func skipWord() { position += peekWord()?.unicodeScalars.count ?? 0 }

    mutating func identifier() -> String? {
        guard let word = peekWord() else { return nil }
        skipWord()
        return word
    }

    mutating func consume(_ c: Unicode.Scalar) -> Bool {
        guard position < scalars.count, scalars[position] == c else { return false }
        position += 1
        return true
    }

    /// nil: no key here; `.some(nil)`: a malformed key; `.some(key)`: a key.
    mutating func optionalKey() -> InstanceKey?? {
        guard consume("[") else { return nil }
        if consume("\"") {
            var text = ""
            while position < scalars.count, scalars[position] != "\"" {
                if scalars[position] == "\\", position + 1 < scalars.count { position += 1 }
                text.unicodeScalars.append(scalars[position])
                position += 1
            }
            guard consume("\""), consume("]") else { return .some(nil) }
            return .some(.string(text))
        }
        let start = position
        while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 }
        guard position > start, position - start <= 18, let index = Int(String(String.UnicodeScalarView(scalars[start..<position]))),
              consume("]") else { return .some(nil) }
        return .some(.int(index))
    }
}

extension InstanceKey {
    /// The key as plan and state documents write it: a number for `count`, a string for `for_each`.
    public var json: JSONValue {
        switch self {
        case .int(let index): return .int(index)
        case .string(let text): return .string(text)
        }
    }

    /// Reads a key written by `json`; nil for null or absent, `failure(message)` for anything else.
    public static func decode<Failure: Error>(_ json: JSONValue?, _ failure: (String) -> Failure) throws(Failure) -> InstanceKey? {
        switch json {
        case nil, .null?: return nil
        case .int(let index)?: return .int(index)
        case .string(let text)?: return .string(text)
        case let other?: throw failure("an instance key is neither a whole number nor a string: \(other.compact())")
        }
    }
}
