import ArgumentParser
import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYRender
import TFYState

/// Options `apply` and `destroy` share.
struct ApplyOptions: ParsableArguments {
    @Flag(name: .customLong("auto-approve", withSingleDash: true), help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?

    @Option(name: .customLong("parallelism", withSingleDash: true), help: "How many operations may run at once.")
    var parallelism: Int = 10

    @Option(name: .customLong("refresh", withSingleDash: true), help: ArgumentHelp("Read live objects before planning.", valueName: "bool"))
    var refresh: Bool = true

    @Option(name: .customLong("target", withSingleDash: true), help: ArgumentHelp("Apply only this resource or instance and what it depends on.", valueName: "address"))
    var targets: [String] = []

    @Option(name: .customLong("replace", withSingleDash: true), help: ArgumentHelp("Replace this instance.", valueName: "address"))
    var replace: [String] = []

    @Option(name: .customLong("lock-timeout", withSingleDash: true), help: ArgumentHelp("How long to wait for the state lock (e.g. 30s).", valueName: "duration"))
    var lockTimeout: String = "0s"

    @Flag(name: .customLong("json", withSingleDash: true), help: "Print progress as JSON lines.")
    var json = false

    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    @Option(name: .customLong("input", withSingleDash: true), help: ArgumentHelp("Ask for confirmation (false: never; then -auto-approve is needed).", valueName: "bool"))
    var input: Bool = true

    @OptionGroup var backend: BackendOptions
}

struct ApplyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the real infrastructure match the configuration, or apply a saved plan exactly.",
        discussion: "With a saved plan file, applies exactly that plan with no prompt, and refuses it if the state or configuration moved since it was made.")

    @Argument(help: "A configuration directory, or a saved plan file.")
    var target: String = "."

    @Flag(name: .customLong("refresh-only", withSingleDash: true), help: "Only record what changed outside tfy.")
    var refreshOnly = false

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: context.path(target), isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            return await ApplyRun(context: context, options: apply).applySavedPlan(path: target, variables: variables)
        }
        var options = PlanOptions()
        options.refresh = apply.refresh
        options.targets = apply.targets
        options.replace = apply.replace
        return await ApplyRun(context: context, options: apply).planAndApply(directory: target, planOptions: options, refreshOnly: refreshOnly, variables: variables, operation: "OperationTypeApply")
    }
}

struct DestroyCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "destroy", abstract: "Destroy everything the state tracks, dependents first.")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var options = PlanOptions()
        options.destroy = true
        options.refresh = apply.refresh
        options.targets = apply.targets
        return await ApplyRun(context: context, options: apply).planAndApply(directory: directory, planOptions: options, refreshOnly: false, variables: variables, operation: "OperationTypeDestroy")
    }
}

struct RefreshCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(commandName: "refresh", abstract: "Record in the state what changed outside tfy (apply -refresh-only -auto-approve).")

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var variables: VariableOptions

    func execute(in context: CommandContext) async -> Int32 {
        var options = apply
        options.autoApprove = true
        return await ApplyRun(context: context, options: options).planAndApply(directory: directory, planOptions: PlanOptions(), refreshOnly: true, variables: variables, operation: "OperationTypeRefresh")
    }
}

/// One apply: plan (or a saved plan), confirm, execute, report.
struct ApplyRun {
    let context: CommandContext
    let options: ApplyOptions
    /// Installed before anything else, so an interrupt during planning is handled too.
    let interrupt: InterruptHandler

    init(context: CommandContext, options: ApplyOptions) {
        self.context = context
        self.options = options
        self.interrupt = InterruptHandler(context: context)
    }

    var color: Bool { context.isTerminal && !options.noColor }

    func fail(_ diagnostics: Diagnostics, sources: SourceFiles = [:]) -> Int32 {
        if options.json {
            for d in diagnostics.sorted { context.out(JSONValue.object(["@level": .string(d.severity.rawValue), "@message": .string("\(d.severity == .error ? "Error" : "Warning"): \(d.summary)"), "diagnostic": .object(["summary": .string(d.summary), "detail": .string(d.detail)]), "type": .string("diagnostic")]).compact() + "\n") }
        } else {
            context.err(DiagnosticRenderer(color: color) { file, line in sources[file]?.line(line) }.text(diagnostics))
        }
        return 1
    }

