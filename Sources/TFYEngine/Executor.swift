import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYPlan
import TFYState

/// What apply reports as it goes, for the progress lines (`aws_instance.m[0]: Creating...`).
public enum ApplyEvent: Sendable {
    /// `read`: a data source read during apply (the address is without `data.`).
    public enum Operation: String, Sendable { case create = "Creating", update = "Modifying", delete = "Destroying", read = "Reading" }
    /// How a provisioning step (a bootstrap's remote commands) went.
    public enum Provisioning: Sendable { case started, completed, failed }
    /// `id`: the object's ID when it exists already (an update, a delete), so progress can name it.
    case started(ResourceAddress, Operation, id: String?)
    case stillRunning(ResourceAddress, Operation, seconds: Int)
    case completed(ResourceAddress, Operation, seconds: Int, id: String?)
    case failed(ResourceAddress, Operation, seconds: Int, message: String)
    case skipped(ResourceAddress, because: ResourceAddress)
    /// A line a bootstrap's remote commands printed, already redacted; `provisioner` is
    /// Terraform's name for that kind of step (`remote-exec`).
    case output(ResourceAddress, String, provisioner: String)
    /// A provisioning step of an operation began, ended or failed. A create's step begins with
    /// the operation (creating a bootstrap is running it); a delete's only with its first line
    /// of output, since only a bootstrap with destroy scripts runs anything when deleted.
    case provisioning(ResourceAddress, provisioner: String, Provisioning)
}

public struct ApplyResult: Sendable {
    /// Objects found by their tags and recorded in state; shown only when not zero.
    public var adopted = 0
    /// Objects `import` blocks brought under the configuration; shown only when not zero.
    public var imported = 0
    public var added = 0
    public var changed = 0
    public var destroyed = 0
    public var errors: [Diagnostic] = []
    public var interrupted = false
    public init() {}
}

/// Walks a plan's changes: creations and updates after what they depend on, deletions in the
/// exact reverse, at most `parallelism` at once. State is persisted after every operation; a
/// failure skips only what depends on it.
public final class Executor: Sendable {
    let context: EngineContext
    let recorder: StateRecorder
    /// The planning request whose `prior` is replaced by the current state to get each
    /// operation's values (secrets included) at the moment it runs.
    let planning: PlanRequest
    let parallelism: Int
    let events: @Sendable (ApplyEvent) -> Void
    let interrupted: @Sendable () -> Bool
    let stillRunningInterval: Double
    /// The resource types whose providers apply the changes.
    let registry: ResourceRegistry
    private let cache = ValueCache()
    private let provisioning = ProvisioningSteps()
    /// The data sources read during this apply, beside those the plan read.
    let reads = ReadResults()

    public init(context: EngineContext, recorder: StateRecorder, planning: PlanRequest, parallelism: Int = 10,
                stillRunningInterval: Double = 10, registry: ResourceRegistry = .standard,
                events: @escaping @Sendable (ApplyEvent) -> Void, interrupted: @escaping @Sendable () -> Bool = { false }) {
        self.registry = registry
        self.context = context
        self.recorder = recorder
        self.planning = planning
        self.parallelism = max(1, parallelism)
        self.stillRunningInterval = stillRunningInterval
        self.events = events
        self.interrupted = interrupted
    }

    typealias Node = ApplyGraph.Node

    func provider(_ type: String) -> (any ResourceProvider)? {
        let provisioner = registry[type]?.provisioner ?? "remote-exec"
        return registry[type]?.provider(context: context, output: { [events, provisioning] address, line in
            if provisioning.begin(address) { events(.provisioning(address, provisioner: provisioner, .started)) }
            events(.output(address, line, provisioner: provisioner))
        })
    }

