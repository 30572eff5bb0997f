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
        let (prepared, prepareDiagnostics, sources) = await deployment.prepare(context: environment, log: log)
        var diagnostics = prepareDiagnostics
        guard let session = prepared else { return Outcome(diagnostics: diagnostics, sources: sources) }
        if deployment.options.refresh || deployment.refreshOnly {
            let refreshDiagnostics = await Deployment.refresh(session, context: environment, log: log, progress: { events(.refresh($0)) })
            diagnostics.append(contentsOf: refreshDiagnostics)
        }
        if !diagnostics.hasErrors, !deployment.refreshOnly {
            diagnostics.append(contentsOf: await Deployment.readImports(session, context: environment, log: log))
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
