import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
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

    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        let (inputs, inputDiagnostics, varSources) = variables.inputs(context: context, arguments: context.arguments)
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
        let renderer = DiagnosticRenderer(color: context.isTerminal && !noColor) { [sources] file, line in
            sources[file]?.line(line)
        }
        if json {
            context.out(renderer.validateJSON(diagnostics))
        } else {
            context.err(renderer.text(Diagnostics(diagnostics.errors)))
            context.out(renderer.text(Diagnostics(diagnostics.warnings)))
            if !diagnostics.hasErrors {
                let success = renderer.color ? "\u{1B}[1;32mSuccess!\u{1B}[0m" : "Success!"
                context.out(diagnostics.isEmpty
                    ? "\(success) The configuration is valid.\n"
                    : "\(success) The configuration is valid, but there were some validation warnings as shown above.\n")
            }
        }
        return diagnostics.hasErrors ? 1 : 0
    }
}
