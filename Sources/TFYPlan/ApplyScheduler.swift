import TFYCore

/// Which operations of an apply graph may start now, as others start and finish: a state machine
/// over plain values, so the order, the skipping after a failure and the stop after an interrupt
/// are tested without EC2 and without concurrency. How many run at once is the executor's
/// business (`OperationSlots`), not this one's.
public struct ApplyScheduler: Sendable {
    public typealias Node = ApplyGraph.Node

    public let graph: ApplyGraph
    /// Nodes that may start now: deletes before applies, then by address.
    public private(set) var ready: [Node] = []
    /// Nodes started and not yet finished.
    public private(set) var running: Set<Node> = []
    public private(set) var succeeded: Set<Node> = []
    public private(set) var failed: Set<Node> = []
    /// Nodes that will not run because something they depend on failed → the failed node.
    public private(set) var skipped: [Node: Node] = [:]
    /// True once `interrupt()` was called: no node starts after that.
    public private(set) var isInterrupted = false
    /// Nodes not yet ready → the dependencies they still wait for.
    private var waiting: [Node: Set<Node>] = [:]
    private let dependents: [Node: [Node]]

    public init(_ graph: ApplyGraph) {
        self.graph = graph
        dependents = graph.graph.dependents
        for node in graph.nodes {
            let dependencies = graph.dependencies(of: node)
            if dependencies.isEmpty { ready.append(node) } else { waiting[node] = dependencies }
        }
        ready.sort()
    }

    /// True when `start()` would hand out a node.
    public var canStart: Bool { !isInterrupted && !ready.isEmpty }

    /// The next node to run, now counted as running; nil when none is ready or after an interrupt.
    public mutating func start() -> Node? {
        guard canStart else { return nil }
        let node = ready.removeFirst()
        running.insert(node)
        return node
    }

    /// Records how a running node ended. A success may make its dependents ready; a failure skips
    /// everything that depends on it, directly or not, and returns those nodes (each skipped
    /// once, the first failure that reached it its cause).
    @discardableResult
    public mutating func finished(_ node: Node, success: Bool) -> [Node] {
        precondition(running.remove(node) != nil, "\(node) finished without having started")
        guard success else {
            failed.insert(node)
            var skippedNow: [Node] = []
            var queue = dependents[node] ?? []
            var position = 0
            while position < queue.count {
                let next = queue[position]
                position += 1
                guard waiting.removeValue(forKey: next) != nil else { continue }
                skipped[next] = node
                skippedNow.append(next)
                queue.append(contentsOf: dependents[next] ?? [])
            }
            return skippedNow
        }
        succeeded.insert(node)
        var newlyReady = false
        for next in dependents[node] ?? [] where waiting[next] != nil {
            waiting[next]!.remove(node)
            if waiting[next]!.isEmpty {
                waiting[next] = nil
                ready.append(next)
                newlyReady = true
            }
        }
        if newlyReady { ready.sort() }
        return []
    }

    /// Stops handing out nodes; running ones may still finish.
    public mutating func interrupt() { isInterrupted = true }

    /// Nodes that have neither finished nor been skipped: waiting, ready or running.
    public var remaining: Set<Node> { Set(waiting.keys).union(ready).union(running) }
}
