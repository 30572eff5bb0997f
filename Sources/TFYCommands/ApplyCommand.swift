import ArgumentParser
import Foundation
import TFYCore
import TFYOperations
import TFYPlan

/// What `apply`, `destroy` and `refresh` share, with one meaning in all three. What only some
/// take (`-auto-approve`, `-replace`, `-refresh`) or what means something else in each
/// (`-target`, `-input`), each declares itself, so each one's help is its own.
struct ApplyRunOptions: ParsableArguments {
    @OptionGroup var stateFile: StateFileOption

    @OptionGroup var parallelism: ParallelismOption

    @OptionGroup var lock: LockTimeoutOption

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print Terraform's machine-readable UI: one JSON message per line. It never asks, so apply and destroy need -auto-approve (or a saved plan).")
    var json = false

    @OptionGroup var colorOptions: ColorOptions

    @OptionGroup var backend: BackendOptions

    /// Runs one apply of `source`: the operation reports to the view chosen from `-json`.
    func run(_ source: ApplyRequest.Source, autoApprove: Bool, input: Bool, variables: VariableOptions, context: CommandContext) async -> ExitStatus {
        let view = HumanView.chosen(json: json, context: context, color: colorOptions.color(context))
        let directory: String?
        if case .configuration(let path, _, _, _) = source { directory = path } else { directory = nil }
        // The stream cannot ask for confirmation, and applying without it is never assumed.
        if json, directory != nil, !autoApprove {
            view.diagnostic(Self.approvalRequired)
            return .failure
        }
        // Installed before the run begins, so an interrupt during planning is handled too.
        let interrupt = InterruptHandler(context: context)
        let (inputs, inputProblems, _) = variables.inputs(context: context, arguments: context.arguments, directory: directory)
        let request = ApplyRequest(source: source, inputs: inputs, inputProblems: inputProblems, statePath: stateFile.state, lockTimeout: lock.seconds,
                                   backendSettings: backend.settings, parallelism: parallelism.parallelism, autoApprove: autoApprove)
        let operation = ApplyOperation(request: request, environment: context.operationEnvironment, events: { view.event($0) },
                                       confirm: { view.confirm($0, input: input) }, interrupt: interrupt)
        let outcome = await operation.run()
        view.applied(outcome)
        return ExitStatus(succeeded: outcome.succeeded)
    }

    /// `-json` without `-auto-approve` or a saved plan: Terraform's error.
    static let approvalRequired = Diagnostic.error(
        "Plan file or auto-approve required",
        detail: "tfy cannot ask for interactive approval when -json is set. You can either apply a saved plan file, or enable the -auto-approve option.")
}

struct ApplyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the real infrastructure match the configuration, or apply a saved plan exactly.",
        discussion: "With a saved plan file, applies exactly that plan with no prompt, and refuses it if the state or configuration moved since it was made.")

    @Argument(help: "A configuration directory, or a saved plan file.")
    var target: String = "."

    @Flag(name: .customLong("auto-approve", withSingleDash: true), help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Option(name: .customLong("refresh", withSingleDash: true), help: ArgumentHelp("Read live objects before planning.", valueName: "bool"))
    var refresh: Bool = true

    @Flag(name: .customLong("refresh-only", withSingleDash: true), help: "Only record what changed outside tfy.")
    var refreshOnly = false

    @Option(name: .customLong("target", withSingleDash: true), help: ArgumentHelp("Apply only this resource or instance and what it depends on.", valueName: "address"))
    var targets: [String] = []

    @Option(name: .customLong("replace", withSingleDash: true), help: ArgumentHelp("Replace this instance.", valueName: "address"))
    var replace: [String] = []

    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Ask for confirmation (false: never; then -auto-approve is needed).", valueName: "bool"))
    var input: Bool = true

    @OptionGroup var apply: ApplyRunOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: context.path(target), isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            return await apply.run(.savedPlan(path: target), autoApprove: autoApprove, input: input, variables: variables, context: context)
        }
        var options = PlanOptions()
        options.refresh = refresh
        options.targets = targets
        options.replace = replace
        return await apply.run(.configuration(directory: target, options: options, refreshOnly: refreshOnly, lockOperation: "OperationTypeApply"),
                               autoApprove: autoApprove, input: input, variables: variables, context: context)
    }
}

struct DestroyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "destroy", abstract: "Destroy everything the state tracks, dependents first.")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @Flag(name: .customLong("auto-approve", withSingleDash: true), help: "Destroy without asking for confirmation.")
    var autoApprove = false

    @Option(name: .customLong("refresh", withSingleDash: true), help: ArgumentHelp("Read live objects before planning the destroy.", valueName: "bool"))
    var refresh: Bool = true

    @Option(name: .customLong("target", withSingleDash: true), help: ArgumentHelp("Destroy only this resource or instance and what depends on it.", valueName: "address"))
    var targets: [String] = []

    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Ask for confirmation (false: never; then -auto-approve is needed).", valueName: "bool"))
    var input: Bool = true

    @OptionGroup var apply: ApplyRunOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        var options = PlanOptions()
        options.destroy = true
        options.refresh = refresh
        options.targets = targets
        return await apply.run(.configuration(directory: directory, options: options, refreshOnly: false, lockOperation: "OperationTypeDestroy"),
                               autoApprove: autoApprove, input: input, variables: variables, context: context)
    }
}

struct RefreshCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "refresh", abstract: "Record in the state what changed outside tfy (apply -refresh-only -auto-approve).")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    // Terraform's refresh takes -input; it asks for nothing here, so the option is only accepted.
    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Accepted for Terraform compatibility: refresh never asks.", valueName: "bool"))
    var input: Bool = true

    @OptionGroup var apply: ApplyRunOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        await apply.run(.configuration(directory: directory, options: PlanOptions(), refreshOnly: true, lockOperation: "OperationTypeRefresh"),
                        autoApprove: true, input: input, variables: variables, context: context)
    }
}
