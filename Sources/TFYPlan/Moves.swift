import TFYConfig
import TFYCore

/// The prior state as the `moved` statements say it should be: each recorded object at the end
/// of its chain of statements (a→b, b→c moves a to c), with the address it came from. Terraform
/// applies moves before planning, so everything after this sees the new addresses; nothing is
/// destroyed or created by a move.
struct Moves {
    /// The prior state with every move made; nil when there is none.
    var state: State?
    /// New address → the address the state recorded.
    var previous: [ResourceAddress: ResourceAddress] = [:]
    var warnings: [Diagnostic] = []

    init(_ statements: [MovedBlock], prior: State?) {
        state = prior
        guard var moved = prior, !statements.isEmpty else { return }
        var blocked: [(from: ResourceAddress, to: ResourceAddress)] = []
        let recorded = moved.instances
        let addresses = Set(recorded.map(\.address))
        // Every destination is worked out before any object moves, so swaps and chains see the
        // state as it was.
        var destinations: [(from: ResourceAddress, to: ResourceAddress, instance: StateInstance)] = []
        for (address, instance) in recorded {
            let to = Self.destination(of: address, statements)
            if to != address { destinations.append((address, to, instance)) }
        }
        let leaving = Set(destinations.map(\.from))
        var taken = Set<ResourceAddress>()
        for move in destinations {
            // An object already at the destination (that is not moving away itself) stays; the
            // moving one keeps its old address, as in Terraform.
            if (addresses.contains(move.to) && !leaving.contains(move.to)) || taken.contains(move.to) {
                blocked.append((move.from, move.to))
                continue
            }
            taken.insert(move.to)
            moved.setInstance(move.from, nil)
        }
        for move in destinations where !blocked.contains(where: { $0.from == move.from }) {
            var instance = move.instance
            instance.indexKey = move.to.key
            moved.setInstance(move.to, instance)
            previous[move.to] = move.from
        }
        state = moved
        if !blocked.isEmpty {
            let lines = blocked.map { "\n  - \($0.from) could not move to \($0.to)" }.joined()
            warnings.append(.warning("Unresolved resource instance address changes",
                                     detail: "tfy tried to adjust resource instance addresses in the prior state based on change information recorded in the configuration, but some adjustments did not succeed due to existing objects already at the intended addresses:\(lines)\n\ntfy has planned to destroy these objects. If tfy's proposed changes aren't appropriate, you must first resolve the conflicts using the \"tfy state\" subcommands and then create a new plan."))
        }
    }

    /// The end of the chain of statements from `address` (itself when none applies). The loader
    /// refuses cycles; the bound is a second guard.
    static func destination(of address: ResourceAddress, _ statements: [MovedBlock]) -> ResourceAddress {
        var current = address
        for _ in 0...statements.count {
            guard let next = statements.lazy.compactMap({ $0.destination(of: current) }).first else { break }
            current = next
        }
        return current
    }

    /// Instance moves whose source the configuration still declares: Terraform's "Moved object
    /// still exists", found once the configuration's instances are known.
    static func stillDeclared(_ statements: [MovedBlock], declared: Set<ResourceAddress>, configuration: Configuration) -> [Diagnostic] {
        statements.filter { !$0.movesResources && declared.contains($0.from) }.map { statement in
            let at = configuration.resource(statement.from.resource)?.location
            return .error("Moved object still exists",
                          detail: "This statement declares a move from \(statement.from), but that resource instance is still declared\(at.map { " at \($0.file):\($0.line),\($0.column)" } ?? "").\n\nChange your configuration so that this instance will be declared as \(statement.to) instead.",
                          at: statement.location)
        }
    }
}
