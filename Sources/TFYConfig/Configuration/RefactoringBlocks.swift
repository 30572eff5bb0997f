import TFYCore

/// One entry of the top-level `moved:` list: the objects the state records at `from` now belong
/// at `to`. Two resource addresses (no key) move every instance of the resource, keys kept; when
/// either has a key both are instance addresses, as Terraform unifies them (`aws_instance.a` →
/// `aws_instance.a[0]` moves the one object of a resource that gains `count`).
public struct MovedBlock: Sendable, Hashable {
    public var from: ResourceAddress
    public var to: ResourceAddress
    /// Where the entry starts (the list item).
    public var location: SourceLocation

    public init(from: ResourceAddress, to: ResourceAddress, location: SourceLocation) {
        self.from = from
        self.to = to
        self.location = location
    }

    /// True when the statement moves whole resources, not one instance.
    public var movesResources: Bool { from.key == nil && to.key == nil }

    /// Where this statement moves the object at `address`; nil when it does not concern it.
    public func destination(of address: ResourceAddress) -> ResourceAddress? {
        if movesResources {
            guard address.module == from.module, address.type == from.type, address.name == from.name else { return nil }
            return ResourceAddress(module: to.module, type: to.type, name: to.name, key: address.key)
        }
        return address == from ? to : nil
    }

    /// The address as Terraform's move diagnostics write it: `aws_instance.a[*]` for a resource.
    static func pattern(_ address: ResourceAddress) -> String { address.key == nil ? "\(address)[*]" : address.description }

    /// `file:line,column`, as Terraform's move diagnostics name a statement.
    public var statementLocation: String { "\(location.file):\(location.line),\(location.column)" }
}

/// One entry of the top-level `import:` list: the existing object `id` is to be managed as `to`.
public struct ImportBlock: Sendable, Hashable {
    public var to: ResourceAddress
    public var id: String
    public var location: SourceLocation

    public init(to: ResourceAddress, id: String, location: SourceLocation) {
        self.to = to
        self.id = id
        self.location = location
    }
}

/// The checks of `moved` statements that need nothing but the statements and the declared
/// resources, with Terraform's wording.
enum MoveStatementChecks {
    static func check(_ statements: [MovedBlock], declared: [String: SourceLocation]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for statement in statements where statement.movesResources {
            if let at = declared[statement.from.resource] {
                problems.append(.error("Moved object still exists",
                                       detail: "This statement declares a move from \(statement.from), but that resource is still declared at \(at.file):\(at.line),\(at.column).\n\nChange your configuration so that this resource will be declared as \(statement.to) instead.",
                                       at: statement.location))
            }
        }
        // Each source moves to one destination.
        var firstFrom: [ResourceAddress: MovedBlock] = [:]
        for statement in statements {
            if let first = firstFrom[statement.from], first.to != statement.to {
                problems.append(.error("Ambiguous move statements",
                                       detail: "A statement at \(first.statementLocation) declared that \(statement.from) moved to \(first.to), but this statement instead declares that it moved to \(statement.to).\n\nEach \(statement.movesResources ? "resource" : "resource instance") can move to only one destination \(statement.movesResources ? "resource" : "resource instance").",
                                       at: statement.location))
            } else if firstFrom[statement.from] == nil {
                firstFrom[statement.from] = statement
            }
        }
        if let cycle = firstCycle(statements) {
            let lines = cycle.map { "  - \($0.statementLocation): \(MovedBlock.pattern($0.from)) → \(MovedBlock.pattern($0.to))" }.joined(separator: "\n")
            problems.append(.error("Cyclic dependency in move statements",
                                   detail: "The following chained move statements form a cycle, and so there is no final location to move objects to:\n\(lines)\n\nA chain of move statements must end with an address that doesn't appear in any other statements, and which typically also refers to an object still declared in the configuration.",
                                   at: cycle[0].location))
        }
        return problems
    }

