import ArgumentParser
import TFYCore

struct VersionCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the tfy version.")

    @OptionGroup var colorOptions: ColorOptions

    static var text: String { "tfy v\(TFYVersion.current)\n" }

    func execute(in context: CommandContext) async -> ExitStatus {
        context.out(Self.text)
        return .success
    }
}
