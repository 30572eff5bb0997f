import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYRender

struct ShowCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a saved plan as plan printed it (or as JSON or Markdown).")

    @Argument(help: "The saved plan file.")
    var planFile: String

    @OptionGroup var planFormat: PlanFormatOption

    @Flag(name: .customLong("json", withSingleDash: true), help: "Same as -format json.")
    var json = false

    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let format = json ? .json : planFormat.format
        let view = format == .json ? JSONView(context: context) as any CommandView
            : HumanView(context: context, color: colorOptions.color(context), diagnosticColor: false, planFormat: format)
        let data: [UInt8]
        switch FileReader.commandFiles(limit: FileReader.documentBytes).read(context.path(planFile)) {
        case .success(let bytes): data = bytes
        case .failure(.missing):
            view.diagnostic(.error("Failed to read plan file", detail: "The plan file \(Value.quoted(planFile)) does not exist or cannot be read."))
            return .failure
        case .failure(let failure):
            view.diagnostic(.error("Failed to read plan file", detail: "The plan file \(Value.quoted(planFile)) \(failure.reason(limit: FileReader.documentBytes))."))
            return .failure
        }
        switch Plan.decode(data) {
        case .failure(let error):
            view.diagnostic(.error("Failed to read plan file", detail: "\(Value.quoted(planFile)): \(error)."))
            return .failure
        case .success(let plan):
            view.plan(plan, savedTo: nil)
            return .success
        }
    }
}
