import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender
import TFYState

/// Where the state is, for the commands that work on the state alone: the configuration in
/// `-chdir` names the stack and the backend; `-state` a local file.
///
/// Given after the subcommand, `-chdir DIR` names the configuration directory (as `tfy plan DIR`
/// does), and command-line paths stay relative to the working directory; given before it, it is
/// the global option (see `GlobalOptions`).
struct StateLocation: ParsableArguments {
    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate beside the configuration in DIR).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("chdir", withSingleDash: true), help: ArgumentHelp("The configuration directory, to find the stack name and backend.", valueName: "dir"))
    var directory: String = "."

    @OptionGroup var backendOptions: BackendOptions

    /// The configuration's backend. A directory without configuration files means the local file
    /// of a stack named after the directory; a configuration with errors is an error, since its
    /// backend block cannot be trusted.
    /// The backend, or nil with the problems (and the sources their locations point into).
    func backend(_ context: CommandContext) -> (Backend?, Diagnostics, SourceFiles) {
        let (resolved, diagnostics, sources) = configurationAndBackend(context)
        return (resolved?.backend, diagnostics, sources)
    }

    /// The configuration DIR names and its backend, for commands that need both (`state rm`, `import`).
    func configurationAndBackend(_ context: CommandContext) -> ((configuration: Configuration, backend: Backend)?, Diagnostics, SourceFiles) {
        let (configuration, diagnostics, sources) = configuration(context)
        guard let configuration else { return (nil, diagnostics, sources) }
        let (backend, backendDiagnostics) = Backend.resolve(configuration, statePath: state, overrides: backendOptions.settings,
                                                            context: context.operationEnvironment, log: context.logLine)
        return (backend.map { (configuration, $0) }, backendDiagnostics, sources)
    }

    func configuration(_ context: CommandContext) -> (Configuration?, Diagnostics, SourceFiles) {
        let path = context.path(directory)
        let (configuration, diagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: path, displayDirectory: directory)
        let sources = configuration?.sources ?? [:]
        if let configuration, !diagnostics.hasErrors { return (configuration, diagnostics, sources) }
        // -state names the file outright; a directory that does not load is then no obstacle.
        let hasFiles = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).contains { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        guard !hasFiles || state != nil else { return (nil, diagnostics, sources) }
        return (Configuration(directory: path, stack: URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent), Diagnostics(), [:])
    }

    func read(_ context: CommandContext) async -> (State?, Diagnostics, SourceFiles) {
        let (resolved, diagnostics, sources) = backend(context)
        guard let backend = resolved else { return (nil, diagnostics, sources) }
        let (state, problems) = await Self.read(backend)
        return (state, problems, sources)
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

extension CommandView {
    /// Prints `diagnostics`; the run failed when one is an error.
    func finish(_ diagnostics: Diagnostics, sources: SourceFiles = [:]) -> ExitStatus {
        self.diagnostics(diagnostics, sources: sources)
        return ExitStatus(succeeded: !diagnostics.hasErrors)
    }

    func finish(_ diagnostic: Diagnostic) -> ExitStatus { finish(Diagnostics([diagnostic])) }
}

/// The state commands never coloured their output.
func stateView(_ context: CommandContext) -> HumanView { HumanView(context: context, color: false) }

struct OutputCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "output", abstract: "Print the outputs recorded by the last apply.")

    @Argument(help: "One output's name.")
    var name: String?

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print as JSON.")
    var json = false

    @Flag(name: .customLong("raw", withSingleDash: true), help: "Print one string output as it is, for scripts.")
    var raw = false

    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = json ? JSONView(context: context) as any CommandView : stateView(context)
        let (read, problems, sources) = await location.read(context)
        guard let state = read else { return view.finish(problems, sources: sources) }
        if let name {
            guard let output = state.outputs[name] else {
                return view.finish(.error("Output \(Value.quoted(name)) not found", detail: "The state has no output named \(Value.quoted(name)).\(Suggestion.didYouMean(name, among: state.outputs.keys))"))
            }
            if output.sensitive && (raw || json) {
                return view.finish(.error("Output \(Value.quoted(name)) is sensitive", detail: "tfy never stores secrets, so a sensitive output's value is not in the state to print."))
            }
            if raw {
                guard let text = output.value.stringValue ?? output.value.numberValue.map(Value.format(number:)) ?? output.value.boolValue.map({ $0 ? "true" : "false" }) else {
                    return view.finish(.error("Unsupported value for raw output", detail: "-raw prints strings, numbers and bools; use -json for \(Value.quoted(name))."))
                }
                context.out(text)
                return .success
            }
            context.out((json ? output.value.json.pretty() : ValueText.output(output) + "\n"))
            return .success
        }
        if json {
            context.out(JSONValue.object(state.outputs.mapValues { o in
                .object(["sensitive": .bool(o.sensitive), "type": o.sensitive ? .string("dynamic") : Self.typeJSON(o.value),
                         "value": o.sensitive ? .null : o.value.json])
            }).pretty())
        } else {
            for key in state.outputs.keys.sorted() { context.out("\(key) = \(ValueText.output(state.outputs[key]!))\n") }
        }
        return .success
    }
}

