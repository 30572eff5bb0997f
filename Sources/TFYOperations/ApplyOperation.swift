import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

/// What to apply, and how: a configuration planned now, or a saved plan.
package struct ApplyRequest {
    package enum Source {
        /// Plan `directory` now, confirm, apply (`apply`, `destroy`, `refresh`).
        case configuration(directory: String, options: PlanOptions, refreshOnly: Bool, lockOperation: String)
        /// Apply exactly the plan saved at `path`, with no prompt.
        case savedPlan(path: String)
    }

    package var source: Source
    package var inputs: [VariableInput]
    /// Problems reading `-var`/`-var-file`: reported where the run meets them, as before planning.
    package var inputProblems: Diagnostics
    /// `-state`: a local state file instead of the default.
    package var statePath: String?
    /// Seconds to wait for the state lock.
    package var lockTimeout: Double
    /// `-backend-config` settings.
    package var backendSettings: [String]
    package var parallelism: Int
    package var autoApprove: Bool

    package init(source: Source, inputs: [VariableInput], inputProblems: Diagnostics, statePath: String?, lockTimeout: Double,
                 backendSettings: [String], parallelism: Int, autoApprove: Bool) {
        self.source = source
        self.inputs = inputs
        self.inputProblems = inputProblems
        self.statePath = statePath
        self.lockTimeout = lockTimeout
        self.backendSettings = backendSettings
        self.parallelism = parallelism
        self.autoApprove = autoApprove
    }
}

/// How an apply ended.
package struct ApplyOutcome {
    package enum Ending {
        /// Stopped before applying anything; the diagnostics say why.
        case failed
        /// The user did not confirm.
        case cancelled
        /// A refresh-only apply recorded the refreshed state.
        case refreshed
        /// The plan was carried out, perhaps partly (see the diagnostics), leaving these outputs.
        /// `calls` counts the API calls up to here (`API calls: …`), before the lock is let go.
        case applied(ApplyResult, outputs: [String: StateOutput], calls: String?)
    }

    package var ending: Ending
    package var destroy = false
    /// What ended or marred the run, and the sources their locations point into.
    package var diagnostics = Diagnostics()
    package var sources: SourceFiles = [:]
    /// Problems letting the state lock go, found after everything else.
    package var unlockProblems = Diagnostics()
    /// The API calls of an applied run, per action (what `calls` sums up), for the JSON stream.
    package var apiCalls: [String: CallStatistics.Entry] = [:]

    static func failed(_ diagnostics: Diagnostics, sources: SourceFiles = [:]) -> ApplyOutcome {
        ApplyOutcome(ending: .failed, diagnostics: diagnostics, sources: sources)
    }

    package var succeeded: Bool {
        guard unlockProblems.isEmpty else { return false }
        switch ending {
        case .failed, .cancelled: return false
        case .refreshed: return true
        case .applied: return !diagnostics.hasErrors
        }
    }
}

