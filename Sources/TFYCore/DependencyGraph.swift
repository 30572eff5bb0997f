/// A directed graph of named nodes where an edge `a → b` means "a depends on b". It knows
/// nothing about resources: it answers what order things may happen in, and finds cycles.
public struct DependencyGraph: Sendable, Hashable {
    public private(set) var nodes: Set<String> = []
    /// node → the nodes it depends on.
    public private(set) var dependencies: [String: Set<String>] = [:]

    public init() {}

    public mutating func add(_ node: String) { nodes.insert(node) }

    public mutating func add(_ node: String, dependsOn other: String) {
        nodes.insert(node)
        nodes.insert(other)
        dependencies[node, default: []].insert(other)
    }

    /// The same graph with every edge reversed: destroy order from create order.
    public var reversed: DependencyGraph {
        var graph = DependencyGraph()
        for node in nodes { graph.add(node) }
        for (node, targets) in dependencies { for target in targets { graph.add(target, dependsOn: node) } }
        return graph
    }

    /// Every node after all its dependencies; among nodes ready at the same time, by name.
    /// Fails with the members of a cycle, in order, when there is one.
    public func topologicalOrder() -> Result<[String], CycleError> {
        var remaining: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for node in nodes {
            let targets = dependencies[node] ?? []
            remaining[node] = targets.count
            for target in targets { dependents[target, default: []].append(node) }
        }
        var ready = nodes.filter { remaining[$0] == 0 }.sorted(by: >)
        var order: [String] = []
        order.reserveCapacity(nodes.count)
        while let node = ready.popLast() {
            order.append(node)
            var newlyReady: [String] = []
            for dependent in dependents[node] ?? [] {
                remaining[dependent]! -= 1
                if remaining[dependent] == 0 { newlyReady.append(dependent) }
            }
            if !newlyReady.isEmpty {
                ready.append(contentsOf: newlyReady)
                ready.sort(by: >)
            }
        }
        guard order.count == nodes.count else { return .failure(CycleError(members: findCycle(among: nodes.subtracting(order)))) }
        return .success(order)
    }

    /// Every node reachable from `start` along dependency edges, `start` excluded.
    public func transitiveDependencies(of start: String) -> Set<String> {
        var seen = Set<String>()
        var queue = Array(dependencies[start] ?? [])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            queue.append(contentsOf: dependencies[next] ?? [])
        }
        return seen
    }

    func findCycle(among candidates: Set<String>) -> [String] {
        guard let start = candidates.min() else { return [] }
        var path: [String] = [start]
        var positions: [String: Int] = [start: 0]
        var current = start
        while true {
            guard let next = (dependencies[current] ?? []).filter(candidates.contains).min() else { return path }
            if let position = positions[next] { return Array(path[position...]) }
            positions[next] = path.count
            path.append(next)
            current = next
        }
    }
}

public struct CycleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The nodes of the cycle, each depending on the next, the last on the first.
    public var members: [String]
    public var description: String { (members + members.prefix(1)).joined(separator: " → ") }
}
