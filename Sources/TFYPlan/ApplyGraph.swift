import TFYCore

/// The graph apply walks and `tfy graph` prints: one node per operation (an instance's apply —
/// create or update — its delete, and the read of a data source whose arguments are known only
/// during apply), an edge `a → b` when `a` may start only after `b` has
/// finished. It is built from a plan by named edge rules, run in turn as Terraform's
/// `graph_builder_apply.go` runs its transformers; an edge is added only when both its ends are
/// operations of this plan.
public struct ApplyGraph: Sendable, Hashable {
    /// One operation: an instance's apply (create or update), its delete, or a data source's read
    /// (its address without `data.`).
    public struct Node: Hashable, Comparable, Sendable {
        public enum Kind: Int, Sendable { case read = -1, delete = 0, apply = 1 }
        public var address: ResourceAddress
        public var kind: Kind

        public init(_ address: ResourceAddress, _ kind: Kind) {
            self.address = address
            self.kind = kind
        }

        /// Reads (others wait for them) before deletes before applies, then by address: the order
        /// ready operations start in.
        public static func < (a: Node, b: Node) -> Bool { a.kind != b.kind ? a.kind.rawValue < b.kind.rawValue : a.address < b.address }
    }

    /// node → the nodes that must finish before it starts.
    public private(set) var graph = DependencyGraph<Node>()

    public init(_ plan: Plan) { self.init(plan.changes, reads: plan.dataReads) }

    /// `reads`: the plan's data sources read during apply.
    public init(_ changes: [PlannedChange], reads: [PlannedChange] = []) {
        let active = changes.filter { $0.action != .noOp }
        for change in active {
            if change.action.creates || change.action == .update { graph.add(Node(change.address, .apply)) }
            if change.action.deletes { graph.add(Node(change.address, .delete)) }
        }
        let instances = Self.instanceDependencies(active)
        let actions = Dictionary(active.map { ($0.address, $0.action) }, uniquingKeysWith: { first, _ in first })
        dependencyEdges(instances)
        destroyEdges(instances)
        createBeforeDestroyEdges(instances, actions: actions)
        destroyBeforeCreateEdges(actions)
        readEdges(reads, changes: active)
    }

    public var nodes: Set<Node> { graph.nodes }

    /// The nodes that must finish before `node` starts.
    public func dependencies(of node: Node) -> Set<Node> { graph.dependencies[node] ?? [] }

    /// Instance → the instances of the resources it depends on (the plan records `type.name`,
    /// from the configuration or, for what is only in the state, from the state).
    package static func instanceDependencies(_ changes: [PlannedChange]) -> DependencyGraph<ResourceAddress> {
        var byResource: [String: [ResourceAddress]] = [:]
        for change in changes { byResource[change.address.resource, default: []].append(change.address) }
        var graph = DependencyGraph<ResourceAddress>()
        for change in changes {
            graph.add(change.address)
            for dependency in change.dependencies {
                for target in byResource[dependency] ?? [] where target != change.address { graph.add(change.address, dependsOn: target) }
            }
        }
        return graph
    }

    /// Adds `node → dependency` when both are operations of this plan.
    private mutating func order(_ node: Node, after dependency: Node) {
        guard graph.nodes.contains(node), graph.nodes.contains(dependency) else { return }
        graph.add(node, dependsOn: dependency)
    }

    /// An apply after the applies of what it depends on.
    private mutating func dependencyEdges(_ instances: DependencyGraph<ResourceAddress>) {
        for edge in instances.edges { order(Node(edge.node, .apply), after: Node(edge.dependency, .apply)) }
    }

    /// Destroy inverted: a dependent's delete before the delete of what it depends on.
    private mutating func destroyEdges(_ instances: DependencyGraph<ResourceAddress>) {
        for edge in instances.edges { order(Node(edge.dependency, .delete), after: Node(edge.node, .delete)) }
    }

    /// A create-before-destroy replacement's old object goes only after its dependents have moved
    /// to the new one, and after its own create.
    private mutating func createBeforeDestroyEdges(_ instances: DependencyGraph<ResourceAddress>, actions: [ResourceAddress: ChangeAction]) {
        for edge in instances.edges where actions[edge.dependency] == .replace(createFirst: true) {
            order(Node(edge.dependency, .delete), after: Node(edge.node, .apply))
        }
        for (address, action) in actions where action == .replace(createFirst: true) { order(Node(address, .delete), after: Node(address, .apply)) }
    }

    /// A plain replacement's create after its own delete.
    private mutating func destroyBeforeCreateEdges(_ actions: [ResourceAddress: ChangeAction]) {
        for (address, action) in actions where action == .replace(createFirst: false) { order(Node(address, .apply), after: Node(address, .delete)) }
    }

    /// A read after the applies of the resources its arguments wait for, and before what refers
    /// to it: the applies of resources and the reads of other data sources (`dependents`).
    private mutating func readEdges(_ reads: [PlannedChange], changes: [PlannedChange]) {
        var applies: [String: [ResourceAddress]] = [:]
        for change in changes { applies[change.address.resource, default: []].append(change.address) }
        var readsOf: [String: [ResourceAddress]] = [:]
        for read in reads {
            graph.add(Node(read.address, .read))
            readsOf["data." + read.address.resource, default: []].append(read.address)
        }
        for read in reads {
            let node = Node(read.address, .read)
            for dependency in read.dependencies {
                for target in applies[dependency] ?? [] { order(node, after: Node(target, .apply)) }
            }
            for dependent in read.dependents {
                for target in applies[dependent] ?? [] { order(Node(target, .apply), after: node) }
                for target in readsOf[dependent] ?? [] where target != read.address { order(Node(target, .read), after: node) }
            }
        }
    }

    /// The graph with each node named as `tfy graph` prints it: the instance address, with
    /// ` (destroy)` on a delete when the same instance also has an apply (a replacement), and
    /// `data.` before a read.
    public var named: DependencyGraph<String> {
        let applied = Set(nodes.filter { $0.kind == .apply }.map(\.address))
        return graph.mapNodes { node in
            if node.kind == .read { return "data.\(node.address)" }
            return node.kind == .delete && applied.contains(node.address) ? "\(node.address) (destroy)" : node.address.description
        }
    }
}
