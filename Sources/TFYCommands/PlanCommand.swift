import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYRender
import TFYState

struct PlanCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change, and optionally save the plan.",
        discussion: "Exit status: 0 success, 1 error; with -detailed-exitcode, 0 no changes, 1 error, 2 changes present.")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @Option(name: .customLong("out", withSingleDash: true), help: ArgumentHelp("Save the plan to this file (conventionally plans/NAME.tfplan).", valueName: "file"))
    var out: String?

    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("format", withSingleDash: true), help: "text, markdown or json.")
    var format: OutputFormat = .text

    @Flag(name: .customLong("json", withSingleDash: true), help: "Same as -format json: the plan as `terraform show -json` prints it.")
    var json = false

    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    @Option(name: .customLong("refresh", withSingleDash: true), help: ArgumentHelp("Read live objects before planning (-refresh=false: the state file alone).", valueName: "bool"))
    var refresh: Bool = true

    @Option(name: .customLong("target", withSingleDash: true), help: ArgumentHelp("Plan only this resource or instance and what it depends on.", valueName: "address"))
    var targets: [String] = []

    @Option(name: .customLong("replace", withSingleDash: true), help: ArgumentHelp("Plan to replace this instance.", valueName: "address"))
    var replace: [String] = []

    @Flag(name: .customLong("destroy", withSingleDash: true), help: "Plan to destroy everything in the state.")
    var destroy = false

    @Flag(name: .customLong("detailed-exitcode", withSingleDash: true), help: "Exit 2 when the plan has changes.")
    var detailedExitCode = false

    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Ask for missing variables (tfy never asks yet).", valueName: "bool"))
    var input: Bool = true

    @Flag(name: .customLong("refresh-only", withSingleDash: true), help: "Plan only to record what changed outside tfy.")
    var refreshOnly = false

    @Option(name: .customLong("lock-timeout", withSingleDash: true), help: ArgumentHelp("How long to wait for the state lock (e.g. 30s).", valueName: "duration"))
    var lockTimeout: String = "0s"

    @Option(name: .customLong("lock", withSingleDash: true), help: ArgumentHelp("Lock the state (default true).", valueName: "bool"))
    var lock: Bool = true

    @OptionGroup var variables: VariableOptions
    @OptionGroup var backend: BackendOptions

    func execute(in context: CommandContext) async -> Int32 {
        let (inputs, inputDiagnostics, varSources) = variables.inputs(context: context, arguments: context.arguments)
        var options = PlanOptions()
        options.destroy = destroy
        options.refresh = refresh
        options.targets = targets
        options.replace = replace
        var diagnostics = inputDiagnostics
        var sources = varSources
        var plan: Plan?
        if !inputDiagnostics.hasErrors {
            let deployment = Deployment(directory: directory, inputs: inputs, statePath: state, options: options, refreshOnly: refreshOnly,
                                        lockOperation: "OperationTypePlan", lockTimeout: DurationText.seconds(lockTimeout) ?? 0, useLock: lock,
                                        backendSettings: backend.settings)
            let outcome = await PlanRun.plan(deployment, context: context)
            diagnostics.append(contentsOf: outcome.diagnostics)
            sources.merge(outcome.sources) { a, _ in a }
            plan = outcome.plan
        }
        let color = context.isTerminal && !noColor
        let renderer = DiagnosticRenderer(color: color) { [sources] file, line in sources[file]?.line(line) }
        guard let plan, !diagnostics.hasErrors else {
            context.err(renderer.text(diagnostics))
            return 1
        }
        // Render from the document, exactly as `tfy show` will from the saved file.
        let document = plan.encoded()
        guard case .success(let reviewed) = Plan.decode(document) else {
            context.err(renderer.text(Diagnostics([.error("Internal error", detail: "The plan document could not be read back.")])))
            return 1
        }
        if let out {
            do {
                try LocalStateStore.atomicWrite(document, to: context.path(out))
            } catch {
                context.err(renderer.text(Diagnostics([.error("Failed to write plan file", detail: "\(error)")])))
                return 1
            }
        }
        let otherWarnings = Diagnostics(diagnostics.warnings.filter { w in !reviewed.warnings.contains { $0.summary == w.summary } })
        context.err(renderer.text(otherWarnings))
        context.out(PlanPresentation.render(reviewed, format: json ? .json : format, color: color))
        if let out, !json, format == .text {
            context.out("\nSaved the plan to: \(out)\n\nTo perform exactly these actions, run the following command to apply:\n    tfy apply \(out)\n")
        }
        return detailedExitCode && reviewed.hasChanges ? 2 : 0
    }
}

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
        let (prepared, prepareDiagnostics, sources) = await deployment.prepare(context: context)
        var diagnostics = prepareDiagnostics
        guard let session = prepared else { return Outcome(diagnostics: diagnostics, sources: sources) }
        if deployment.options.refresh || deployment.refreshOnly {
            let refreshDiagnostics = await Deployment.refresh(session, context: context)
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

enum PlanPresentation {
    static func render(_ plan: Plan, format: OutputFormat, color: Bool) -> String {
        switch format {
        case .text: return PlanTextRenderer(color: color, resourceTypes: .standard).render(plan)
        case .markdown: return PlanMarkdownRenderer.render(plan, resourceTypes: .standard)
        case .json: return PlanJSONRenderer.render(plan)
        }
    }
}
