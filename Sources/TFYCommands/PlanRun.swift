import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYOperations
import TFYPlan
import TFYRender
import TFYState

/// Plan with refresh: shared by `plan` and `apply`.
enum PlanRun {
    struct Outcome {
        var plan: Plan?
        var outcome: PlanOutcome?
        var diagnostics: Diagnostics
        var sources: SourceFiles
        var session: Deployment.Session?
    }

    /// Plans and releases the lock (unless `keepSession`, for apply).
    static func plan(_ deployment: Deployment, context: CommandContext, keepSession: Bool = false) async -> Outcome {
        let (prepared, prepareDiagnostics, sources) = await deployment.prepare(context: context.operationEnvironment, log: context.logLine)
        var diagnostics = prepareDiagnostics
        guard let session = prepared else { return Outcome(diagnostics: diagnostics, sources: sources) }
        if deployment.options.refresh || deployment.refreshOnly {
            let refreshDiagnostics = await Deployment.refresh(session, context: context.operationEnvironment, log: context.logLine)
            diagnostics.append(contentsOf: refreshDiagnostics)
        }
        guard !diagnostics.hasErrors else {
            diagnostics.append(contentsOf: await session.release())
            return Outcome(diagnostics: diagnostics, sources: session.sources)
        }
        var options = deployment.options
        if deployment.refreshOnly { options.targets = [] }
        let (outcome, planDiagnostics) = Planner.planWithValues(session.planRequest(files: FileReader(currentDirectory: context.workingDirectory), options: options))
        diagnostics.append(contentsOf: planDiagnostics)
        var plan = outcome?.plan
        plan?.directory = deployment.directory
        if deployment.refreshOnly, var refreshOnly = plan {
            // A refresh-only plan changes nothing; it records what changed outside tfy.
            refreshOnly.refreshOnly = true
            refreshOnly.changes = refreshOnly.changes.map { var c = $0; c.action = .noOp; c.reason = nil; c.replacePaths = []; return c }
            refreshOnly.outputs = refreshOnly.outputs.map { var o = $0; o.action = .noOp; return o }
            refreshOnly.drift = session.drift
            plan = refreshOnly
        }
        if !keepSession { diagnostics.append(contentsOf: await session.release()) }
        return Outcome(plan: plan, outcome: outcome, diagnostics: diagnostics.unique, sources: session.sources, session: keepSession ? session : nil)
    }
}
