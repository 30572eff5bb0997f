import Foundation
import TFYCore
import TFYEngine
import TFYState

/// Moving a whole state: `state pull`, `state push` and `state migrate`, each under the lock.
package enum StateTransfer {
    /// Lock, `body`, unlock: every problem returned, none printed.
    package static func withLock(_ store: any StateStorage, operation: String,
                                 _ body: (any StateStorage) async throws(StateError) -> Diagnostics) async -> Diagnostics {
        let lock: any HeldStateLock
        do { lock = try await store.lock(operation: operation, timeout: 0) } catch { return Diagnostics([error.diagnostic]) }
        var problems = Diagnostics()
        if let notice = lock.notice { problems.append(.warning("Stale lock taken over", detail: notice)) }
        do {
            problems.append(contentsOf: try await body(store))
        } catch {
            problems.append(error.diagnostic)
        }
        do { try await lock.unlock() } catch { problems.append(error.diagnostic) }
        return problems
    }

    /// `tfy state pull`: the state as stored; nil when there is none yet.
    package static func pull(_ backend: Backend) async -> Result<State?, Diagnostic> {
        do {
            return .success(try await backend.storage.read())
        } catch {
            return .failure(error.diagnostic)
        }
    }

    /// `tfy state push`: `pushed` (read from the file `name`) replaces the stored state, unless
    /// `refusal` says it must not. Says what it did through `events`.
    package static func push(_ pushed: State, named name: String, to backend: Backend, force: Bool, events: OperationEvents) async -> Diagnostics {
        await withLock(backend.storage, operation: "OperationTypeStatePush") { (store) async throws(StateError) -> Diagnostics in
            let current = try await store.read()
            if let current, let refusal = refusal(writing: pushed, named: name, over: current, at: store.location, force: force) {
                return Diagnostics([refusal])
            }
            if current == pushed {
                events(.note("The state in \(store.location) is already this one (serial \(pushed.serial)); nothing was written."))
                return Diagnostics()
            }
            if let current { try await store.writeBackup(current) }
            try await store.write(pushed)
            events(.note("Pushed \(name) to \(store.location) (lineage \(pushed.lineage), serial \(pushed.serial))."))
            return Diagnostics()
        }
    }

    /// `tfy state migrate`: the state moves between the local file `localPath` and `backend`
    /// (towards the local file when `toLocal`), lineage and serial kept, both states locked.
    package static func migrate(localPath: String, backend: Backend, toLocal: Bool, force: Bool, workingDirectory: String,
                                events: OperationEvents) async -> Diagnostics {
        guard !backend.isLocal else {
            return Diagnostics([.error("No backend to migrate to", detail: "The configuration keeps its state in the local file \(backend.storage.location). Add a backend block (backend: {s3: {bucket: …, key: …}}) and run tfy state migrate again.")])
        }
        let local = LocalStateStore(path: localPath)
        let (source, destination): (any StateStorage, any StateStorage) = toLocal ? (backend.storage, local) : (local, backend.storage)
        return await withLock(source, operation: "OperationTypeMigrate") { (source) async throws(StateError) -> Diagnostics in
            guard let state = try await source.read() else {
                return Diagnostics([.error("No state to migrate", detail: "There is no state at \(source.location).")])
            }
            var keptKey: String?
            var problems = await withLock(destination, operation: "OperationTypeMigrate") { (destination) async throws(StateError) -> Diagnostics in
                let existing = try await destination.read()
                if let existing, let refusal = refusal(writing: state, named: source.location, over: existing, at: destination.location, force: force) {
                    return Diagnostics([refusal])
                }
                // The stack key goes with the state, and first: its digests were made with it, so
                // a state must never arrive where its key cannot follow.
                if let key = try await source.readStackKey(), try await destination.readStackKey() != key {
                    _ = try await destination.writeStackKey(key, replacing: true)
                    keptKey = destination.stackKeyLocation
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
            events(.note("Migrated the state (lineage \(state.lineage), serial \(state.serial)) from \(source.location) to \(destination.location)."))
            if let keptKey { events(.note("The stack key was kept in \(keptKey).")) }
            // Generated private keys go with the state: into the backend, or back onto this machine.
            if let keys = backend.storage as? any KeyEscrow {
                let (lines, keyProblems) = toLocal
                    ? await KeyRestorer.restore(state, from: keys, workingDirectory: workingDirectory)
                    : await KeyRestorer.escrow(state, to: keys, workingDirectory: workingDirectory)
                for line in lines { events(.note(line)) }
                problems.append(contentsOf: keyProblems)
            }
            if toLocal {
                events(.note("The state remains in \(source.location) too. Remove the backend block from the configuration so tfy uses the local file, then delete the object when you no longer need it."))
            } else {
                let moved = LocalStateStore.unusedPath { $0 == 0 ? local.path + ".migrated" : local.path + ".migrated-\($0)" }
                if rename(local.path, moved) != 0 {
                    problems.append(.warning("Local state file left in place", detail: "Renaming \(local.path) to \(moved) failed (\(String(cString: strerror(errno)))); delete it yourself so no run reads it by mistake."))
                } else {
                    events(.note("The local file was renamed to \(moved), so no run reads it by mistake."))
                }
                // Its key stays beside it, so the renamed file can still be read as it was.
                if FileManager.default.fileExists(atPath: local.stackKeyLocation), rename(local.stackKeyLocation, moved + ".key") != 0 {
                    problems.append(.warning("Local stack key left in place", detail: "Renaming \(local.stackKeyLocation) to \(moved).key failed (\(String(cString: strerror(errno)))); delete it yourself once the migrated state is no longer needed."))
                }
            }
            return problems
        }
    }

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
