import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYState

/// `tfy state rm`: forgets a resource instance without destroying it. Unless asked to keep them,
/// the object's `tfy:stack` and `tfy:address` tags are removed first (one DeleteTags for every
/// removed object), so no later refresh finds the object by its tags and adopts it again — in
/// Terraform, `state rm` before `destroy` is how one keeps something, and so it is here.
package enum StateRemoval {
    package struct Request {
        package var address: String
        /// `-keep-tags`: leave the tags, so a later run re-adopts the object.
        package var keepTags: Bool
        package var configuration: Configuration
        package var backend: Backend

        package init(address: String, keepTags: Bool, configuration: Configuration, backend: Backend) {
            self.address = address
            self.keepTags = keepTags
            self.configuration = configuration
            self.backend = backend
        }
    }

    /// What was forgotten: the address, and the IDs whose `tfy:` tags were removed.
    package struct Removed: Sendable, Equatable {
        package var address: ResourceAddress
        package var untagged: [String]
    }

    package static func remove(_ request: Request, environment: OperationEnvironment,
                               log: @escaping @Sendable (String) -> Void) async -> (Removed?, Diagnostics) {
        var removed: Removed?
        let problems = await StateTransfer.withLock(request.backend.storage, operation: "OperationTypeStateRm") { (store) async throws(StateError) -> Diagnostics in
            guard var state = try await store.read() else {
                return Diagnostics([.error("No state", detail: "There is no state at \(store.location).")])
            }
            if let recorded = state.stack, recorded != request.configuration.stack {
                return Diagnostics([Deployment.anotherStacksState(store.location, recorded: recorded, directory: request.configuration.directory, stack: request.configuration.stack)])
            }
            guard let entry = state.instances.first(where: { $0.address.description == request.address }) else {
                return Diagnostics([.error("No instance found for the given address", detail: "The state has no instance \(Value.quoted(request.address)).")])
            }
            var untagged: [String] = []
            if !request.keepTags, ResourceRegistry.standard[entry.address.type]?.carriesOwnershipTags == true,
               let id = entry.instance.attributes["id"]?.stringValue {
                // The tags go before the state entry: a failed state write then leaves an object
                // the state still tracks (and the next update tags again), never one it forgot
                // that the next refresh would adopt.
                if let problem = await untag([id], request: request, store: store, environment: environment, log: log) {
                    return Diagnostics([problem])
                }
                untagged = [id]
            }
            try await store.writeBackup(state)
            state.setInstance(entry.address, nil)
            state.serial += 1
            try await store.write(state)
            removed = Removed(address: entry.address, untagged: untagged)
            return Diagnostics()
        }
        return (removed, problems)
    }

    /// One DeleteTags for all of `ids`; a diagnostic when it fails.
    static func untag(_ ids: [String], request: Request, store: any StateStorage, environment: OperationEnvironment,
                      log: @escaping @Sendable (String) -> Void) async -> Diagnostic? {
        let (variables, _, _) = VariableResolver(missingRequired: .unknown).resolve(request.configuration, inputs: [])
        let engine: EngineContext
        switch Deployment.engine(configuration: request.configuration, variables: variables, statistics: CallStatistics(),
                                 knownHostsPath: request.backend.knownHostsPath, store: store, context: environment, log: log) {
        case .success(let e): engine = e
        case .failure(let diagnostic): return diagnostic
        }
        do {
            try await engine.ec2.deleteTags(resources: ids, keys: ["tfy:address", "tfy:stack"])
            return nil
        } catch {
            return .error("Failed to remove the tfy: tags", detail: "Removing the tfy:stack and tfy:address tags of \(ids.joined(separator: ", ")) failed: \(error). The state was not changed. To forget the object and let a later run adopt it again, use -keep-tags.")
        }
    }
}