extension OutputCommand {
    /// The type of an output's value in cty's JSON notation, as `terraform output -json` gives it:
    /// `"string"`, `"number"`, `"bool"`, `["tuple", [...]]` for a list, `["object", {...}]` for a
    /// map — the types Terraform infers for such values — and `"dynamic"` for null.
    static func typeJSON(_ value: Value) -> JSONValue {
        switch value.unmarked.value {
        case .bool: return .string("bool")
        case .number: return .string("number")
        case .string: return .string("string")
        case .list(let items): return .array([.string("tuple"), .array(items.map(typeJSON))])
        case .map(let entries): return .array([.string("object"), .object(entries.mapValues(typeJSON))])
        case .null, .unknown, .sensitive: return .string("dynamic")
        }
    }
}

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Read and edit the state.",
                                                    subcommands: [StateListCommand.self, StateShowCommand.self, StateMoveCommand.self, StateRemoveCommand.self,
                                                                  StatePullCommand.self, StatePushCommand.self, StateMigrateCommand.self])
}

struct StateListCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List every resource instance in the state.",
        discussion: "Given addresses, only the instances they match: a resource address (aws_instance.master) matches each of its instances, an instance address (aws_instance.master[0]) that instance, a module path (module.NAME) what is inside it. An address that matches nothing lists nothing.")
    @Argument(help: ArgumentHelp("Only the instances of these resources or these instances.", valueName: "address"))
    var addresses: [String] = []
    @Option(name: .customLong("id", withSingleDash: true), help: ArgumentHelp("Only the instances whose id is this.", valueName: "id"))
    var id: String?
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        var filters: [StateListFilter] = []
        for address in addresses where !address.hasPrefix("data.") {
            guard let filter = StateListFilter(address) else {
                return stateView(context).finish(.error("Invalid address", detail: "\(Value.quoted(address)) is not a resource or resource instance address such as aws_instance.master or aws_instance.master[0]."))
            }
            filters.append(filter)
        }
        let (read, problems, sources) = await location.read(context)
        guard let state = read else { return stateView(context).finish(problems, sources: sources) }
        // Data sources first, as Terraform lists them (they are read in the root module only).
        // An address given for one names it exactly: `data.aws_ami.base` or `data.aws_ami.base[0]`.
        for resource in state.dataResources {
            for instance in resource.instances {
                let address = "data." + resource.address + (instance.indexKey.map { "[\($0)]" } ?? "")
                guard addresses.isEmpty || addresses.contains("data." + resource.address) || addresses.contains(address) else { continue }
                if let id, instance.attributes["id"]?.stringValue != id { continue }
                context.out("\(address)\n")
            }
        }
        for (address, instance) in state.instances {
            guard addresses.isEmpty ? true : filters.contains(where: { $0.matches(address) }) else { continue }
            if let id, instance.attributes["id"]?.stringValue != id { continue }
            context.out("\(address)\n")
        }
        return .success
    }
}

/// One address given to `state list`, with Terraform's meaning: a resource matches its every
/// instance, an instance itself, a module path (`module.NAME`) everything inside it.
struct StateListFilter {
    private let match: (ResourceAddress) -> Bool

    init?(_ text: String) {
        if let address = ResourceAddress(parsing: text) {
            match = { address.key == nil ? $0.resource == address.resource : $0 == address }
        } else if let resource = ResourceAddress(parsing: text + ".x.y"), resource.type == "x", resource.name == "y", resource.key == nil, !resource.module.isEmpty {
            // A bare module path: read as the module steps of a resource address.
            // A step without a key stands for every instance of its call, as in Terraform.
            match = { address in
                address.module.count >= resource.module.count
                    && zip(address.module, resource.module).allSatisfy { $0.name == $1.name && ($1.key == nil || $0.key == $1.key) }
            }
        } else {
            return nil
        }
    }

    func matches(_ address: ResourceAddress) -> Bool { match(address) }
}

struct StateShowCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one resource instance's attributes.")
    @Argument(help: "The instance address, e.g. aws_instance.master[0].") var address: String
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let (read, problems, sources) = await location.read(context)
        guard let state = read else { return stateView(context).finish(problems, sources: sources) }
        guard let entry = state.instances.first(where: { $0.address.description == address }) else {
            return stateView(context).finish(.error("No instance found for the given address", detail: "The state has no instance \(Value.quoted(address)).\(Suggestion.didYouMean(address, among: state.instances.map(\.address.description)))"))
        }
        context.out(StateTextRenderer.instance(entry.address, entry.instance))
        return .success
    }
}

