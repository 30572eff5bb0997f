import TFYAWS
import TFYConfig
import TFYCore
import TFYPlan

/// What `import` blocks name, read live for the plan: each object is checked (it exists, it is
/// not another stack's) and read as refresh reads a tracked one, for the planner to plan as
/// imported. Terraform reads import targets during plan too, with or without `-refresh`.
public struct ImportReader: Sendable {
    public var context: EngineContext
    let registry: ResourceRegistry

    public init(context: EngineContext, registry: ResourceRegistry = .standard) {
        self.context = context
        self.registry = registry
    }

    /// The objects of `blocks` whose IDs `state` does not already record (those the planner
    /// checks against the state), and the blocks that cannot be read, located.
    public func read(_ blocks: [ImportBlock], state: State?) async -> ([UntrackedObject], [Diagnostic]) {
        let recorded = Set((state?.instances ?? []).compactMap { $0.instance.attributes["id"]?.stringValue })
        var objects: [UntrackedObject] = []
        var problems: [Diagnostic] = []
        for block in blocks where !recorded.contains(block.id) {
            let address = block.to
            guard let type = registry[address.type], type.carriesOwnershipTags else {
                problems.append(.error("Resource type cannot be imported",
                                       detail: "\(address.type) objects carry no tags to own them by; only aws_instance and aws_security_group objects can be imported.",
                                       at: block.location, address: address.description))
                continue
            }
            let provider = type.provider(context: context, output: { _, _ in })
            do {
                guard let tags = try await provider.liveTags(id: block.id) else {
                    problems.append(.error("Cannot import non-existent remote object", detail: ImportProblems.nonExistent(address), at: block.location, address: address.description))
                    continue
                }
                if let owner = tags["tfy:stack"], owner != context.stack {
                    problems.append(.error("Object belongs to another stack",
                                           detail: ImportProblems.anotherStack(id: block.id, owner: owner, ownerAddress: tags["tfy:address"], stack: context.stack),
                                           at: block.location, address: address.description))
                    continue
                }
                var result = Refresher.Result(state: State(lineage: ""))
                try await provider.refresh([(address, StateInstance(indexKey: address.key, attributes: ["id": .string(block.id)]))], prior: result.state, into: &result)
                guard let read = result.state.instance(address), read.attributes["id"]?.stringValue == block.id else {
                    problems.append(.error("Cannot import non-existent remote object", detail: ImportProblems.nonExistent(address), at: block.location, address: address.description))
                    continue
                }
                objects.append(UntrackedObject(address: address, id: block.id, attributes: read.attributes))
            } catch {
                problems.append(.error("Failed to read the object to import", detail: "Reading \(block.id) for \(address) failed: \(error).", at: block.location, address: address.description))
            }
        }
        return (objects, problems)
    }
}

/// The remote half of a plan's moves and imports, done before apply records them: a moved
/// object's `tfy:address` tag names its new address, an imported object gets this stack's
/// `tfy:stack` and `tfy:address` tags — one CreateTags per object. Tags go first: a failed call
/// leaves the state as it was, and every object under the address its tags name.
public struct Retagger: Sendable {
    public var context: EngineContext
    let registry: ResourceRegistry

    public init(context: EngineContext, registry: ResourceRegistry = .standard) {
        self.context = context
        self.registry = registry
    }

    /// Tags the objects of `changes` that are moved or imported; `ids` gives each moved change's
    /// object ID (from the state), since a moved change's `before` may be gone (a delete).
    public func tag(_ changes: [PlannedChange], ids: [ResourceAddress: String]) async throws(AWSError) {
        for change in changes {
            guard registry[change.address.type]?.carriesOwnershipTags == true else { continue }
            if let id = change.importing {
                try await context.ec2.createTags(resources: [id], tags: context.ownershipTags(change.address))
            } else if change.previousAddress != nil, let id = ids[change.address] {
                try await context.ec2.createTags(resources: [id], tags: ["tfy:address": change.address.description])
            }
        }
    }
}
