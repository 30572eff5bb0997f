import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
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

    @Option(name: .customLong("generate-config-out", withSingleDash: true),
            help: ArgumentHelp("Write resource blocks for the import blocks whose resources the configuration lacks to this new .yml file, and plan with them.", valueName: "file"))
    var generateConfigOut: String?

    @OptionGroup var stateFile: StateFileOption

    @OptionGroup var planFormat: PlanFormatOption

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print Terraform's machine-readable UI: one JSON message per line (for the plan as `tfy show -json` prints it, use -format json).")
    var json = false

    @OptionGroup var colorOptions: ColorOptions

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

    @OptionGroup var lockTimeout: LockTimeoutOption

    /// Terraform's `plan -parallelism`, which scripts pass to plan and apply alike. tfy's refresh
    /// reads each resource type with one batched call, one type after another, so there is
    /// nothing for it to run at once: the value is checked as apply's is, and changes nothing.
    @Option(name: .customLong("parallelism", withSingleDash: true), parsing: .unconditional,
            help: ArgumentHelp("Accepted as Terraform's (a whole number of at least 1); refresh makes its batched calls one at a time whatever it is.", valueName: "n"),
            transform: ParallelismOption.count)
    var parallelism: Int = 10

    @Option(name: .customLong("lock", withSingleDash: true), help: ArgumentHelp("Lock the state while planning.", valueName: "bool"))
    var lock: Bool = true

    @OptionGroup var variables: VariableOptions
    @OptionGroup var backend: BackendOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        // -json is Terraform's message stream; -format json the plan document, as `show -json` prints it.
        let format = planFormat.format
        let view: any CommandView = json ? JSONStreamView.begun(context: context)
            : format == .json ? JSONView(context: context) as any CommandView : HumanView(context: context, color: colorOptions.color(context), planFormat: format)
        let (inputs, inputDiagnostics, varSources) = variables.inputs(context: context, arguments: context.arguments, directory: directory)
        var options = PlanOptions()
        options.destroy = destroy
        options.refresh = refresh
        options.targets = targets
        options.replace = replace
        var diagnostics = inputDiagnostics
        var sources = varSources
        var plan: Plan?
        if !inputDiagnostics.hasErrors {
            var deployment = Deployment(directory: directory, inputs: inputs, statePath: stateFile.state, options: options, refreshOnly: refreshOnly,
                                        lockOperation: "OperationTypePlan", lockTimeout: lockTimeout.seconds, useLock: lock,
                                        backendSettings: backend.settings)
            deployment.savesPlan = out != nil
            deployment.generateConfigOut = generateConfigOut
            let outcome = await PlanOperation.plan(deployment, environment: context.operationEnvironment, events: { view.event($0) })
            diagnostics.append(contentsOf: outcome.diagnostics)
            sources.merge(outcome.sources) { a, _ in a }
            plan = outcome.plan
        }
        guard let plan, !diagnostics.hasErrors else {
            view.diagnostics(diagnostics, sources: sources)
            return .failure
        }
        // The plan is rendered as it is in memory: the planner has already redacted what the document
        // would, and PlanGoldenTests checks every case shows from the saved file exactly as printed.
        if let out {
            do {
                try LocalStateStore.atomicWrite(plan.encoded(), to: context.path(out))
            } catch {
                view.diagnostic(.error("Failed to write plan file", detail: "\(error)"), sources: sources)
                return .failure
            }
        }
        let otherWarnings = Diagnostics(diagnostics.warnings.filter { w in !plan.warnings.contains { $0.summary == w.summary } })
        view.warnings(besideResult: otherWarnings, sources: sources)
        view.plan(plan, savedTo: out)
        return detailedExitCode && plan.hasChanges ? .changesPresent : .success
    }
}

enum PlanPresentation {
    /// The plan in `format`, given to `emit` in pieces as it is written.
    static func write(_ plan: Plan, format: OutputFormat, color: Bool, to emit: (String) -> Void) {
        switch format {
        case .text: PlanTextRenderer(color: color, resourceTypes: .standard).write(plan, to: emit)
        case .markdown: emit(PlanMarkdownRenderer.render(plan, resourceTypes: .standard))
        case .json: PlanJSONRenderer.write(plan, resourceTypes: .standard, to: emit)
        }
    }
}
