import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan

extension Deployment {
    /// Reads the configuration's data sources before the plan, into `session.dataResults`.
    ///
    /// The evaluator is synchronous and AWS is not, so this is a loop around it: evaluate (as the
    /// plan will, with the refreshed state) and collect the queries whose arguments are known but
    /// not read; read all of them at once, each distinct query once; evaluate again with the
    /// results, which may make more arguments known (a subnet filtered by a VPC data source's
    /// ID). It ends when nothing is left pending: as many rounds as the longest chain of data
    /// sources, plus one. A data source whose arguments wait for a resource not yet created is
    /// never pending; the plan shows it as read during apply, and apply reads it (`Executor.read`).
    package static func readDataSources(_ session: Session, files: FileReader, options: PlanOptions, context: OperationEnvironment,
                                        log: @escaping @Sendable (String) -> Void) async -> Diagnostics {
        guard !session.configuration.dataSources.isEmpty else { return Diagnostics() }
        var locations: [String: SourceLocation] = [:]
        for block in session.configuration.dataSources { locations["data." + block.address] = block.location }
        var rounds = 0
        while true {
            let pending = Planner.pendingDataReads(session.planRequest(files: files, options: options))
            guard !pending.isEmpty else { return Diagnostics() }
            rounds += 1
            // Each round answers at least one query; a round that could not is a loop in the
            // configuration's own references, which evaluation reports.
            guard rounds <= session.configuration.dataSources.count + 1 else { return Diagnostics() }
            if session.engine == nil {
                switch engine(for: session, context: context, log: log) {
                case .success(let engine): session.engine = engine
                case .failure(let diagnostic): return Diagnostics([diagnostic])
                }
            }
            var results = session.dataResults
            let diagnostics = await DataSourceReader(context: session.engine!).read(pending, into: &results, locations: locations)
            session.dataResults = results
            if diagnostics.hasErrors { return diagnostics }
        }
    }
}

extension Deployment {
    /// The results a saved plan's data sources give, by address: applying the plan evaluates the
    /// configuration with the values it was made with, not with a new read.
    package static func dataResults(from saved: [StateResource], configuration: Configuration) -> DataResults {
        var results = DataResults()
        for resource in saved {
            guard configuration.dataSource(resource.address) != nil else { continue }
            for instance in resource.instances {
                let key = instance.indexKey.map { "[\($0)]" } ?? ""
                results.saved["data." + resource.address + key] = instance.attributes
            }
        }
        return results
    }
}
