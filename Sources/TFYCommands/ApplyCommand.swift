import ArgumentParser
import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYPlan
import TFYRender
import TFYState

/// Options `apply` and `destroy` share.
struct ApplyOptions: ParsableArguments {
    @Flag(name: .customLong("auto-approve", withSingleDash: true), help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("parallelism", withSingleDash: true), help: "How many operations may run at once.")
    var parallelism: Int = 10

    @Option(name: .customLong("refresh", withSingleDash: true), help: ArgumentHelp("Read live objects before planning.", valueName: "bool"))
    var refresh: Bool = true

    @Option(name: .customLong("target", withSingleDash: true), help: ArgumentHelp("Apply only this resource or instance and what it depends on.", valueName: "address"))
    var targets: [String] = []

    @Option(name: .customLong("replace", withSingleDash: true), help: ArgumentHelp("Replace this instance.", valueName: "address"))
    var replace: [String] = []

    @Option(name: .customLong("lock-timeout", withSingleDash: true), help: ArgumentHelp("How long to wait for the state lock (e.g. 30s).", valueName: "duration"))
    var lockTimeout: String = "0s"

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print progress as JSON lines.")
    var json = false

    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Ask for confirmation (false: never; then -auto-approve is needed).", valueName: "bool"))
    var input: Bool = true

    @OptionGroup var backend: BackendOptions
}

struct ApplyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the real infrastructure match the configuration, or apply a saved plan exactly.",
        discussion: "With a saved plan file, applies exactly that plan with no prompt, and refuses it if the state or configuration moved since it was made.")

    @Argument(help: "A configuration directory, or a saved plan file.")
    var target: String = "."

    @Flag(name: .customLong("refresh-only", withSingleDash: true), help: "Only record what changed outside tfy.")
    var refreshOnly = false

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: context.path(target), isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            return await ApplyRun(context: context, options: apply).applySavedPlan(path: target, variables: variables)
        }
        var options = PlanOptions()
        options.refresh = apply.refresh
        options.targets = apply.targets
        options.replace = apply.replace
        return await ApplyRun(context: context, options: apply).planAndApply(directory: target, planOptions: options, refreshOnly: refreshOnly, variables: variables, operation: "OperationTypeApply")
    }
}

struct DestroyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "destroy", abstract: "Destroy everything the state tracks, dependents first.")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var options = PlanOptions()
        options.destroy = true
        options.refresh = apply.refresh
        options.targets = apply.targets
        return await ApplyRun(context: context, options: apply).planAndApply(directory: directory, planOptions: options, refreshOnly: false, variables: variables, operation: "OperationTypeDestroy")
    }
}

struct RefreshCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "refresh", abstract: "Record in the state what changed outside tfy (apply -refresh-only -auto-approve).")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var options = apply
        options.autoApprove = true
        return await ApplyRun(context: context, options: options).planAndApply(directory: directory, planOptions: PlanOptions(), refreshOnly: true, variables: variables, operation: "OperationTypeRefresh")
    }
}
