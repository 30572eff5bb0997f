import Foundation
import TFYConfig
import TFYCore
import TFYPlan

extension Executor {
    /// Reads a data source whose arguments were known only during apply (Terraform's deferred
    /// read): once what it waits for is applied, the configuration is evaluated again, which
    /// leaves its query pending; the query is read as a plan reads it (the same errors, another
    /// stack's object refused), its result taken by every evaluation after it, and recorded in
    /// state (`mode: "data"`). Nil on success; the diagnostic, at the block, otherwise: Terraform
    /// prints no "errored" line for a read, only the error.
    func read(_ node: Node, _ change: PlannedChange, needs: Set<Node>) async -> Diagnostic? {
        let address = node.address
        let label = "data." + address.description
        let location = planning.configuration.dataSource(address.resource)?.location
        events(.started(address, .read, id: nil))
        let started = Date()
        let ticker = Task {
            var seconds = 0
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(stillRunningInterval * 1e9))
                seconds += Int(stillRunningInterval)
                events(.stillRunning(address, .read, seconds: seconds))
            }
        }
        defer { ticker.cancel() }
        let (outcome, diagnostics) = await evaluation(covering: needs)
        guard let outcome else {
            return .error("Error reading \(label)", detail: diagnostics.errors.first.map { "\($0.summary): \($0.detail)" } ?? "the configuration could not be evaluated", at: location, address: label)
        }
        guard let instance = outcome.evaluated.dataSources.lazy.flatMap(\.instances).first(where: { $0.address == address }) else {
            return .error("Error reading \(label)", detail: "\(label) is no longer in the configuration", at: location, address: label)
        }
        let attributes: [String: Value]
        switch instance.status {
        case .read(let result):
            // Another read of the same query answered it already.
            attributes = result
        case .deferred:
            return .error("Error reading \(label)", detail: "its arguments are still unknown: something they depend on was not applied", at: location, address: label)
        case .pending(let query):
            var reader = DataSourceReader(context: context, registry: registry)
            reader.duringApply = true
            var results = DataResults()
            let problems = await reader.read([query: [label]], into: &results, locations: location.map { ["data." + address.resource: $0] } ?? [:])
            guard let result = results[query] else {
                return problems.errors.first ?? .error("Error reading \(label)", detail: "the read returned nothing", at: location, address: label)
            }
            await reads.add(query, result)
            attributes = result
        }
        do {
            let key = await recorder.state.stackKey ?? planning.stackKey
            let recorded = key.flatMap { SensitiveDigest.redact(.map(attributes), key: $0).0.mapValue } ?? attributes
            try await recorder.update { state in
                state.setDataInstance(address, StateInstance(indexKey: address.key, attributes: recorded, dependencies: change.dependencies))
            }
        } catch {
            return .error("Error reading \(label)", detail: "\(error)", at: location, address: label)
        }
        events(.completed(address, .read, seconds: Int(Date().timeIntervalSince(started)), id: attributes["id"]?.stringValue))
        return nil
    }
}