    func planAndApply(directory: String, planOptions: PlanOptions, refreshOnly: Bool, variables: VariableOptions, operation: String) async -> Int32 {
        let (inputs, inputDiagnostics, _) = variables.inputs(context: context, arguments: context.arguments)
        guard !inputDiagnostics.hasErrors else { return fail(inputDiagnostics) }
        let deployment = Deployment(directory: directory, inputs: inputs, statePath: options.state, options: planOptions, refreshOnly: refreshOnly,
                                    lockOperation: operation, lockTimeout: DurationText.seconds(options.lockTimeout) ?? 0,
                                    backendSettings: options.backend.settings)
        let outcome = await PlanRun.plan(deployment, context: context, keepSession: true)
        guard let plan = outcome.plan, let session = outcome.session, !outcome.diagnostics.hasErrors else {
            var diagnostics = outcome.diagnostics
            if let session = outcome.session { diagnostics.append(contentsOf: await session.release()) }
            return fail(diagnostics, sources: outcome.sources)
        }
        return await releasing(session) { await self.confirmAndApply(plan, session: session, planOptions: planOptions, refreshOnly: refreshOnly) }
    }

    /// Runs `body`, then lets the session's lock go; failing to let it go is an error.
    func releasing(_ session: Deployment.Session, _ body: () async -> Int32) async -> Int32 {
        let status = await body()
        let problems = await session.release()
        guard problems.isEmpty else { return fail(problems) }
        return status
    }

    func confirmAndApply(_ plan: Plan, session: Deployment.Session, planOptions: PlanOptions, refreshOnly: Bool) async -> Int32 {
        if !options.json { context.out(PlanTextRenderer(color: color, resourceTypes: .standard).render(plan)) }
        let needsApply = plan.hasChanges || (refreshOnly && !plan.drift.isEmpty)
        if needsApply && !options.autoApprove {
            guard confirm(destroy: planOptions.destroy) else {
                context.err("\nApply cancelled.\n")
                return 1
            }
        }
        return await execute(plan, session: session, request: session.planRequest(files: FileReader(currentDirectory: context.workingDirectory), options: planOptions),
                       refreshOnly: refreshOnly, destroy: planOptions.destroy)
    }

