import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYRender

struct ShowCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the state, or a saved plan as plan printed it (or as JSON or Markdown).",
        discussion: "Without a file, the state of the configuration in -chdir DIR (default: the working directory), as `terraform show` prints it; with -json, Terraform's JSON representation of it. A state file may be given in place of a plan.")

    @Argument(help: "A saved plan file (or a state file); without it, the state.")
    var planFile: String?

    @OptionGroup var planFormat: PlanFormatOption

    @Flag(name: .customLong("json", withSingleDash: true), help: "Same as -format json: Terraform's JSON representation of the plan or the state.")
    var json = false

    @OptionGroup var colorOptions: ColorOptions

    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> ExitStatus {
        let format = json ? .json : planFormat.format
        let view = format == .json ? JSONView(context: context) as any CommandView
            : HumanView(context: context, color: colorOptions.color(context), diagnosticColor: false, planFormat: format)
        guard let planFile else { return await showState(context, view: view, format: format) }
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
            // As `terraform show FILE`: a state file is shown as the state.
            if case .success(let state) = State.decode(data) {
                Self.write(state, format: format, to: context.out)
                return .success
            }
            view.diagnostic(.error("Failed to read plan file", detail: "\(Value.quoted(planFile)): \(error)."))
            return .failure
        case .success(let plan):
            // Terraform's `show -json` prints one document, whatever -json does in other commands.
            if format == .json {
                PlanJSONRenderer.write(plan, resourceTypes: .standard, to: context.out)
            } else {
                view.plan(plan, savedTo: nil)
            }
            return .success
        }
    }

    /// The state as `terraform show` prints it; none at all is "No state." (`{"format_version":"1.0"}`).
    func showState(_ context: CommandContext, view: any CommandView, format: OutputFormat) async -> ExitStatus {
        let (resolved, diagnostics, sources) = location.backend(context)
        guard let backend = resolved else { return view.finish(diagnostics, sources: sources) }
        do {
            Self.write(try await backend.storage.read(), format: format, to: context.out)
            return .success
        } catch {
            return view.finish(Diagnostics([error.diagnostic]))
        }
    }

    static func write(_ state: State?, format: OutputFormat, to emit: (String) -> Void) {
        if format == .json {
            StateJSONRenderer.write(state, resourceTypes: .standard, to: emit)
        } else {
            emit(StateTextRenderer.render(state))
        }
    }
}