    /// Drives an `ApplyScheduler` over the plan's `ApplyGraph`: starts what it hands out as slots
    /// free up, tells it how each operation ended, and reports progress and skips.
    public func run(_ plan: Plan) async -> ApplyResult {
        var result = ApplyResult()
        let changes = Dictionary(plan.changes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        // Apart from the changes: data.aws_security_group.x and aws_security_group.x share an address.
        let dataReads = Dictionary(plan.dataReads.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let graph = ApplyGraph(plan)
        var scheduler = ApplyScheduler(graph)
        let slots = OperationSlots(limit: parallelism)

        await withTaskGroup(of: (Node, Diagnostic?).self) { group in
            // Nodes start in order as slots free up; an operation waiting for instances gives its
            // slot back meanwhile (see OperationSlots).
            func launch() async {
                while scheduler.canStart {
                    if interrupted() {
                        scheduler.interrupt()
                        return
                    }
                    await slots.acquire()
                    if interrupted() { scheduler.interrupt() }
                    // Every node is an operation of one of the plan's changes or reads.
                    guard let node = scheduler.start(), let change = node.kind == .read ? dataReads[node.address] : changes[node.address] else {
                        await slots.release()
                        continue
                    }
                    let needs = graph.dependencies(of: node)
                    group.addTask {
                        let holder = OperationSlots.Holder(slots)
                        let error = await OperationSlots.$current.withValue(holder) {
                            node.kind == .read ? await self.read(node, change, needs: needs) : await self.execute(node, change, needs: needs)
                        }
                        await holder.finish()
                        return (node, error)
                    }
                }
            }
            await launch()
            while let (node, error) = await group.next() {
                // Everything downstream of a failure is skipped, once each.
                for skipped in scheduler.finished(node, success: error == nil) { events(.skipped(skipped.address, because: node.address)) }
                if let error {
                    result.errors.append(error)
                } else {
                    await cache.completed(node)
                    switch node.kind {
                    case .delete: result.destroyed += 1
                    case .apply: if changes[node.address]!.action.creates { result.added += 1 } else { result.changed += 1 }
                    case .read: break
                    }
                }
                await launch()
            }
        }
        result.interrupted = interrupted() && !scheduler.remaining.isEmpty
        await recordOutputs()
        return result
    }

    /// Runs one node; nil on success, the error otherwise.
    func execute(_ node: Node, _ change: PlannedChange, needs: Set<Node>) async -> Diagnostic? {
        let address = node.address
        let operation: ApplyEvent.Operation = node.kind == .delete ? .delete : (change.action.creates ? .create : .update)
        events(.started(address, operation, id: operation == .create ? nil : await existingID(address, deletingDeposed: change.action == .replace(createFirst: true))))
        let started = Date()
        let provisioner = registry[address.type]?.provisioner
        if let provisioner, operation == .create, provisioning.begin(address) {
            events(.provisioning(address, provisioner: provisioner, .started))
        }
        // A provisioning step that began ends with its operation, before the operation's own line.
        func endProvisioning(_ how: ApplyEvent.Provisioning) {
            if let provisioner, provisioning.end(address) { events(.provisioning(address, provisioner: provisioner, how)) }
        }
        let ticker = Task {
            var seconds = 0
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(stillRunningInterval * 1e9))
                seconds += Int(stillRunningInterval)
                events(.stillRunning(address, operation, seconds: seconds))
            }
        }
        defer { ticker.cancel() }
        do {
            let id = try await perform(node, change, needs: needs)
            endProvisioning(.completed)
            events(.completed(address, operation, seconds: Int(Date().timeIntervalSince(started)), id: id))
            return nil
        } catch {
            let message = "\(error)"
            if operation == .create {
                // A create that failed after its object existed (a wait that timed out, a tag that
                // failed) stays tainted and is replaced, as in Terraform; only a create a run did
                // not see end (killed, interrupted) is waited for and kept by the next refresh.
                try? await recorder.update { state in
                    guard var failed = state.instance(address), failed.status == .tainted, failed.createdAt != nil else { return }
                    failed.setMarker(StateInstance.Marker.createFailed)
                    state.setInstance(address, failed)
                }
            }
            endProvisioning(.failed)
            events(.failed(address, operation, seconds: Int(Date().timeIntervalSince(started)), message: message))
            return .error("Error \(operation == .delete ? "destroying" : operation == .create ? "creating" : "updating") \(address)", detail: message, address: address.description)
        }
    }

