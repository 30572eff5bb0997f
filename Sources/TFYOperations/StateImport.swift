import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

/// `tfy import ADDR ID`: the inverse of `state rm`. An existing object comes under an address of
/// the configuration: it gets this stack's `tfy:stack` and `tfy:address` tags (one CreateTags),
/// then its live attributes are read into the state under the lock. An object tagged for another
/// stack is refused, never tagged; so is an address the state already tracks, or an ID it already
/// records elsewhere.
package enum StateImport {
    package struct Request {
        package var address: String
        package var id: String
        package var configuration: Configuration
        package var backend: Backend

        package init(address: String, id: String, configuration: Configuration, backend: Backend) {
            self.address = address
            self.id = id
            self.configuration = configuration
            self.backend = backend
        }
    }

    /// What was imported: the address and the object's ID.
    package struct Imported: Sendable, Equatable {
        package var address: ResourceAddress
        package var id: String
    }

    package static func run(_ request: Request, environment: OperationEnvironment,
                            log: @escaping @Sendable (String) -> Void) async -> (Imported?, Diagnostics) {
        guard let address = ResourceAddress(parsing: request.address), address.module.isEmpty else {
            return (nil, Diagnostics([.error("Invalid address", detail: "\(Value.quoted(request.address)) is not a resource instance address such as aws_instance.web[0].")]))
        }
        guard let block = request.configuration.resources.first(where: { $0.type == address.type && $0.name == address.name }) else {
            return (nil, Diagnostics([.error("Configuration for import target does not exist",
                                            detail: "The configuration has no resource \(address.type).\(address.name). Before importing an object, write the resource block it will be managed by.")]))
        }
        switch (block.count != nil, address.key) {
        case (true, .some(.int)), (false, nil) where block.forEach == nil: break
        case (false, .some(.string)) where block.forEach != nil: break
        case (false, _) where block.forEach != nil:
            return (nil, Diagnostics([.error("Invalid address", detail: "\(address.type).\(address.name) has for_each: import to an instance of it, such as \(address.type).\(address.name)[\"KEY\"].")]))
        case (true, _):
            return (nil, Diagnostics([.error("Invalid address", detail: "\(address.type).\(address.name) has count: import to an instance of it, such as \(address.type).\(address.name)[0].")]))
        case (false, _):
            return (nil, Diagnostics([.error("Invalid address", detail: "\(address.type).\(address.name) has no count: import to \(address.type).\(address.name) without an index.")]))
        }
        guard ResourceRegistry.standard[address.type]?.carriesOwnershipTags == true else {
            return (nil, Diagnostics([.error("Resource type cannot be imported", detail: "\(address.type) objects carry no tags to own them by; only aws_instance and aws_security_group objects can be imported.")]))
        }
        var imported: Imported?
        let problems = await StateTransfer.withLock(request.backend.storage, operation: "OperationTypeImport") { (store) async throws(StateError) -> Diagnostics in
            let stored = try await store.read()
            var state = stored ?? State(lineage: UUID().uuidString.lowercased())
            let stack = request.configuration.stack
            if let recorded = state.stack, recorded != stack {
                return Diagnostics([Deployment.anotherStacksState(store.location, recorded: recorded, directory: request.configuration.directory, stack: stack)])
            }
            if let existing = state.instance(address), !existing.isPendingCreate {
                return Diagnostics([.error("Resource already managed by tfy",
                                           detail: "The state already tracks \(address)\(existing.attributes["id"]?.stringValue.map { " (\($0))" } ?? ""). To import another object to it, first forget that one with: tfy state rm \(address)")])
            }
            if let other = state.instances.first(where: { $0.instance.attributes["id"]?.stringValue == request.id }) {
                return Diagnostics([.error("Object already managed by tfy", detail: "\(request.id) is already in the state as \(other.address).")])
            }
            let (variables, _, _) = VariableResolver(missingRequired: .unknown).resolve(request.configuration, inputs: [])
            let engine: EngineContext
            switch Deployment.engine(configuration: request.configuration, variables: variables, statistics: CallStatistics(),
                                     knownHostsPath: request.backend.knownHostsPath, store: store, context: environment, log: log) {
            case .success(let e): engine = e
            case .failure(let diagnostic): return Diagnostics([diagnostic])
            }
            let provider = ResourceRegistry.standard[address.type]!.provider(context: engine, output: { _, _ in })
            do {
                guard let tags = try await provider.liveTags(id: request.id) else {
                    return Diagnostics([.error("Cannot import non-existent remote object",
                                               detail: "There is no live \(address.type) \(request.id) in \(engine.region) (it may be terminated, or in another region or account).")])
                }
                if let owner = tags["tfy:stack"], owner != stack {
                    return Diagnostics([.error("Object belongs to another stack",
                                               detail: "\(request.id) is tagged tfy:stack=\(owner)\(tags["tfy:address"].map { " as \($0)" } ?? ""); this configuration is stack \(Value.quoted(stack)). tfy never takes another stack's objects. To move it, first run tfy state rm in stack \(Value.quoted(owner)).")])
                }
                // Tagged before the state records it: a failed state write leaves a tagged object
                // the next plan shows as adopted, never one the state records and EC2 cannot find by tag.
                try await engine.ec2.createTags(resources: [request.id], tags: ["tfy:stack": stack, "tfy:address": address.description])
                var result = Refresher.Result(state: State(lineage: state.lineage), drift: [])
                try await provider.refresh([(address, StateInstance(indexKey: address.key, attributes: ["id": .string(request.id)]))],
                                           prior: result.state, into: &result)
                guard let read = result.state.instance(address), read.attributes["id"]?.stringValue == request.id else {
                    return Diagnostics([.error("Cannot import non-existent remote object", detail: "\(request.id) was tagged, but reading it back found nothing; run the import again.")])
                }
                // What the configuration makes sensitive (a tag whose value is a secret) is
                // recorded as the digest a plan adopting the object would record.
                let key: StackKey
                if let kept = try await store.readStackKey() { key = kept } else { key = try await store.writeStackKey(StackKey.generate(), replacing: false) }
                state.stackKey = key
                let attributes = Self.recorded(read.attributes, of: request.id, at: address, configuration: request.configuration,
                                               variables: variables, files: FileReader(currentDirectory: environment.workingDirectory), state: state, key: key)
                if stored != nil { try await store.writeBackup(state) }
                state.stack = stack
                state.setInstance(address, StateInstance(indexKey: address.key, attributes: attributes))
                state.serial += 1
                try await store.write(state)
            } catch let error as StateError {
                throw error
            } catch {
                return Diagnostics([.error("Import failed", detail: "Importing \(request.id) as \(address) failed: \(error). The state was not changed.")])
            }
            imported = Imported(address: address, id: request.id)
            return Diagnostics()
        }
        return (imported, problems)
    }

    /// The object's attributes as a plan adopting it at `address` records them: sensitive where
    /// the configuration is (its secrets digested with `key`). When the configuration cannot be
    /// planned without the run's variables (a `count` that needs one), every tag as a digest.
    static func recorded(_ attributes: [String: Value], of id: String, at address: ResourceAddress, configuration: Configuration,
                         variables: [String: Value], files: FileReader, state: State, key: StackKey) -> [String: Value] {
        var options = PlanOptions()
        options.targets = [address.description]
        var request = PlanRequest(configuration: configuration, variables: variables, prior: state, options: options, files: files)
        request.untracked = [UntrackedObject(address: address, id: id, attributes: attributes)]
        request.stackKey = key
        if let before = Planner.plan(request).0?.changes.first(where: { $0.address == address && $0.adopting == id })?.before?.mapValue {
            return before
        }
        // Which tags hold secrets cannot be told: all are kept as digests until the next apply
        // records them as the configuration marks them.
        var marked = attributes
        if let tags = attributes["tags"]?.mapValue { marked["tags"] = .map(tags.mapValues { $0.marked(true) }) }
        return SensitiveDigest.redact(.map(marked), key: key).0.mapValue ?? marked
    }
}