struct StateRemoveCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget a resource instance without destroying it.",
                                                    discussion: "The object's tfy:stack and tfy:address tags are removed too, so no later run adopts it again; -keep-tags keeps them.")
    @Argument(help: "The instance address.") var address: String
    @Flag(name: .customLong("keep-tags", withSingleDash: true), help: "Keep the object's tfy: tags, so the next run adopts it again.")
    var keepTags = false
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, diagnostics, sources) = location.configurationAndBackend(context)
        guard let (configuration, backend) = resolved else { return view.finish(diagnostics, sources: sources) }
        let request = StateRemoval.Request(address: address, keepTags: keepTags, configuration: configuration, backend: backend)
        let (removed, problems) = await StateRemoval.remove(request, environment: context.operationEnvironment, log: context.logLine)
        if let removed {
            var text = "Removed \(removed.address)\n"
            if !removed.untagged.isEmpty {
                text += "Removed the tfy:stack and tfy:address tags of \(removed.untagged.joined(separator: ", ")), so no later run adopts it.\n"
            }
            context.out(text + "Successfully removed 1 resource instance(s).\n")
        }
        return view.finish(problems)
    }
}

struct StateMoveCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "mv", abstract: "Record a resource or instance under another address, without touching it.",
        discussion: "A resource address moves each of its instances, keys kept; an instance address that instance. The object's tfy:address tag is set to the new address too.")
    @Argument(help: "The address in the state.") var source: String
    @Argument(help: "The address to record it under.") var destination: String
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, diagnostics, sources) = location.configurationAndBackend(context)
        guard let (configuration, backend) = resolved else { return view.finish(diagnostics, sources: sources) }
        let request = StateMove.Request(source: source, destination: destination, configuration: configuration, backend: backend)
        let (moved, problems) = await StateMove.move(request, environment: context.operationEnvironment, log: context.logLine)
        if let moved {
            var text = moved.moves.map { "Move \(Value.quoted($0.from.description)) to \(Value.quoted($0.to.description))\n" }.joined()
            if !moved.retagged.isEmpty {
                text += "Set the tfy:address tag of \(moved.retagged.joined(separator: ", ")) to the new address.\n"
            }
            context.out(text + "Successfully moved \(moved.moves.count) object(s).\n")
        }
        return view.finish(problems)
    }
}

struct ImportCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Bring an existing instance or security group under an address of the configuration.",
                                                    discussion: "Tags the object with this stack's tfy:stack and tfy:address (the inverse of state rm) and records it in the state. An object tagged for another stack is refused.")
    @Argument(help: "The instance address in the configuration, e.g. aws_instance.web[0].") var address: String
    @Argument(help: "The object's ID, e.g. i-0abc1234def567890 or sg-0abc1234def567890.") var id: String
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, diagnostics, sources) = location.configurationAndBackend(context)
        guard let (configuration, backend) = resolved else { return view.finish(diagnostics, sources: sources) }
        context.out("\(address): Importing from ID \(Value.quoted(id))...\n")
        let request = StateImport.Request(address: address, id: id, configuration: configuration, backend: backend)
        let (imported, problems) = await StateImport.run(request, environment: context.operationEnvironment, log: context.logLine)
        if let imported {
            context.out("""
                Tagged \(imported.id) with tfy:stack=\(configuration.stack) and tfy:address=\(imported.address).

                Import successful!

                The resources that were imported are shown above. These resources are now in
                your tfy state and will henceforth be managed by tfy.

                """)
        }
        return view.finish(problems)
    }
}

/// A change to the state under its lock: lock, `body`, unlock; every error printed.
enum StateEdit {
    static func locked(_ location: StateLocation, operation: String, context: CommandContext,
                       _ body: (any StateStorage) async throws(StateError) -> Diagnostics) async -> ExitStatus {
        let (resolved, diagnostics, sources) = location.backend(context)
        guard let backend = resolved else { return stateView(context).finish(diagnostics, sources: sources) }
        return stateView(context).finish(await StateTransfer.withLock(backend.storage, operation: operation, body))
    }
}

struct ForceUnlockCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(commandName: "force-unlock", abstract: "Remove a state lock left by a run that died.")
    @Argument(help: "The lock ID, as the lock error printed it.") var id: String
    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, diagnostics, sources) = location.backend(context)
        guard let backend = resolved else { return view.finish(diagnostics, sources: sources) }
        do {
            try await backend.storage.forceUnlock(id: id)
            context.out("tfy state has been successfully unlocked!\n\nThe state has been unlocked, and tfy commands should now be able to obtain a new lock on the remote state.\n")
            return .success
        } catch {
            return view.finish(error.diagnostic)
        }
    }
}