    /// The ID of the object an update or delete works on: the recorded object's, or for the
    /// delete half of a create-before-destroy replacement, the old (deposed) object's.
    func existingID(_ address: ResourceAddress, deletingDeposed: Bool) async -> String? {
        let current = await recorder.instance(address)
        let attributes = deletingDeposed ? current?.deposed.first : current?.attributes
        return attributes?["id"]?.stringValue
    }

    func perform(_ node: Node, _ change: PlannedChange, needs: Set<Node>) async throws -> String? {
        let address = node.address
        let provider = self.provider(address.type)
        let current = await recorder.instance(address)
        switch node.kind {
        case .delete:
            if change.action == .replace(createFirst: true) {
                // Recorded before the calls, as every deletion is: a refused write stops here.
                if !(current?.deposed ?? []).isEmpty { try await recorder.update(always: true) { _ in } }
                for old in current?.deposed ?? [] { try await provider?.delete(address, prior: old) }
                try await recorder.update { state in
                    guard var instance = state.instance(address) else { return }
                    instance.deposed = []
                    state.setInstance(address, instance)
                }
                return nil
            }
            if let current {
                // The deletion is recorded before the call, as a launch is: with remote state a
                // refused write (a lost lock, another writer) stops the run before it deletes anything.
                try await recorder.update(always: true) { state in
                    guard var marked = state.instance(address), !marked.isPendingCreate else { return }
                    marked.setMarker(StateInstance.Marker.deleting)
                    state.setInstance(address, marked)
                }
                if current.status == .tainted {
                    try await provider?.deleteTainted(address, prior: current.attributes)
                } else {
                    try await provider?.delete(address, prior: current.attributes)
                }
            }
            try await recorder.set(address, nil)
            return nil
        case .read:
            return nil
        case .apply:
            guard let provider else {
                throw EngineError(description: "\(address.type) resources cannot be applied by this version of tfy yet")
            }
            let desired = try await values(for: address, needs: needs)
            let dependencies = change.dependencies
            let createBeforeDestroy = change.action == .replace(createFirst: true)
            if change.action.creates {
                let state = await recorder.state
                // A create an earlier run started (and maybe launched) keeps its token.
                let pendingToken = current?.pendingClientToken
                let token = pendingToken ?? EngineContext.clientToken(stack: context.stack, address: address, lineage: state.lineage, serial: state.serial)
                if createBeforeDestroy, let old = current, !old.isPendingCreate {
                    try await recorder.update { state in
                        var moved = old
                        moved.deposed.append(old.attributes)
                        moved.attributes = [:]
                        state.setInstance(address, moved)
                    }
                }
                let deposed = createBeforeDestroy ? (current.map { $0.deposed + [$0.attributes] } ?? []) : []
                let recorder = self.recorder
                // When the object came to exist, for the grace window in which EC2 may not list it yet.
                let createdMark = "created_at=\(Int(context.clock().timeIntervalSince1970))"
                let record = Recorder(
                    pending: { token in
                        var instance = StateInstance(indexKey: address.key, attributes: [:], dependencies: dependencies, createBeforeDestroy: createBeforeDestroy, privateData: "client_token=\(token)")
                        instance.deposed = deposed
                        try await recorder.set(address, instance)
                    },
                    created: { attributes in
                        var instance = StateInstance(indexKey: address.key, status: .tainted, attributes: attributes, dependencies: dependencies, createBeforeDestroy: createBeforeDestroy,
                                                     privateData: createdMark)
                        instance.deposed = deposed
                        try await recorder.set(address, instance)
                    },
                    token: token, resumed: pendingToken != nil)
                let attributes = try await provider.create(address, desired: desired, record: record)
                var instance = StateInstance(indexKey: address.key, attributes: attributes, dependencies: dependencies, createBeforeDestroy: createBeforeDestroy,
                                             privateData: createdMark)
                instance.deposed = deposed
                try await recorder.set(address, instance)
                return attributes["id"]?.stringValue
            }
            guard var instance = current else { throw EngineError(description: "\(address) is not in the state") }
            let record = UpdateRecorder(marking: { [recorder] marker in
                try await recorder.update { state in
                    guard var marked = state.instance(address) else { return }
                    marked.setMarker(marker)
                    state.setInstance(address, marked)
                }
            })
            // Secrets the state keeps as digests are compared by digest: a provider sees the
            // configured value where the digest matches it, so an unchanged secret is not sent again.
            var prior = instance.attributes
            if let key = await recorder.state.stackKey {
                for (name, value) in prior where SensitiveDigest.isDigest(value) {
                    if let configured = desired[name], SensitiveDigest.redact(configured, key: key).0.deepUnmarked == value.deepUnmarked { prior[name] = configured }
                }
            }
            instance.attributes = try await provider.update(address, prior: prior, desired: desired, record: record)
            // A finished update leaves nothing to finish.
            instance.setMarker(nil)
            instance.dependencies = dependencies
            try await recorder.set(address, instance)
            return instance.attributes["id"]?.stringValue
        }
    }

