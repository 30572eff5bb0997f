/// A directed graph where an edge `a → b` means "a depends on b". It knows nothing about
/// resources: it answers what order things may happen in, and finds cycles. Its nodes are names
/// (configuration references, instance addresses) or any other comparable value, such as the
/// apply graph's (address, apply|delete) nodes.
public struct DependencyGraph<Node: Hashable & Comparable & Sendable>: Sendable, Hashable {
    public private(set) var nodes: Set<Node> = []
    /// node → the nodes it depends on.
    public private(set) var dependencies: [Node: Set<Node>] = [:]
    /// node → the nodes it depends on, in the order the edges were added (source order, for the
    /// configuration), which `depthFirstOrder` follows.
    private var addedDependencies: [Node: [Node]] = [:]

    public init() {}

    public mutating func add(_ node: Node) { nodes.insert(node) }

    public mutating func add(_ node: Node, dependsOn other: Node) {
        nodes.insert(node)
        nodes.insert(other)
        if dependencies[node, default: []].insert(other).inserted { addedDependencies[node, default: []].append(other) }
    }

    /// Every edge, as (node, what it depends on).
    public var edges: Set<Edge> {
        Set(dependencies.flatMap { node, targets in targets.map { Edge(node, dependsOn: $0) } })
    }

    public struct Edge: Hashable, Sendable {
        public var node: Node
        public var dependency: Node
        public init(_ node: Node, dependsOn dependency: Node) {
            self.node = node
            self.dependency = dependency
        }
    }

    /// The same graph with every edge reversed: destroy order from create order.
    public var reversed: DependencyGraph {
        var graph = DependencyGraph()
        for node in nodes { graph.add(node) }
        for (node, targets) in dependencies { for target in targets.sorted() { graph.add(target, dependsOn: node) } }
        return graph
    }

    /// The same graph with every node renamed by `transform` (which must not merge nodes that have
    /// edges between them).
    public func mapNodes<Other>(_ transform: (Node) -> Other) -> DependencyGraph<Other> {
        var graph = DependencyGraph<Other>()
        for node in nodes { graph.add(transform(node)) }
        for node in nodes.sorted() {
            for target in addedDependencies[node] ?? [] { graph.add(transform(node), dependsOn: transform(target)) }
        }
        return graph
    }

    /// The nodes that depend on each node (edges reversed), each list sorted.
    public var dependents: [Node: [Node]] {
        var result: [Node: [Node]] = [:]
        for (node, targets) in dependencies { for target in targets { result[target, default: []].append(node) } }
        for key in result.keys { result[key]!.sort() }
        return result
    }

    /// Every node after all its dependencies; among nodes ready at the same time, in order.
    /// Fails with the members of a cycle, in order, when there is one.
    public func topologicalOrder() -> Result<[Node], CycleError<Node>> {
        var remaining: [Node: Int] = [:]
        var dependents: [Node: [Node]] = [:]
        for node in nodes {
            let targets = dependencies[node] ?? []
            remaining[node] = targets.count
            for target in targets { dependents[target, default: []].append(node) }
        }
        var ready = nodes.filter { remaining[$0] == 0 }.sorted(by: >)
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let node = ready.popLast() {
            order.append(node)
            var newlyReady: [Node] = []
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

    /// Every node after its dependencies as far as cycles allow, found depth-first: roots in
    /// order, each node's dependencies in the order their edges were added. Each cycle is
    /// reported once (whichever way round it is met), as the path the search took around it;
    /// the walk goes on past it, so one run names every cycle.
    // Specialised for the configuration's graph of names: called from another module, the
    // generic version sorted 40,000 names through protocol witnesses.
    @_specialize(where Node == String)
    public func depthFirstOrder() -> (order: [Node], cycles: [[Node]]) {
        // The walk runs on integer indices (the nodes in sorted order) and arrays: with one
        // dictionary lookup per step on the nodes themselves, it was a large part of validating
        // many resource blocks.
        let sorted = nodes.sorted()
        var index: [Node: Int] = [:]
        index.reserveCapacity(sorted.count)
        for (i, node) in sorted.enumerated() { index[node] = i }
        let targetsOf: [[Int]] = sorted.map { node in (addedDependencies[node] ?? []).map { index[$0]! } }
        var marks = [DepthFirstMark?](repeating: nil, count: sorted.count)
        var ordered: [Node] = []
        ordered.reserveCapacity(sorted.count)
        var cycles: [[Node]] = []
        var reported = Set<Set<Node>>()
        // Iterative, so a long chain cannot overflow the stack.
        for root in sorted.indices where marks[root] == nil {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            marks[root] = .visiting
            while let top = stack.last {
                let targets = targetsOf[top.node]
                if top.next < targets.count {
                    stack[stack.count - 1].next += 1
                    let target = targets[top.next]
                    switch marks[target] {
                    case nil:
                        marks[target] = .visiting
                        stack.append((target, 0))
                    case .visiting?:
                        let path = stack.map(\.node)
                        let cycle = path[(path.lastIndex(of: target) ?? 0)...].map { sorted[$0] }
                        if reported.insert(Set(cycle)).inserted { cycles.append(cycle) }
                    case .done?:
                        break
                    }
                } else {
                    marks[top.node] = .done
                    ordered.append(sorted[top.node])
                    stack.removeLast()
                }
            }
        }
        return (ordered, cycles)
    }

    /// Every node reachable from `start` along dependency edges, `start` excluded.
    public func transitiveDependencies(of start: Node) -> Set<Node> {
        var seen = Set<Node>()
        var queue = Array(dependencies[start] ?? [])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            queue.append(contentsOf: dependencies[next] ?? [])
        }
        return seen
    }

    func findCycle(among candidates: Set<Node>) -> [Node] {
        guard let start = candidates.min() else { return [] }
        var path: [Node] = [start]
        var positions: [Node: Int] = [start: 0]
        var current = start
        while true {
            guard let next = (dependencies[current] ?? []).filter(candidates.contains).min() else { return path }
            if let position = positions[next] { return Array(path[position...]) }
            positions[next] = path.count
            path.append(next)
            current = next
        }
    }

    // Equal when the nodes and edges are: the order edges were added in is not part of the graph.
    public static func == (a: DependencyGraph, b: DependencyGraph) -> Bool { a.nodes == b.nodes && a.dependencies == b.dependencies }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(nodes)
        hasher.combine(dependencies)
    }
}

/// A node's state during `depthFirstOrder`: on the current path, or finished.
private enum DepthFirstMark { case visiting, done }

public struct CycleError<Node: Hashable & Sendable>: Error, Sendable, Hashable, CustomStringConvertible {
    /// The nodes of the cycle, each depending on the next, the last on the first.
    public var members: [Node]
    public var description: String { (members + members.prefix(1)).map { "\($0)" }.joined(separator: " → ") }
}
