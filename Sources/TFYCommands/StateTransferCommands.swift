import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYOperations
import TFYState

/// `tfy state pull`: the state as stored, on standard output.
struct StatePullCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Print the state as the backend stores it (JSON).",
                                                    discussion: "Prints nothing when no state exists yet.")
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, diagnostics, sources) = location.backend(context)
        guard let backend = resolved else { return view.finish(diagnostics, sources: sources) }
        switch await StateTransfer.pull(backend) {
        case .success(let state):
            if let state { context.out(String(decoding: state.encoded(), as: UTF8.self)) }
            return .success
        case .failure(let problem):
            return view.finish(problem)
        }
    }
}

/// `tfy state push FILE`: replace the stored state with a file's, under the lock.
struct StatePushCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Replace the stored state with a state file (e.g. errored.tfstate).",
        discussion: "Refuses a state of another lineage, an older serial, or the same serial with other content, unless -force.")
    @Argument(help: "The state file to push, or - for standard input.") var file: String
    @Flag(name: .customLong("force", withSingleDash: true), help: "Push even a state of another lineage or an older serial.")
    var force = false
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let bytes: [UInt8]
        if file == "-" {
            var lines: [String] = []
            while let line = context.readLine() { lines.append(line) }
            bytes = Array(lines.joined(separator: "\n").utf8)
        } else {
            switch FileReader.commandFiles(limit: FileReader.documentBytes).read(context.path(file)) {
            case .success(let read): bytes = read
            case .failure(.missing):
                return view.finish(.error("Cannot read the state to push", detail: "There is no readable file at \(Value.quoted(file))."))
            case .failure(let failure):
                return view.finish(.error("Cannot read the state to push", detail: "\(Value.quoted(file)) \(failure.reason(limit: FileReader.documentBytes))."))
            }
        }
        let pushed: State
        switch State.decode(bytes) {
        case .success(let state): pushed = state
        case .failure(let error): return view.finish(.error("Cannot read the state to push", detail: "\(Value.quoted(file)): \(error.description)."))
        }
        let (resolved, diagnostics, sources) = location.backend(context)
        guard let backend = resolved else { return view.finish(diagnostics, sources: sources) }
        return view.finish(await StateTransfer.push(pushed, named: file, to: backend, force: force, events: { view.event($0) }))
    }
}

/// `tfy state migrate`: move the state between the local file and the configured backend,
/// lineage and serial kept.
struct StateMigrateCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Move the state between the local file and the configured backend (S3).",
        discussion: """
            Without -to-local: copies state/<stack>.tfstate (or -state PATH) to the backend the configuration names, and renames the \
            local file to <file>.migrated so no run reads it by mistake. With -to-local: copies the backend's state to the local file; \
            then remove the backend block. Both states are locked while they move; lineage and serial are kept.
            """)
    @Flag(name: .customLong("to-local", withSingleDash: true), help: "Move the state from the configured backend to the local file.")
    var toLocal = false
    @Flag(name: .customLong("force", withSingleDash: true), help: "Overwrite a different state already at the destination.")
    var force = false
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (configuration, diagnostics, sources) = location.configuration(context)
        guard let configuration else { return view.finish(diagnostics, sources: sources) }
        let (resolved, backendDiagnostics) = Backend.resolve(configuration, statePath: nil, overrides: location.backendOptions.settings,
                                                             context: context.operationEnvironment, log: context.logLine)
        guard let backend = resolved else { return view.finish(backendDiagnostics, sources: sources) }
        let localPath = location.state.map(context.path) ?? backend.defaultLocalPath
        return view.finish(await StateTransfer.migrate(localPath: localPath, backend: backend, toLocal: toLocal, force: force,
                                                       workingDirectory: context.workingDirectory, events: { view.event($0) }))
    }
}