    /// The configuration evaluated against the state as it is now, with the data sources read
    /// so far. One evaluation serves every operation whose prerequisites were done when it was
    /// made: a thousand instances that wait for one security group share one evaluation.
    func evaluation(covering needs: Set<Node>) async -> (PlanOutcome?, Diagnostics) {
        if let outcome = await cache.outcome(covering: needs) { return (outcome, Diagnostics()) }
        let completed = await cache.completedSnapshot
        var request = await currentRequest()
        request.options.targets = []
        request.options.replace = []
        let (outcome, diagnostics) = Planner.planWithValues(request)
        if let outcome { await cache.store(outcome, completed: completed) }
        return (outcome, diagnostics)
    }

    /// `planning` with the state as it is now and every data source read so far.
    func currentRequest() async -> PlanRequest {
        var request = planning
        request.prior = await recorder.state
        request.readsDuringApply = true
        for (query, attributes) in await reads.values.values { request.dataResults[query] = attributes }
        return request
    }

    /// The instance's configured values, evaluated against the state as it is now: everything it
    /// depends on has been applied, so its references are known.
    func values(for address: ResourceAddress, needs: Set<Node>) async throws -> [String: Value] {
        let (outcome, diagnostics) = await evaluation(covering: needs)
        guard let outcome, let values = outcome.plannedValues[address] else {
            throw EngineError(description: diagnostics.errors.first.map { "\($0.summary): \($0.detail)" } ?? "\(address) is no longer in the configuration")
        }
        guard let schema = registry[address.type]?.schema else { return values }
        for (name, attribute) in schema.body.attributes where attribute.isSettable && !attribute.isComputed {
            if let value = values[name], let path = Self.firstUnknown(value, path: name, type: attribute.type) {
                throw EngineError(description: "the value of \(path) is still unknown: something it depends on was not applied")
            }
        }
        return values
    }

    /// Where in `value` the first unknown part is, as `files[0].content`. Nested attributes left
    /// to the provider (a volume's type when only its size is given) are unknown until the object
    /// exists, and are not looked at.
    static func firstUnknown(_ value: Value, path: String, type: AttributeType) -> String? {
        switch (type, value.unmarked.value) {
        case (.object(let schema), .map(let entries)):
            return firstUnknown(entries, path: path, schema: schema)
        case (.objectList(let schema), .list(let items)):
            return items.indices.lazy.compactMap { i in
                guard case .map(let entries) = items[i].unmarked.value else { return firstUnknown(items[i], path: "\(path)[\(i)]") }
                return firstUnknown(entries, path: "\(path)[\(i)]", schema: schema)
            }.first
        default:
            return firstUnknown(value, path: path)
        }
    }