/// One apply: plan (or a saved plan), confirm, execute, report.
package struct ApplyOperation {
    let request: ApplyRequest
    let environment: OperationEnvironment
    let events: OperationEvents
    /// Asks the user; true to go on.
    let confirm: (Confirmation) -> Bool
    let interrupt: any InterruptSignal
    /// Seconds between "Still creating..." lines.
    let progressInterval: Double

    package init(request: ApplyRequest, environment: OperationEnvironment, events: @escaping OperationEvents,
                 confirm: @escaping (Confirmation) -> Bool, interrupt: any InterruptSignal) {
        self.request = request
        self.environment = environment
        self.events = events
        self.confirm = confirm
        self.interrupt = interrupt
        // Between 0 and an hour: the sleep converts it to nanoseconds, which traps beyond UInt64.
        self.progressInterval = Double(environment.variables["TFY_PROGRESS_INTERVAL"] ?? "").flatMap { (0.1...3600).contains($0) ? $0 : nil } ?? 10
    }

    var log: @Sendable (String) -> Void { { [events] in events(.clientLog($0)) } }

    package func run() async -> ApplyOutcome {
        switch request.source {
        case .configuration(let directory, let options, let refreshOnly, let lockOperation):
            return await planAndApply(directory: directory, planOptions: options, refreshOnly: refreshOnly, operation: lockOperation)
        case .savedPlan(let path):
            return await applySavedPlan(path: path)
        }
    }

    func planAndApply(directory: String, planOptions: PlanOptions, refreshOnly: Bool, operation: String) async -> ApplyOutcome {
        guard !request.inputProblems.hasErrors else { return .failed(request.inputProblems) }
        let deployment = Deployment(directory: directory, inputs: request.inputs, statePath: request.statePath, options: planOptions, refreshOnly: refreshOnly,
                                    lockOperation: operation, lockTimeout: request.lockTimeout, backendSettings: request.backendSettings)
        let outcome = await PlanOperation.plan(deployment, environment: environment, keepSession: true, events: events)
        guard let plan = outcome.plan, let session = outcome.session, !outcome.diagnostics.hasErrors else {
            var diagnostics = outcome.diagnostics
            if let session = outcome.session { diagnostics.append(contentsOf: await session.release()) }
            return .failed(diagnostics, sources: outcome.sources)
        }
        return await releasing(session) { await self.confirmAndApply(plan, session: session, planOptions: planOptions, refreshOnly: refreshOnly) }
    }

    /// Runs `body`, then lets the session's lock go; failing to let it go is an error.
    func releasing(_ session: Deployment.Session, _ body: () async -> ApplyOutcome) async -> ApplyOutcome {
        var outcome = await body()
        outcome.unlockProblems = await session.release()
        return outcome
    }

    func confirmAndApply(_ plan: Plan, session: Deployment.Session, planOptions: PlanOptions, refreshOnly: Bool) async -> ApplyOutcome {
        events(.planned(plan))
        let needsApply = plan.hasChanges || (refreshOnly && !plan.drift.isEmpty)
        if needsApply && !request.autoApprove {
            guard confirm(planOptions.destroy ? .destroy : .apply) else { return ApplyOutcome(ending: .cancelled) }
        }
        return await execute(plan, session: session, request: session.planRequest(files: FileReader(currentDirectory: environment.workingDirectory), options: planOptions),
                             refreshOnly: refreshOnly, destroy: planOptions.destroy)
    }

    func applySavedPlan(path: String) async -> ApplyOutcome {
        let data: [UInt8]
        switch FileReader.commandFiles(limit: FileReader.documentBytes).read(environment.path(path)) {
        case .success(let bytes): data = bytes
        case .failure(.missing):
            return .failed(Diagnostics([.error("Failed to read plan file", detail: "The plan file \(Value.quoted(path)) does not exist or cannot be read.")]))
        case .failure(let failure):
            return .failed(Diagnostics([.error("Failed to read plan file", detail: "The plan file \(Value.quoted(path)) \(failure.reason(limit: FileReader.documentBytes)).")]))
        }
        let saved: Plan
        switch Plan.decode(data) {
        case .success(let plan): saved = plan
        case .failure(let error): return .failed(Diagnostics([.error("Failed to read plan file", detail: "\(Value.quoted(path)): \(error).")]))
        }
        var inputs = request.inputs
        guard !request.inputProblems.hasErrors else { return .failed(request.inputProblems) }
        // The plan's own variable values win; sensitive ones it holds only as digests, so those
        // come from the environment or options again and must match.
        let origin = SourceLocation(file: path, line: 1, column: 1)
        for name in saved.variables.keys.sorted() where !saved.variables[name]!.sensitive {
            inputs.append(VariableInput(name: name, raw: .value(saved.variables[name]!.value, origin), origin: .file(path)))
        }
        // The plan was made against one state: that one, not whatever -state or the default
        // would name from here.
        var statePath = request.statePath
        if let recorded = saved.stateLocation {
            if let given = request.statePath, location(given) != location(recorded) {
                return .failed(Diagnostics([Self.anotherState(path, recorded: recorded, given: given)]))
            }
            if !recorded.hasPrefix("s3://") { statePath = recorded }
        }
        let deployment = Deployment(directory: saved.directory, inputs: inputs, statePath: statePath, options: saved.options,
                                    lockOperation: "OperationTypeApply", lockTimeout: request.lockTimeout,
                                    backendSettings: request.backendSettings)
        let (prepared, diagnostics, sources) = await deployment.prepare(context: environment, log: log)
        guard let session = prepared, !diagnostics.hasErrors else { return .failed(diagnostics, sources: sources) }
        if let recorded = saved.stateLocation, location(session.store.location) != location(recorded) {
            let moved = Diagnostic.error("Saved plan is for another state",
                                         detail: "The plan file \(Value.quoted(path)) was made against the state in \(recorded), but the configuration's backend now keeps it in \(Backend.relative(session.store.location, to: environment.workingDirectory)). Run \"tfy plan\" again to make a new plan, review it, and apply that one.")
            var problems = Diagnostics([moved])
            problems.append(contentsOf: await session.release())
            return .failed(problems)
        }
        return await releasing(session) { await self.applySaved(saved, path: path, session: session) }
    }

    /// A state location as a comparable value: `s3://…` as it is, a file as its standardised absolute path.
    func location(_ given: String) -> String {
        given.hasPrefix("s3://") ? given : URL(fileURLWithPath: environment.path(given)).standardizedFileURL.path
    }

    /// `-state` names another state than the one the saved plan was made against.
    static func anotherState(_ path: String, recorded: String, given: String) -> Diagnostic {
        .error("Saved plan is for another state",
               detail: "The plan file \(Value.quoted(path)) was made against the state \(recorded), but -state names \(given). A saved plan applies only to the state it was made against: apply it without -state, or make a new plan with -state \(given) and apply that one.")
    }

    func applySaved(_ saved: Plan, path: String, session: Deployment.Session) async -> ApplyOutcome {
        if let stale = SavedPlanCheck.staleness(of: saved, currentState: session.prior, configHash: Planner.configurationHash(session.configuration)) {
            return .failed(Diagnostics([stale]))
        }
        // The plan holds no secrets: evaluate the configuration again, against the state the plan
        // was made from, and apply only if that gives exactly the saved plan.
        session.refreshed = saved.priorState
        session.dataResults = Deployment.dataResults(from: saved.dataState, configuration: session.configuration)
        var request = session.planRequest(files: FileReader(currentDirectory: environment.workingDirectory), options: saved.options)
        request.drift = saved.drift
        // What the saved plan adopts is what its refresh found untracked.
        request.untracked = saved.changes.compactMap { change in
            guard let id = change.adopting, let attributes = change.before?.mapValue else { return nil }
            return UntrackedObject(address: change.address, id: id, attributes: attributes)
        }
        request.imported = saved.changes.compactMap { change in
            guard let id = change.importing, let attributes = change.before?.mapValue else { return nil }
            return UntrackedObject(address: change.address, id: id, attributes: attributes)
        }
        let (again, planDiagnostics) = Planner.planWithValues(request)
        guard let recomputed = again?.plan else { return .failed(planDiagnostics, sources: session.sources) }
        var comparable = recomputed
        comparable.directory = saved.directory
        comparable.refreshOnly = saved.refreshOnly
        if saved.refreshOnly {
            comparable.changes = saved.changes
            comparable.outputs = saved.outputs
            comparable.drift = saved.drift
        }
        // The text a variable was given as (`-var n=3`) is how the plan JSON shows it, not its value.
        func values(_ variables: [String: PlanVariable]) -> [String: PlanVariable] { variables.mapValues { PlanVariable(value: $0.value, sensitive: $0.sensitive) } }
        guard comparable.changes == saved.changes, comparable.outputs == saved.outputs, values(comparable.variables) == values(saved.variables) else {
            return .failed(Diagnostics([.error("Saved plan is stale", detail: "Evaluating the configuration now gives a different plan than the saved one (a variable value differs, or a file the configuration reads changed). Run \"tfy plan\" again to make a new plan, review it, and apply that one.")]))
        }
        // As Terraform: a saved plan was reviewed when it was made, so applying it prints
        // progress and the "Apply complete!" summary, not the plan again.
        events(.savedPlanApplying(saved))
        return await execute(saved, session: session, request: request, refreshOnly: saved.refreshOnly, destroy: saved.options.destroy)
    }

    func execute(_ plan: Plan, session: Deployment.Session, request: PlanRequest, refreshOnly: Bool, destroy: Bool) async -> ApplyOutcome {
        // What refresh found is the state from here on, and the state records its stack (older
        // states get it on this write).
        // The plan's prior state has the legacy digests it matched upgraded (and the refresh).
        var start = plan.priorState ?? session.refreshed ?? session.prior ?? State(lineage: UUID().uuidString.lowercased())
        start.stack = session.configuration.stack
        // The stack key is made with the stack: kept before the state is first written.
        start.stackKey = session.stackKey
        do {
            try await session.keepStackKey()
        } catch {
            return .failed(Diagnostics([error.diagnostic]))
        }
        // Objects found by their tags and planned as adopted go into the state as they are.
        for change in plan.changes where !refreshOnly {
            guard change.adopting != nil, start.instance(change.address) == nil || start.instance(change.address)?.isPendingCreate == true,
                  let attributes = change.before?.mapValue else { continue }
            start.setInstance(change.address, StateInstance(indexKey: change.address.key, attributes: attributes, dependencies: change.dependencies))
        }
        // Moved objects are retagged and imported ones tagged before the state records them at
        // their new addresses.
        var engine = session.engine
        let refactored = refreshOnly ? [] : plan.changes.filter { $0.previousAddress != nil || $0.importing != nil }
        if !refactored.isEmpty {
            if engine == nil {
                switch Deployment.engine(for: session, context: environment, log: log) {
                case .success(let e): engine = e
                case .failure(let diagnostic): return .failed(Diagnostics([diagnostic]))
                }
            }
            switch await Self.refactor(refactored, state: start, engine: engine!, events: events) {
            case .success(let moved): start = moved
            case .failure(let diagnostic): return .failed(Diagnostics([diagnostic]))
            }
        }
        // Every object is recorded as the configuration marks it: a secret an older tfy kept in
        // clear (a tag's value, before tags read back from EC2 kept their marks) is digested by
        // this write, and by the backup's.
        func markedAsConfigured(_ state: State) -> State {
            var state = state
            for change in plan.changes {
                guard let after = change.after, var instance = state.instance(change.address), !instance.isPendingCreate,
                      let marked = Value.map(instance.attributes).markedLike(after).mapValue, marked != instance.attributes else { continue }
                instance.attributes = marked
                state.setInstance(change.address, instance)
            }
            return state
        }
        start = markedAsConfigured(start)
        // The data sources as this plan read them: every plan reads them again, so these replace
        // what the state held (none after a destroy).
        start.dataResources = plan.dataState
        if let prior = session.prior { try? await session.store.writeBackup(markedAsConfigured(prior)) }
        if refreshOnly {
            var refreshed = start
            do {
                if refreshed != session.prior {
                    refreshed.serial = (session.prior?.serial ?? 0) + 1
                    try await session.store.write(refreshed)
                }
            } catch {
                return .failed(Diagnostics([error.diagnostic]))
            }
            return ApplyOutcome(ending: .refreshed, destroy: destroy)
        }
        let recorder = StateRecorder(state: session.prior ?? start, store: session.store)
        do {
            // Objects deleted outside tfy and drift are recorded even when the plan changes
            // nothing, and before anything changes: a refused write stops the run here.
            // With no state yet, the recorder starts from `start` itself: objects adopted into it
            // would otherwise count as saved, and an apply that only adopts would write nothing.
            try await recorder.update(always: session.prior == nil && (!start.instances.isEmpty || !start.dataResources.isEmpty)) { $0 = start }
        } catch {
            return .failed(Diagnostics([(error as? StateError)?.diagnostic ?? .error("Failed to save state", detail: "\(error)")]))
        }
        let active = plan.changes.filter { $0.action != .noOp }
        if engine == nil, !active.isEmpty || !plan.dataReads.isEmpty {
            switch Deployment.engine(for: session, context: environment, log: log) {
            case .success(let e): engine = e
            case .failure(let diagnostic): return .failed(Diagnostics([diagnostic]))
            }
        }
        if let keys = engine?.keys {
            // Keys made on another machine, kept by the backend, for the bootstraps that upload them.
            let (restored, problems) = await KeyRestorer.restore(start, from: keys, workingDirectory: environment.workingDirectory)
            for line in restored { events(.note(line)) }
            if !problems.isEmpty { events(.problems(Diagnostics(problems))) }
        }
        defer { interrupt.stopListening() }
        if interrupt.isInterrupted {
            return .failed(Diagnostics([.error("Apply interrupted", detail: "tfy was interrupted before applying anything; nothing was changed.")]))
        }
        var result = ApplyResult()
        if let engine {
            let executor = Executor(context: engine, recorder: recorder, planning: request, parallelism: self.request.parallelism,
                                    stillRunningInterval: progressInterval,
                                    events: { [events] in events(.apply($0)) }, interrupted: { [interrupt] in interrupt.isInterrupted })
            result = await executor.run(plan)
            await engine.ssh?.closeAll()
        } else {
            // Nothing to change in EC2 (no client was needed, so none exists): record the state.
            await recorder.recordOutputs(of: request)
        }
        result.adopted = plan.changes.filter { $0.adopting != nil }.count
        result.imported = refactored.filter { $0.importing != nil }.count
        var diagnostics = Diagnostics(result.errors)
        do {
            try await recorder.settle()
        } catch {
            diagnostics.append(saveErrored(await recorder.state, backend: session.store, error: error))
        }
        if result.interrupted {
            diagnostics.append(Diagnostic.error("Apply interrupted", detail: "tfy stopped starting new operations after the interrupt; the ones already running finished and the state records everything that exists. Run the same command again to finish."))
        }
        // As Terraform: a targeted run may leave other changes (and outputs) pending.
        if !request.options.targets.isEmpty { diagnostics.append(Targeting.appliedWarning) }
        let state = await recorder.state
        var outcome = ApplyOutcome(ending: .applied(result, outputs: state.outputs, calls: engine?.ec2.statistics.summary), destroy: destroy, diagnostics: diagnostics)
        outcome.apiCalls = engine?.ec2.statistics.snapshot ?? [:]
        // A failed read during apply is located at its data block, shown with its line.
        outcome.sources = session.sources
        return outcome
    }

    /// Carries out the plan's moves and imports on `state` (the state the plan was made
    /// against): each object tagged first (`Retagger`), then recorded at its new address, or,
    /// imported, as the plan read it. Terraform's "Importing..." lines are shown for imports.
    static func refactor(_ changes: [PlannedChange], state: State, engine: EngineContext, events: OperationEvents) async -> Result<State, Diagnostic> {
        var ids: [ResourceAddress: String] = [:]
        for change in changes {
            if let previous = change.previousAddress, let id = state.instance(previous)?.attributes["id"]?.stringValue { ids[change.address] = id }
        }
        for change in changes { if let id = change.importing { events(.note("\(change.address): Importing... [id=\(id)]")) } }
        do {
            try await Retagger(context: engine).tag(changes, ids: ids)
        } catch {
            return .failure(.error("Failed to tag moved or imported objects", detail: "Tagging the objects this plan moves or imports failed: \(error). The state was not changed; run apply again."))
        }
        var moved = state
        let movedChanges = changes.filter { $0.previousAddress != nil }
        let instances = movedChanges.map { state.instance($0.previousAddress!) }
        for change in movedChanges { moved.setInstance(change.previousAddress!, nil) }
        for (change, instance) in zip(movedChanges, instances) {
            guard var instance else { continue }
            instance.indexKey = change.address.key
            moved.setInstance(change.address, instance)
        }
        for change in changes {
            guard let id = change.importing, let attributes = change.before?.mapValue else { continue }
            moved.setInstance(change.address, StateInstance(indexKey: change.address.key, attributes: attributes, dependencies: change.dependencies))
            events(.note("\(change.address): Import complete [id=\(id)]"))
        }
        return .success(moved)
    }

    /// The state could not be persisted: keep it in `errored.tfstate` so nothing is lost.
    func saveErrored(_ state: State, backend: any StateStorage, error: any Error) -> Diagnostic {
        // An earlier errored.tfstate not pushed yet is kept: this one takes the next free name.
        let path = LocalStateStore.unusedPath { environment.path($0 == 0 ? "errored.tfstate" : "errored-\($0).tfstate") }
        let name = (path as NSString).lastPathComponent
        var detail = "tfy could not write the updated state to \(backend.location): \((error as? StateError)?.message ?? "\(error)")\n\n"
        do {
            try LocalStateStore(path: path).write(state)
        } catch {
            return .error("Failed to persist state", detail: detail + "Writing it to \(path) failed too (\(error.message)). The objects this run created are tagged with tfy:stack and their address; the next refresh adopts them.")
        }
        detail += "So that nothing is lost, the state has been written to \"\(name)\" in the current directory; it records every object this run created or destroyed. Running apply again before recovering it would plan without them."
        detail += "\n\nOnce the problem is fixed, write it back with:\n    tfy state push \(name)"
        detail += "\n\nIf another run wrote the state meanwhile, tfy state push refuses an older serial; compare the two states first (tfy state pull), then decide whether to push with -force."
        return .error("Failed to persist state to the backend", detail: detail)
    }
}
