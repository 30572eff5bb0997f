import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYRender
import TFYState

/// Reads the state file for the read-only commands.
struct StateLocation: ParsableArguments {
    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate, the stack from the configuration in DIR).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("chdir", withSingleDash: true), help: ArgumentHelp("The configuration directory, to find the stack name.", valueName: "dir"))
    var directory: String = "."

    func path(_ context: CommandContext) -> String {
        if let state { return context.path(state) }
        let (configuration, _) = ConfigurationLoader().load(directory: context.path(directory), displayDirectory: directory)
        let stack = configuration?.stack ?? URL(fileURLWithPath: context.path(directory)).standardizedFileURL.lastPathComponent
        return LocalStateStore.defaultPath(stack: stack, workingDirectory: context.workingDirectory)
    }

    func read(_ context: CommandContext) -> Result<State, Diagnostic> {
        let path = path(context)
        do {
            guard let state = try LocalStateStore(path: path).read() else {
                return .failure(.error("No state", detail: "There is no state file at \(path): nothing has been applied yet."))
            }
            return .success(state)
        } catch {
            return .failure(error.diagnostic)
        }
    }
}

func printError(_ context: CommandContext, _ diagnostic: Diagnostic) -> Int32 {
    context.err(DiagnosticRenderer(color: false) { _, _ in nil }.text(Diagnostics([diagnostic])))
    return 1
}

struct OutputCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "output", abstract: "Print the outputs recorded by the last apply.")

    @Argument(help: "One output's name.")
    var name: String?

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print as JSON.")
    var json = false

    @Flag(name: .customLong("raw", withSingleDash: true), help: "Print one string output as it is, for scripts.")
    var raw = false

    @OptionGroup var location: StateLocation

    static func render(_ output: StateOutput) -> String {
        output.sensitive ? "<sensitive>" : render(output.value)
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .list(let items): return "[\n" + items.map { "  " + render($0) + "," }.joined(separator: "\n") + "\n]"
        default: return value.description
        }
    }

    func execute(in context: CommandContext) async -> Int32 {
        let state: State
        switch location.read(context) {
        case .success(let s): state = s
        case .failure(let d): return printError(context, d)
        }
        if let name {
            guard let output = state.outputs[name] else {
                return printError(context, .error("Output \(Value.quoted(name)) not found", detail: "The state has no output named \(Value.quoted(name)).\(Suggestion.didYouMean(name, among: state.outputs.keys))"))
            }
            if output.sensitive && (raw || json) {
                return printError(context, .error("Output \(Value.quoted(name)) is sensitive", detail: "tfy never stores secrets, so a sensitive output's value is not in the state to print."))
            }
            if raw {
                guard let text = output.value.stringValue ?? output.value.numberValue.map(Value.format(number:)) ?? output.value.boolValue.map({ $0 ? "true" : "false" }) else {
                    return printError(context, .error("Unsupported value for raw output", detail: "-raw prints strings, numbers and bools; use -json for \(Value.quoted(name))."))
                }
                context.out(text)
                return 0
            }
            context.out((json ? output.value.json.pretty() : Self.render(output) + "\n"))
            return 0
        }
        if json {
            context.out(JSONValue.object(state.outputs.mapValues { o in
                .object(["sensitive": .bool(o.sensitive), "value": o.sensitive ? .null : o.value.json])
            }).pretty())
        } else {
            for key in state.outputs.keys.sorted() { context.out("\(key) = \(Self.render(state.outputs[key]!))\n") }
        }
        return 0
    }
}

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Read and edit the state.",
                                                    subcommands: [StateListCommand.self, StateShowCommand.self, StateRemoveCommand.self])
}

struct StateListCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every resource instance in the state.")
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        switch location.read(context) {
        case .success(let state):
            for (address, _) in state.instances { context.out("\(address)\n") }
            return 0
        case .failure(let d): return printError(context, d)
        }
    }
}

struct StateShowCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one resource instance's attributes.")
    @Argument(help: "The instance address, e.g. aws_instance.master[0].") var address: String
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        switch location.read(context) {
        case .success(let state):
            guard let entry = state.instances.first(where: { $0.address.description == address }) else {
                return printError(context, .error("No instance found for the given address", detail: "The state has no instance \(Value.quoted(address)).\(Suggestion.didYouMean(address, among: state.instances.map(\.address.description)))"))
            }
            var text = "# \(address):" + (entry.instance.status == .tainted ? " (tainted)" : "") + "\n"
            text += "resource \"\(entry.address.type)\" \"\(entry.address.name)\" {\n"
            let attributes = entry.instance.attributes
            let width = attributes.keys.map(\.count).max() ?? 0
            for key in attributes.keys.sorted() where !attributes[key]!.isNull {
                let rendered = ValueText.render(attributes[key]!)
                text += "    \(key)\(String(repeating: " ", count: width - key.count)) = \(rendered)\n"
            }
            context.out(text + "}\n")
            return 0
        case .failure(let d): return printError(context, d)
        }
    }
}

enum ValueText {
    static func render(_ value: Value, indent: Int = 4) -> String {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .list(let items) where !items.isEmpty:
            return "[\n" + items.map { pad + "    " + render($0, indent: indent + 4) + ",\n" }.joined() + pad + "]"
        case .map(let entries) where !entries.isEmpty:
            return "{\n" + entries.keys.sorted().map { pad + "    " + Value.quoted($0) + " = " + render(entries[$0]!, indent: indent + 4) + "\n" }.joined() + pad + "}"
        default:
            return value.description
        }
    }
}

struct StateRemoveCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget a resource instance without destroying it.")
    @Argument(help: "The instance address.") var address: String
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let path = location.path(context)
        let lock: StateLock
        do { lock = try StateLock.acquire(statePath: path, operation: "OperationTypeStateRm") } catch { return printError(context, error.diagnostic) }
        defer { lock.release() }
        let store = LocalStateStore(path: path)
        do {
            guard var state = try store.read() else { return printError(context, .error("No state", detail: "There is no state file at \(path).")) }
            guard let entry = state.instances.first(where: { $0.address.description == address }) else {
                return printError(context, .error("No instance found for the given address", detail: "The state has no instance \(Value.quoted(address))."))
            }
            try store.writeBackup(state)
            state.setInstance(entry.address, nil)
            state.serial += 1
            try store.write(state)
            context.out("Removed \(address)\nSuccessfully removed 1 resource instance(s).\n")
            return 0
        } catch {
            return printError(context, error.diagnostic)
        }
    }
}

struct ForceUnlockCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "force-unlock", abstract: "Remove a state lock left by a run that died.")
    @Argument(help: "The lock ID, as the lock error printed it.") var id: String
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let path = location.path(context)
        do {
            try StateLock.forceUnlock(statePath: path, id: id)
            context.out("tfy state has been successfully unlocked!\n\nThe state has been unlocked, and tfy commands should now be able to obtain a new lock on the remote state.\n")
            return 0
        } catch {
            return printError(context, error.diagnostic)
        }
    }
}
