import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYState

/// `tfy state mv SOURCE DESTINATION`: records an object under another address without touching
/// it — a renamed resource keeps its instances instead of being destroyed and created again. A
/// resource address moves every instance of the resource (keys kept), an instance address that
/// instance. Each moved object's `tfy:address` tag is retagged first (one CreateTags per object),
/// so a run that adopts by tags finds it at its new address.
package enum StateMove {
    package struct Request {
        package var source: String
        package var destination: String
        package var configuration: Configuration
        package var backend: Backend

        package init(source: String, destination: String, configuration: Configuration, backend: Backend) {
            self.source = source
            self.destination = destination
            self.configuration = configuration
            self.backend = backend
        }
    }

    /// Each move, from → to, and the IDs whose `tfy:address` tag was changed.
    package struct Moved: Sendable {
        package var moves: [(from: ResourceAddress, to: ResourceAddress)]
        package var retagged: [String]
    }

    package static func move(_ request: Request, environment: OperationEnvironment,
                             log: @escaping @Sendable (String) -> Void) async -> (Moved?, Diagnostics) {
        guard let source = ResourceAddress(parsing: request.source), source.module.isEmpty else {
            return (nil, Diagnostics([invalid("source", request.source)]))
        }
        guard let destination = ResourceAddress(parsing: request.destination), destination.module.isEmpty else {
            return (nil, Diagnostics([invalid("target", request.destination)]))
        }
        guard source.type == destination.type else {
            return (nil, Diagnostics([.error("Invalid state move request", detail: "Cannot move \(source) to \(destination): resource types don't match.")]))
        }
        var moved: Moved?
        let problems = await StateTransfer.withLock(request.backend.storage, operation: "OperationTypeStateMv") { (store) async throws(StateError) -> Diagnostics in
            guard var state = try await store.read() else {
                return Diagnostics([.error("No state", detail: "There is no state at \(store.location).")])
            }
            if let recorded = state.stack, recorded != request.configuration.stack {
                return Diagnostics([Deployment.anotherStacksState(store.location, recorded: recorded, directory: request.configuration.directory, stack: request.configuration.stack)])
            }
            // A resource address moves each of its instances, keeping its key; an instance address one.
            let entries = state.instances.filter { source.key == nil ? $0.address.resource == source.resource : $0.address == source }
            guard !entries.isEmpty else {
                return Diagnostics([.error("Invalid source address", detail: "Cannot move \(source): does not match anything in the current state.")])
            }
            if source.key == nil, destination.key != nil {
                return Diagnostics([.error("Invalid target address", detail: "Cannot move \(source), a whole resource, to the instance address \(destination): give a resource address such as \(destination.resource).")])
            }
            let moves = entries.map { entry in
                (from: entry.address, to: source.key == nil ? ResourceAddress(type: destination.type, name: destination.name, key: entry.address.key) : destination)
            }
            let sources = Set(moves.map(\.from))
            if let taken = moves.first(where: { move in !sources.contains(move.to) && state.instances.contains { $0.address == move.to } }) {
                return Diagnostics([.error("Invalid target address", detail: "Cannot move to \(taken.to): there is already a resource instance at that address in the current state.")])
            }
            var retagged: [String] = []
            if ResourceRegistry.standard[source.type]?.carriesOwnershipTags == true {
                for (entry, move) in zip(entries, moves) {
                    guard let id = entry.instance.attributes["id"]?.stringValue else { continue }
                    // The tag goes before the state entry: a failed retag leaves the state as it
                    // was, and the object under the address its tag names.
                    if let problem = await retag(id, to: move.to, request: request, store: store, environment: environment, log: log) {
                        return Diagnostics([problem])
                    }
                    retagged.append(id)
                }
            }
            try await store.writeBackup(state)
            for (entry, _) in zip(entries, moves) { state.setInstance(entry.address, nil) }
            for (entry, move) in zip(entries, moves) {
                var instance = entry.instance
                instance.indexKey = move.to.key
                state.setInstance(move.to, instance)
            }
            state.serial += 1
            try await store.write(state)
            moved = Moved(moves: moves, retagged: retagged)
            return Diagnostics()
        }
        return (moved, problems)
    }

    static func invalid(_ which: String, _ text: String) -> Diagnostic {
        .error("Invalid \(which) address", detail: "\(Value.quoted(text)) is not a resource or resource instance address such as aws_instance.master or aws_instance.master[0].")
    }

    /// One CreateTags of `tfy:address`; a diagnostic when it fails.
    static func retag(_ id: String, to address: ResourceAddress, request: Request, store: any StateStorage, environment: OperationEnvironment,
                      log: @escaping @Sendable (String) -> Void) async -> Diagnostic? {
        let (variables, _, _) = VariableResolver(missingRequired: .unknown).resolve(request.configuration, inputs: [])
        let engine: EngineContext
        switch Deployment.engine(configuration: request.configuration, variables: variables, statistics: CallStatistics(),
                                 knownHostsPath: request.backend.knownHostsPath, store: store, context: environment, log: log) {
        case .success(let e): engine = e
        case .failure(let diagnostic): return diagnostic
        }
        do {
            try await engine.ec2.createTags(resources: [id], tags: ["tfy:address": address.description])
            return nil
        } catch {
            return .error("Failed to retag the object", detail: "Setting the tfy:address tag of \(id) to \(address) failed: \(error). The state was not changed.")
        }
    }
}