    /// The first chain of statements (from the first statement in file order that starts one)
    /// whose last destination is its first source.
    static func firstCycle(_ statements: [MovedBlock]) -> [MovedBlock]? {
        for start in statements.indices {
            var chain = [statements[start]]
            var used: Set<Int> = [start]
            while let next = statements.indices.first(where: { !used.contains($0) && statements[$0].from == chain.last!.to }) {
                chain.append(statements[next])
                used.insert(next)
                if statements[next].to == statements[start].from { return chain }
            }
        }
        return nil
    }
}

/// `tfy plan -generate-config-out=FILE`: a resource block in tfy's YAML for each `import` block
/// whose `to` the configuration does not declare, from the object as read — what Terraform's
/// generated HCL says, in tfy's dialect. Only settable attributes with a value are written (not
/// what EC2 computes, not tfy's own `tfy:` tags), to be reviewed and trimmed by hand.
public enum GeneratedConfiguration {
    public struct Entry: Sendable {
        public var address: ResourceAddress
        public var id: String
        public var attributes: [String: Value]
        public var type: any ResourceType

        public init(address: ResourceAddress, id: String, attributes: [String: Value], type: any ResourceType) {
            self.address = address
            self.id = id
            self.attributes = attributes
            self.type = type
        }
    }

    /// The file's text.
    public static func yaml(_ entries: [Entry]) -> String {
        var resources: [String: Value] = [:]
        for entry in entries {
            var body: [String: Value] = [:]
            for (name, attribute) in entry.type.schema.body.attributes where attribute.isSettable && !entry.type.derivedAttributeNames.contains(name) {
                guard var value = entry.attributes[name]?.deepUnmarked, value.isWhollyKnown, !isEmpty(value) else { continue }
                if name == "tags", let tags = value.mapValue {
                    value = .map(tags.filter { !$0.key.hasPrefix("tfy:") })
                    if isEmpty(value) { continue }
                }
                body[name] = value
            }
            var named = resources[entry.address.type]?.mapValue ?? [:]
            named[entry.address.name] = .map(body)
            resources[entry.address.type] = .map(named)
        }
        var header = "# __generated__ by tfy\n# Please review these resources and move them into your main configuration files.\n"
        for entry in entries { header += "# \(entry.address) from \(Value.quoted(entry.id))\n" }
        return header + "\n" + lines(.map(["resource": .map(resources)]), indent: 0).joined(separator: "\n") + "\n"
    }

    /// Block-style YAML as a person writes tfy configuration: plain keys where YAML allows them,
    /// scalars as `yamlencode` writes them.
    static func lines(_ value: Value, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let entries):
            return entries.keys.sorted().flatMap { key -> [String] in
                let name = isPlainKey(key) ? key : YAMLText.doubleQuoted(key)
                let item = entries[key]!
                switch item {
                case .map(let nested) where !nested.isEmpty: return ["\(pad)\(name):"] + lines(item, indent: indent + 2)
                case .list(let nested) where !nested.isEmpty: return ["\(pad)\(name):"] + lines(item, indent: indent + 2)
                default: return ["\(pad)\(name): \(scalar(item, indent: indent + 2))"]
                }
            }
        case .list(let items):
            return items.flatMap { item -> [String] in
                switch item {
                case .map(let nested) where !nested.isEmpty:
                    var nestedLines = lines(item, indent: indent + 2)
                    nestedLines[0] = pad + "- " + nestedLines[0].dropFirst(indent + 2)
                    return nestedLines
                default:
                    return ["\(pad)- \(scalar(item, indent: indent + 2))"]
                }
            }
        default:
            return [pad + scalar(value, indent: indent)]
        }
    }

    static func scalar(_ value: Value, indent: Int) -> String {
        switch value {
        case .list: return "[]"
        case .map: return "{}"
        default: return YAMLText.scalar(value, indent: indent)
        }
    }

    /// A key YAML reads as that string when written plainly.
    static func isPlainKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_" else { return false }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
            && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(key.lowercased())
    }

    static func isEmpty(_ value: Value) -> Bool {
        switch value {
        case .null: return true
        case .list(let items): return items.isEmpty
        case .map(let entries): return entries.isEmpty
        default: return false
        }
    }
}
