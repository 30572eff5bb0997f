import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender

struct ValidateCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the configuration in DIR for errors, contacting nothing.",
        discussion: "Variables without a value are treated as unknown, so a configuration can be validated before its variable values are chosen; -var and -var-file values are checked when given.")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print the result as JSON.")
    var json = false

    @OptionGroup var colorOptions: ColorOptions

    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        // One document, as `terraform validate -json` prints: not the stream of plan and apply.
        let view: any CommandView = json ? JSONView(context: context) as any CommandView : HumanView(context: context, color: colorOptions.color(context))
        let (inputs, inputDiagnostics, varSources) = variables.inputs(context: context, arguments: context.arguments, directory: directory)
        var diagnostics = inputDiagnostics
        var sources = varSources
        if !inputDiagnostics.hasErrors {
            let pipeline = ConfigurationPipeline(
                directory: directory, inputs: inputs, missingRequired: .unknown,
                files: FileReader(currentDirectory: context.workingDirectory), resourceTypes: .standard)
            let outcome = pipeline.run(workingDirectory: context.workingDirectory)
            diagnostics.append(contentsOf: outcome.diagnostics)
            // The backend's settings must be literal: checked here too, before any run needs them.
            if let configuration = outcome.evaluated?.configuration {
                diagnostics.append(contentsOf: Backend.settings(configuration, overrides: []).1)
            }
            sources.merge(outcome.sources) { a, _ in a }
        }
        view.validation(diagnostics, sources: sources)
        return ExitStatus(succeeded: !diagnostics.hasErrors)
    }
}
