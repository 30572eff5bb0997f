import Foundation
import TFYConfig
import TFYCore
import TFYPlan

/// Plan with refresh: shared by `plan`, `apply`, `destroy`, `refresh` and `graph`. The request
/// is a `Deployment`.
package enum PlanOperation {
    package struct Outcome {
        package var plan: Plan?
        package var outcome: PlanOutcome?
        package var diagnostics: Diagnostics
        package var sources: SourceFiles
        package var session: Deployment.Session?
    }

    /// Plans and releases the lock (unless `keepSession`, for apply).
    package static func plan(_ deployment: Deployment, environment: OperationEnvironment, keepSession: Bool = false,
                             events: @escaping OperationEvents) async -> Outcome {
        let log: @Sendable (String) -> Void = { events(.clientLog($0)) }
        if let out = deployment.generateConfigOut, let refused = GeneratedConfigurationFile.refusal(out, environment: environment) {
            return Outcome(diagnostics: Diagnostics([refused]), sources: [:])
        }
        let (prepared, prepareDiagnostics, sources) = await deployment.prepare(context: environment, log: log)
        var diagnostics = prepareDiagnostics
        guard let session = prepared else { return Outcome(diagnostics: diagnostics, sources: sources) }
        if deployment.options.refresh || deployment.refreshOnly {
            let refreshDiagnostics = await Deployment.refresh(session, context: environment, log: log, progress: { events(.refresh($0)) })
            diagnostics.append(contentsOf: refreshDiagnostics)
        }
        if !diagnostics.hasErrors, !deployment.options.destroy {
            diagnostics.append(contentsOf: await Deployment.readDataSources(session, files: FileReader(currentDirectory: environment.workingDirectory),
                                                                            options: deployment.options, context: environment, log: log))
        }
        if !diagnostics.hasErrors, !deployment.refreshOnly {
            diagnostics.append(contentsOf: await Deployment.readImports(session, context: environment, log: log))
        }
        if let out = deployment.generateConfigOut, !diagnostics.hasErrors {
            diagnostics.append(contentsOf: GeneratedConfigurationFile.write(out, session: session, environment: environment, events: events))
        }
        guard !diagnostics.hasErrors else {
            diagnostics.append(contentsOf: await session.release())
            return Outcome(diagnostics: diagnostics, sources: session.sources)
        }
        var options = deployment.options
        if deployment.refreshOnly { options.targets = [] }
        let (outcome, planDiagnostics) = Planner.planWithValues(session.planRequest(files: FileReader(currentDirectory: environment.workingDirectory), options: options))
        diagnostics.append(contentsOf: planDiagnostics)
        var plan = outcome?.plan
        plan?.directory = deployment.directory
        plan?.stateLocation = Backend.relative(session.store.location, to: environment.workingDirectory)
        plan?.timestamp = Plan.timestamp(secondsSince1970: Int(Date().timeIntervalSince1970))
        if var given = plan { given.keepGivenText(deployment.inputs); plan = given }
        if deployment.refreshOnly, var refreshOnly = plan {
            // A refresh-only plan changes nothing; it records what changed outside tfy.
            refreshOnly.refreshOnly = true
            refreshOnly.changes = refreshOnly.changes.map { var c = $0; c.action = .noOp; c.reason = nil; c.adopting = nil; c.importing = nil; c.replacePaths = []; return c }
            refreshOnly.outputs = refreshOnly.outputs.map { var o = $0; o.action = .noOp; return o }
            refreshOnly.drift = session.drift
            plan = refreshOnly
        }
        // A saved plan's digests must be the ones its apply makes: the key it used is kept.
        if deployment.savesPlan, let saved = plan, saved.containsSensitive, !diagnostics.hasErrors {
            do { try await session.keepStackKey() } catch { diagnostics.append(error.diagnostic) }
        }
        if !keepSession { diagnostics.append(contentsOf: await session.release()) }
        return Outcome(plan: plan, outcome: outcome, diagnostics: diagnostics.unique, sources: session.sources, session: keepSession ? session : nil)
    }
}

extension Plan {
    /// Records the text each variable was given as on the command line or in the environment,
    /// which Terraform's plan JSON shows (`-var machines=3` is "3"). The input that wins is the
    /// last one, as `VariableResolver` takes it; a sensitive variable's text is never kept.
    mutating func keepGivenText(_ inputs: [VariableInput]) {
        var given: [String: String?] = [:]
        for input in inputs {
            if case .text(let text) = input.raw { given[input.name] = .some(text) } else { given[input.name] = .some(nil) }
        }
        for (name, text) in given where variables[name]?.sensitive == false { variables[name]?.text = text }
    }
}

/// `plan -generate-config-out=FILE`, as Terraform's: the file must be new; it gets a resource
/// block for each `import` block whose `to` (a resource without a key) the configuration lacks,
/// and the plan is made with it, so it shows the imports it makes possible.
enum GeneratedConfigurationFile {
    /// Why `path` cannot be written to; nil when it can.
    static func refusal(_ path: String, environment: OperationEnvironment) -> Diagnostic? {
        guard path.hasSuffix(".yml") || path.hasSuffix(".yaml") else {
            return .error("Invalid generated configuration file", detail: "\(Value.quoted(path)) does not end in .yml or .yaml, so tfy would never read it as configuration. Name a new .yml file in the configuration directory.")
        }
        guard !FileManager.default.fileExists(atPath: environment.path(path)) else {
            return .error("Target generated file already exists", detail: "tfy can only write generated config into a new file. Either choose a different target location or move all existing configuration out of the target file, delete it and try again.")
        }
        return nil
    }

    static func write(_ path: String, session: Deployment.Session, environment: OperationEnvironment, events: OperationEvents) -> Diagnostics {
        let configuration = session.configuration
        let missing = configuration.imports.filter { $0.to.key == nil && configuration.resource($0.to.resource) == nil }
        let entries = missing.compactMap { block -> GeneratedConfiguration.Entry? in
            guard let object = session.imported.first(where: { $0.address == block.to && $0.id == block.id }),
                  let type = configuration.resourceTypes[block.to.type] else { return nil }
            return GeneratedConfiguration.Entry(address: block.to, id: block.id, attributes: object.attributes, type: type)
        }
        guard !entries.isEmpty else { return Diagnostics() }
        let text = GeneratedConfiguration.yaml(entries)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: environment.path(path)), options: .withoutOverwriting)
        } catch {
            return Diagnostics([.error("Failed to write generated configuration", detail: "Writing \(Value.quoted(path)) failed: \(error.localizedDescription).")])
        }
        // The plan is made with the generated blocks, as Terraform's is.
        let generated = SourceFile(name: path, bytes: Array(text.utf8))
        let files = configuration.sources.values.sorted { $0.name < $1.name } + [generated]
        let (reloaded, diagnostics) = ConfigurationLoader(resourceTypes: configuration.resourceTypes).load(files: files, directory: configuration.directory, defaultStack: configuration.stack)
        session.configuration = reloaded
        session.sources[path] = generated
        events(.note("tfy has generated configuration and written it to \(path). Please review the configuration and edit it as necessary before adding it to version control."))
        return diagnostics
    }
}
