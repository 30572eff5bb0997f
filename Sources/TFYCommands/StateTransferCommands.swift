import ArgumentParser
import Foundation
import TFYCore
import TFYEngine
import TFYOperations
import TFYState

/// `tfy state pull`: the state as stored, on standard output.
struct StatePullCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Print the state as the backend stores it (JSON).",
                                                    discussion: "Prints nothing when no state exists yet.")
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let (resolved, diagnostics) = location.backend(context)
        guard let backend = resolved else { return printErrors(context, diagnostics) }
        do {
            if let state = try await backend.storage.read() { context.out(String(decoding: state.encoded(), as: UTF8.self)) }
            return 0
        } catch {
            return printError(context, error.diagnostic)
        }
    }
}

/// `tfy state push FILE`: replace the stored state with a file's, under the lock.
struct StatePushCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Replace the stored state with a state file (e.g. errored.tfstate).",
        discussion: "Refuses a state of another lineage, an older serial, or the same serial with other content, unless -force.")
    @Argument(help: "The state file to push, or - for standard input.") var file: String
    @Flag(name: .customLong("force", withSingleDash: true), help: "Push even a state of another lineage or an older serial.")
    var force = false
    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let bytes: [UInt8]
        if file == "-" {
            var lines: [String] = []
            while let line = context.readLine() { lines.append(line) }
            bytes = Array(lines.joined(separator: "\n").utf8)
        } else {
            guard let data = FileManager.default.contents(atPath: context.path(file)) else {
                return printError(context, .error("Cannot read the state to push", detail: "There is no readable file at \(Value.quoted(file))."))
            }
            bytes = [UInt8](data)
        }
        let pushed: State
        switch State.decode(bytes) {
        case .success(let state): pushed = state
        case .failure(let error): return printError(context, .error("Cannot read the state to push", detail: "\(Value.quoted(file)): \(error.description)."))
        }
        return await StateEdit.locked(location, operation: "OperationTypeStatePush", context: context) { (store) async throws(StateError) -> Diagnostics in
            let current = try await store.read()
            if let current, let refusal = StateTransfer.refusal(writing: pushed, named: file, over: current, at: store.location, force: force) {
                return Diagnostics([refusal])
            }
            if current == pushed {
                context.out("The state in \(store.location) is already this one (serial \(pushed.serial)); nothing was written.\n")
                return Diagnostics()
            }
            if let current { try await store.writeBackup(current) }
            try await store.write(pushed)
            context.out("Pushed \(file) to \(store.location) (lineage \(pushed.lineage), serial \(pushed.serial)).\n")
            return Diagnostics()
        }
    }
}

/// `tfy state migrate`: move the state between the local file and the configured backend,
/// lineage and serial kept.
struct StateMigrateCommand: ParsableCommand, ContextCommand {
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

    func execute(in context: CommandContext) async -> Int32 {
        let (configuration, diagnostics) = location.configuration(context)
        guard let configuration else { return printErrors(context, diagnostics) }
        let (resolved, backendDiagnostics) = Backend.resolve(configuration, statePath: nil, overrides: location.backendOptions.settings, context: context.operationEnvironment, log: context.logLine)
        guard let backend = resolved else { return printErrors(context, backendDiagnostics) }
        guard !backend.isLocal else {
            return printError(context, .error("No backend to migrate to", detail: "The configuration keeps its state in the local file \(backend.storage.location). Add a backend block (backend: {s3: {bucket: …, key: …}}) and run tfy state migrate again."))
        }
        let local = LocalStateStore(path: location.state.map(context.path) ?? backend.defaultLocalPath)
        let (source, destination): (any StateStorage, any StateStorage) = toLocal ? (backend.storage, local) : (local, backend.storage)
        let problems = await StateEdit.withLock(source, operation: "OperationTypeMigrate") { (source) async throws(StateError) -> Diagnostics in
            guard let state = try await source.read() else {
                return Diagnostics([.error("No state to migrate", detail: "There is no state at \(source.location).")])
            }
            var problems = await StateEdit.withLock(destination, operation: "OperationTypeMigrate") { (destination) async throws(StateError) -> Diagnostics in
                let existing = try await destination.read()
                if let existing, let refusal = StateTransfer.refusal(writing: state, named: source.location, over: existing, at: destination.location, force: force) {
                    return Diagnostics([refusal])
                }
                if existing != state {
                    if let existing { try await destination.writeBackup(existing) }
                    try await destination.write(state)
                }
                // Read back what was written: the migration is done only when the destination holds it.
                guard try await destination.read() == state else {
                    return Diagnostics([.error("Migration not verified", detail: "Reading \(destination.location) back did not give the state just written; \(source.location) was left as it is.")])
                }
                return Diagnostics()
            }
            guard !problems.hasErrors else { return problems }
            context.out("Migrated the state (lineage \(state.lineage), serial \(state.serial)) from \(source.location) to \(destination.location).\n")
            // Generated private keys go with the state: into the backend, or back onto this machine.
            if let keys = backend.storage as? any KeyEscrow {
                let (lines, keyProblems) = toLocal
                    ? await KeyRestorer.restore(state, from: keys, workingDirectory: context.workingDirectory)
                    : await KeyRestorer.escrow(state, to: keys, workingDirectory: context.workingDirectory)
                for line in lines { context.out(line + "\n") }
                problems.append(contentsOf: keyProblems)
            }
            if toLocal {
                context.out("The state remains in \(source.location) too. Remove the backend block from the configuration so tfy uses the local file, then delete the object when you no longer need it.\n")
            } else {
                let moved = LocalStateStore.unusedPath { $0 == 0 ? local.path + ".migrated" : local.path + ".migrated-\($0)" }
                if rename(local.path, moved) != 0 {
                    problems.append(.warning("Local state file left in place", detail: "Renaming \(local.path) to \(moved) failed (\(String(cString: strerror(errno)))); delete it yourself so no run reads it by mistake."))
                } else {
                    context.out("The local file was renamed to \(moved), so no run reads it by mistake.\n")
                }
            }
            return problems
        }
        return printErrors(context, problems)
    }
}

/// The checks `push` and `migrate` share before replacing a stored state.
enum StateTransfer {
    /// Why `incoming` must not replace `current`, or nil when it may.
    static func refusal(writing incoming: State, named source: String, over current: State, at destination: String, force: Bool) -> Diagnostic? {
        guard !force, current != incoming else { return nil }
        let why: String
        if current.lineage != incoming.lineage {
            why = "\(destination) holds a state of lineage \(current.lineage), and \(source) is of lineage \(incoming.lineage): they are not the same state's history, so writing one over the other would lose the first."
        } else if incoming.serial < current.serial {
            why = "\(destination) has serial \(current.serial), newer than \(source)'s \(incoming.serial): writing it would undo later changes."
        } else if incoming.serial == current.serial {
            why = "\(destination) and \(source) both have serial \(incoming.serial) but differ: two runs changed the same state."
        } else {
            return nil
        }
        return .error("State not replaced", detail: why + " Compare them (tfy state pull), and use -force only if \(source) is the one to keep.")
    }
}
