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
