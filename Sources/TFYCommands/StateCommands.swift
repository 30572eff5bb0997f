import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYRender
import TFYState

/// Where the state is, for the commands that work on the state alone: the configuration in
/// `-chdir` names the stack and the backend; `-state` a local file.
struct StateLocation: ParsableArguments {
    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate, the stack from the configuration in DIR).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("chdir", withSingleDash: true), help: ArgumentHelp("The configuration directory, to find the stack name and backend.", valueName: "dir"))
    var directory: String = "."

    @OptionGroup var backendOptions: BackendOptions

    /// The configuration's backend. A directory without configuration files means the local file
    /// of a stack named after the directory; a configuration with errors is an error, since its
    /// backend block cannot be trusted.
    func backend(_ context: CommandContext) -> (Backend?, Diagnostics) {
        let (configuration, diagnostics) = configuration(context)
        guard let configuration else { return (nil, diagnostics) }
        return Backend.resolve(configuration, statePath: state, overrides: backendOptions.settings, context: context)
    }

    func configuration(_ context: CommandContext) -> (Configuration?, Diagnostics) {
        let path = context.path(directory)
        let (configuration, diagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: path, displayDirectory: directory)
        if let configuration, !diagnostics.hasErrors { return (configuration, diagnostics) }
        // -state names the file outright; a directory that does not load is then no obstacle.
        let hasFiles = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).contains { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        guard !hasFiles || state != nil else { return (nil, diagnostics) }
        return (Configuration(directory: path, stack: URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent), Diagnostics())
    }

    func read(_ context: CommandContext) async -> (State?, Diagnostics) {
        let (resolved, diagnostics) = backend(context)
        guard let backend = resolved else { return (nil, diagnostics) }
        return await Self.read(backend)
    }

    /// The state, or an error when there is none.
    static func read(_ backend: Backend) async -> (State?, Diagnostics) {
        do {
            guard let state = try await backend.storage.read() else {
                return (nil, Diagnostics([.error("No state", detail: "There is no state at \(backend.storage.location): nothing has been applied yet.")]))
            }
            return (state, Diagnostics())
        } catch {
            return (nil, Diagnostics([error.diagnostic]))
        }
    }
}

func printError(_ context: CommandContext, _ diagnostic: Diagnostic) -> Int32 {
    printErrors(context, Diagnostics([diagnostic]))
}

func printErrors(_ context: CommandContext, _ diagnostics: Diagnostics) -> Int32 {
    context.err(DiagnosticRenderer(color: false) { _, _ in nil }.text(diagnostics))
    return diagnostics.hasErrors ? 1 : 0
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
        let (read, problems) = await location.read(context)
        guard let state = read else { return printErrors(context, problems) }
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
                                                    subcommands: [StateListCommand.self, StateShowCommand.self, StateRemoveCommand.self,
                                                                  StatePullCommand.self, StatePushCommand.self, StateMigrateCommand.self])
}

struct StateListCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every resource instance in the state.")
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let (read, problems) = await location.read(context)
        guard let state = read else { return printErrors(context, problems) }
        for (address, _) in state.instances { context.out("\(address)\n") }
        return 0
    }
}

struct StateShowCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one resource instance's attributes.")
    @Argument(help: "The instance address, e.g. aws_instance.master[0].") var address: String
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let (read, problems) = await location.read(context)
        guard let state = read else { return printErrors(context, problems) }
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
        await StateEdit.locked(location, operation: "OperationTypeStateRm", context: context) { (store) async throws(StateError) -> Diagnostics in
            guard var state = try await store.read() else {
                return Diagnostics([.error("No state", detail: "There is no state at \(store.location).")])
            }
            guard let entry = state.instances.first(where: { $0.address.description == address }) else {
                return Diagnostics([.error("No instance found for the given address", detail: "The state has no instance \(Value.quoted(address)).")])
            }
            try await store.writeBackup(state)
            state.setInstance(entry.address, nil)
            state.serial += 1
            try await store.write(state)
            context.out("Removed \(address)\nSuccessfully removed 1 resource instance(s).\n")
            return Diagnostics()
        }
    }
}

/// A change to the state under its lock: lock, `body`, unlock; every error printed.
enum StateEdit {
    static func locked(_ location: StateLocation, operation: String, context: CommandContext,
                       _ body: (any StateStorage) async throws(StateError) -> Diagnostics) async -> Int32 {
        let (resolved, diagnostics) = location.backend(context)
        guard let backend = resolved else { return printErrors(context, diagnostics) }
        return printErrors(context, await withLock(backend.storage, operation: operation, body))
    }

    /// Lock, `body`, unlock: every problem returned, none printed.
    static func withLock(_ store: any StateStorage, operation: String,
                         _ body: (any StateStorage) async throws(StateError) -> Diagnostics) async -> Diagnostics {
        let lock: any HeldStateLock
        do { lock = try await store.lock(operation: operation, timeout: 0) } catch { return Diagnostics([error.diagnostic]) }
        var problems: Diagnostics
        do {
            problems = try await body(store)
        } catch {
            problems = Diagnostics([error.diagnostic])
        }
        do { try await lock.unlock() } catch { problems.append(error.diagnostic) }
        return problems
    }
}

struct ForceUnlockCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "force-unlock", abstract: "Remove a state lock left by a run that died.")
    @Argument(help: "The lock ID, as the lock error printed it.") var id: String
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let (resolved, diagnostics) = location.backend(context)
        guard let backend = resolved else { return printErrors(context, diagnostics) }
        do {
            try await backend.storage.forceUnlock(id: id)
            context.out("tfy state has been successfully unlocked!\n\nThe state has been unlocked, and tfy commands should now be able to obtain a new lock on the remote state.\n")
            return 0
        } catch {
            return printError(context, error.diagnostic)
        }
    }
}