    static func firstUnknown(_ entries: [String: Value], path: String, schema: ObjectSchema) -> String? {
        entries.keys.sorted().lazy.compactMap { key -> String? in
            guard let attribute = schema.attributes[key] else { return firstUnknown(entries[key]!, path: "\(path).\(key)") }
            if attribute.isComputed, case .unknown = entries[key]!.unmarked.value { return nil }
            return firstUnknown(entries[key]!, path: "\(path).\(key)", type: attribute.type)
        }.first
    }

    /// Where in `value` the first unknown part is, as `files[0].content`.
    static func firstUnknown(_ value: Value, path: String) -> String? {
        switch value.unmarked.value {
        case .unknown: return path
        case .list(let items): return items.indices.lazy.compactMap { firstUnknown(items[$0], path: "\(path)[\($0)]") }.first
        case .map(let entries): return entries.keys.sorted().lazy.compactMap { firstUnknown(entries[$0]!, path: "\(path).\($0)") }.first
        default: return nil
        }
    }

    /// Outputs evaluated against the final state, with the data sources read during apply.
    func recordOutputs() async {
        var request = planning
        request.readsDuringApply = true
        for (query, attributes) in await reads.values.values { request.dataResults[query] = attributes }
        await recorder.recordOutputs(of: request)
    }
}

extension StateRecorder {
    /// Records the outputs of `planning`'s configuration, evaluated against the state as it is
    /// now (none after a destroy). Needs no AWS client: a plan with no operation records its
    /// outputs this way too.
    package func recordOutputs(of planning: PlanRequest) async {
        var request = planning
        request.prior = await state
        request.options = PlanOptions()
        guard let outcome = Planner.planWithValues(request).0 else { return }
        try? await update { state in
            state.outputs = [:]
            for output in outcome.plan.outputs where !planning.options.destroy {
                guard let after = output.after, after.isWhollyKnown else { continue }
                state.outputs[output.name] = StateOutput(value: after, sensitive: output.sensitive)
            }
        }
    }
}

/// The resource instances whose provisioning step has begun and not yet ended, so each step
/// is reported begun once and ended once, whether it began with its operation or with its first
/// line of output. Output arrives on the SSH reader's thread, hence the lock.
final class ProvisioningSteps: @unchecked Sendable {
    private let lock = NSLock()
    private var running = Set<ResourceAddress>()

    /// True when the step of `address` begins now (it was not running).
    func begin(_ address: ResourceAddress) -> Bool { lock.withLock { running.insert(address).inserted } }

    /// True when the step of `address` was running and ends now.
    func end(_ address: ResourceAddress) -> Bool { lock.withLock { running.remove(address) != nil } }
}

/// The latest evaluation of the configuration during an apply, and which operations had finished
/// when it was made. Operations, not addresses: a replacement's delete finishing says nothing of
/// its create, and an evaluation made between the two has the new object's ID still unknown (an
/// instance launched from it had no security group at all).
actor ValueCache {
    typealias Node = ApplyGraph.Node
    private var latest: (outcome: PlanOutcome, completed: Set<Node>)?
    private var done = Set<Node>()

    func completed(_ node: Node) { done.insert(node) }

    var completedSnapshot: Set<Node> { done }

    func outcome(covering needs: Set<Node>) -> PlanOutcome? {
        guard let latest, needs.isSubset(of: latest.completed) else { return nil }
        return latest.outcome
    }

    func store(_ outcome: PlanOutcome, completed: Set<Node>) {
        if latest == nil || completed.count >= latest!.completed.count { latest = (outcome, completed) }
    }
}

/// The data sources read during an apply, by query: each evaluation after a read takes its result.
actor ReadResults {
    private(set) var values = DataResults()

    func add(_ query: DataQuery, _ attributes: [String: Value]) { values[query] = attributes }
}