    func confirm(destroy: Bool) -> Bool {
        guard options.input else {
            context.err("\nError: No confirmation: run with -auto-approve to apply without a prompt, or apply a saved plan.\n")
            return false
        }
        context.out(destroy
            ? "\nDo you really want to destroy all resources?\n  tfy will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
            : "\nDo you want to perform these actions?\n  tfy will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
        return context.readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }

    func applySavedPlan(path: String, variables: VariableOptions) async -> Int32 {
        guard let data = FileManager.default.contents(atPath: context.path(path)) else {
            return fail(Diagnostics([.error("Failed to read plan file", detail: "The plan file \(Value.quoted(path)) does not exist or cannot be read.")]))
        }
        let saved: Plan
        switch Plan.decode([UInt8](data)) {
        case .success(let plan): saved = plan
        case .failure(let error): return fail(Diagnostics([.error("Failed to read plan file", detail: "\(Value.quoted(path)): \(error).")]))
        }
        var (inputs, inputDiagnostics, _) = variables.inputs(context: context, arguments: context.arguments)
        guard !inputDiagnostics.hasErrors else { return fail(inputDiagnostics) }
        // The plan's own variable values win; sensitive ones it holds only as digests, so those
        // come from the environment or options again and must match.
        let origin = SourceLocation(file: path, line: 1, column: 1)
        for name in saved.variables.keys.sorted() where !saved.variables[name]!.sensitive {
            inputs.append(VariableInput(name: name, raw: .value(saved.variables[name]!.value, origin), origin: .file(path)))
        }
        let deployment = Deployment(directory: saved.directory, inputs: inputs, statePath: options.state, options: saved.options,
                                    lockOperation: "OperationTypeApply", lockTimeout: DurationText.seconds(options.lockTimeout) ?? 0,
                                    backendSettings: options.backend.settings)
        let (prepared, diagnostics, sources) = await deployment.prepare(context: context)
        guard let session = prepared, !diagnostics.hasErrors else { return fail(diagnostics, sources: sources) }
        return await releasing(session) { await self.applySaved(saved, path: path, session: session) }
    }

    func applySaved(_ saved: Plan, path: String, session: Deployment.Session) async -> Int32 {
        if let stale = SavedPlanCheck.staleness(of: saved, currentState: session.prior, configHash: Planner.configurationHash(session.configuration)) {
            return fail(Diagnostics([stale]))
        }
        // The plan holds no secrets: evaluate the configuration again, against the state the plan
        // was made from, and apply only if that gives exactly the saved plan.
        session.refreshed = saved.priorState
        var request = session.planRequest(files: FileReader(currentDirectory: context.workingDirectory), options: saved.options)
        request.drift = saved.drift
        let (again, planDiagnostics) = Planner.planWithValues(request)
        guard let recomputed = again?.plan else { return fail(planDiagnostics, sources: session.sources) }
        var comparable = recomputed
        comparable.directory = saved.directory
        comparable.refreshOnly = saved.refreshOnly
        if saved.refreshOnly {
            comparable.changes = saved.changes
            comparable.outputs = saved.outputs
            comparable.drift = saved.drift
        }
        guard comparable.changes == saved.changes, comparable.outputs == saved.outputs, comparable.variables == saved.variables else {
            return fail(Diagnostics([.error("Saved plan is stale", detail: "Evaluating the configuration now gives a different plan than the saved one (a variable value differs, or a file the configuration reads changed). Run \"tfy plan\" again to make a new plan, review it, and apply that one.")]))
        }
        if !options.json { context.out(PlanTextRenderer(color: color, resourceTypes: .standard).render(saved)) }
        return await execute(saved, session: session, request: request, refreshOnly: saved.refreshOnly, destroy: saved.options.destroy)
    }

    func execute(_ plan: Plan, session: Deployment.Session, request: PlanRequest, refreshOnly: Bool, destroy: Bool) async -> Int32 {
        let start = session.refreshed ?? session.prior ?? State(lineage: UUID().uuidString.lowercased())
        if let prior = session.prior { try? await session.store.writeBackup(prior) }
        let recorder = StateRecorder(state: start, store: session.store)
        if refreshOnly {
            var refreshed = start
            do {
                if refreshed != session.prior {
                    refreshed.serial = (session.prior?.serial ?? 0) + 1
                    try await session.store.write(refreshed)
                }
            } catch {
                return fail(Diagnostics([error.diagnostic]))
            }
            context.out(options.json ? "" : "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n")
            return 0
        }
        var engine = session.engine
        let active = plan.changes.filter { $0.action != .noOp }
        if engine == nil, !active.isEmpty {
            switch Deployment.engine(for: session, context: context, log: { [context] in context.err($0 + "\n") }) {
            case .success(let e): engine = e
            case .failure(let diagnostic): return fail(Diagnostics([diagnostic]))
            }
        }
        let reporter = ProgressReporter(context: context, json: options.json)
        if let keys = engine?.keys {
            // Keys made on another machine, kept by the backend, for the bootstraps that upload them.
            let (restored, problems) = await KeyRestorer.restore(start, from: keys, workingDirectory: context.workingDirectory)
            for line in restored { reporter.log(line) }
            if !problems.isEmpty { _ = fail(Diagnostics(problems)) }
        }
        defer { interrupt.uninstall() }
        if interrupt.isInterrupted {
            return fail(Diagnostics([.error("Apply interrupted", detail: "tfy was interrupted before applying anything; nothing was changed.")]))
        }
        var result = ApplyResult()
        if let engine {
            let executor = Executor(context: engine, recorder: recorder, planning: request, parallelism: options.parallelism,
                                    stillRunningInterval: Double(context.environment["TFY_PROGRESS_INTERVAL"] ?? "") ?? 10,
                                    events: { reporter.report($0) }, interrupted: { interrupt.isInterrupted })
            result = await executor.run(plan)
            await engine.ssh?.closeAll()
        } else {
            // Nothing to change in EC2: record the state (new outputs, refreshed attributes).
            let executor = Executor(context: EngineContext(ec2: EC2Client(configuration: AWSConfiguration(credentials: AWSCredentials(accessKeyId: "", secretAccessKey: ""), region: "", endpoint: "")), region: "", stack: session.configuration.stack),
                                    recorder: recorder, planning: request, events: { _ in })
            result = await executor.run(plan)
        }
        var diagnostics = Diagnostics(result.errors)
        if !(await recorder.isPersisted) {
            do {
                try await recorder.flush()
            } catch {
                diagnostics.append(saveErrored(await recorder.state, backend: session.store, error: error))
            }
        }
        if result.interrupted {
            diagnostics.append(Diagnostic.error("Apply interrupted", detail: "tfy stopped starting new operations after the interrupt; the ones already running finished and the state records everything that exists. Run the same command again to finish."))
        }
        if !diagnostics.isEmpty { _ = fail(diagnostics) }
        let state = await recorder.state
        if options.json {
            context.out(JSONValue.object(["type": .string("change_summary"), "@level": .string("info"),
                                          "changes": .object(["add": .int(result.added), "change": .int(result.changed), "remove": .int(result.destroyed), "operation": .string(destroy ? "destroy" : "apply")]),
                                          "@message": .string(summary(result, destroy: destroy))]).compact() + "\n")
        } else {
            context.out("\n" + (diagnostics.hasErrors ? "" : summary(result, destroy: destroy) + "\n"))
            let outputs = state.outputs.keys.sorted()
            if !outputs.isEmpty, !destroy, !diagnostics.hasErrors {
                context.out("\nOutputs:\n\n")
                for name in outputs { context.out("\(name) = \(OutputCommand.render(state.outputs[name]!))\n") }
            }
            if let statistics = engine?.ec2.statistics { context.out("\n\(statistics.summary)\n") }
        }
        return diagnostics.hasErrors ? 1 : 0
    }

    /// The state could not be persisted: keep it in `errored.tfstate` so nothing is lost.
    func saveErrored(_ state: State, backend: any StateStorage, error: any Error) -> Diagnostic {
        // An earlier errored.tfstate not pushed yet is kept: this one takes the next free name.
        let path = LocalStateStore.unusedPath { context.path($0 == 0 ? "errored.tfstate" : "errored-\($0).tfstate") }
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

    func summary(_ result: ApplyResult, destroy: Bool) -> String {
        destroy ? "Destroy complete! Resources: \(result.destroyed) destroyed."
            : "Apply complete! Resources: \(result.added) added, \(result.changed) changed, \(result.destroyed) destroyed."
    }
}

/// Prints apply progress as Terraform does, or as JSON lines.
final class ProgressReporter: @unchecked Sendable {
    let context: CommandContext
    let json: Bool
    private let lock = NSLock()

    init(context: CommandContext, json: Bool) {
        self.context = context
        self.json = json
    }

    /// A line of its own, not tied to an operation.
    func log(_ message: String) {
        lock.withLock {
            if json {
                context.out(JSONValue.object(["@level": .string("info"), "@message": .string(message), "type": .string("log")]).compact() + "\n")
            } else {
                context.out(message + "\n")
            }
        }
    }

    func report(_ event: ApplyEvent) {
        let (message, type): (String?, String) = {
            switch event {
            case .started(let a, let op): return ("\(a): \(op.rawValue)...", "apply_start")
            case .stillRunning(let a, let op, let s):
                return ("\(a): Still \(op == .create ? "creating" : op == .update ? "modifying" : "destroying")... [\(s)s elapsed]", "apply_progress")
            case .completed(let a, let op, let s, let id):
                let noun = op == .create ? "Creation" : op == .update ? "Modifications" : "Destruction"
                return ("\(a): \(noun) complete after \(s)s" + (id.map { " [id=\($0)]" } ?? ""), "apply_complete")
            case .failed(let a, let op, _): return ("\(a): \(op == .create ? "Creation" : op == .update ? "Modification" : "Destruction") errored", "apply_errored")
            case .skipped: return (nil, "apply_skipped")
            case .output(let a, let line): return ("\(a) (remote-exec): \(line)", "provision_progress")
            }
        }()
        guard let message else { return }
        lock.withLock {
            if json {
                context.out(JSONValue.object(["@level": .string("info"), "@message": .string(message), "type": .string(type)]).compact() + "\n")
            } else {
                context.out(message + "\n")
            }
        }
    }
}

/// First Ctrl-C (or SIGTERM): stop starting operations, let running ones finish, save state.
/// Second: exit at once (the state already records every object that exists).
final class InterruptHandler: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var sources: [DispatchSourceSignal] = []

    init(context: CommandContext) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let n = self.lock.withLock { self.count += 1; return self.count }
                if n == 1 {
                    context.err("\nInterrupt received.\nPlease wait for tfy to exit or data loss may occur.\nGracefully shutting down...\n")
                } else {
                    context.err("\nTwo interrupts received. Exiting immediately; the state records what exists.\n")
                    exit(1)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    var isInterrupted: Bool { lock.withLock { count > 0 } }

    deinit { uninstall() }

    func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
