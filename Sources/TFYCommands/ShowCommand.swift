import ArgumentParser
import Foundation
import TFYCore
import TFYRender

struct ShowCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a saved plan as plan printed it (or as JSON or Markdown).")

    @Argument(help: "The saved plan file.")
    var planFile: String

    @Option(name: .customLong("format", withSingleDash: true), help: "text, markdown or json.")
    var format: OutputFormat = .text

    @Flag(name: .customLong("json", withSingleDash: true), help: "Same as -format json.")
    var json = false

    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    func execute(in context: CommandContext) async -> Int32 {
        let renderer = DiagnosticRenderer(color: false) { _, _ in nil }
        guard let data = FileManager.default.contents(atPath: context.path(planFile)) else {
            context.err(renderer.text(Diagnostics([.error("Failed to read plan file", detail: "The plan file \(Value.quoted(planFile)) does not exist or cannot be read.")])))
            return 1
        }
        switch Plan.decode([UInt8](data)) {
        case .failure(let error):
            context.err(renderer.text(Diagnostics([.error("Failed to read plan file", detail: "\(Value.quoted(planFile)): \(error).")])))
            return 1
        case .success(let plan):
            context.out(PlanPresentation.render(plan, format: json ? .json : format, color: context.isTerminal && !noColor))
            return 0
        }
    }
}
