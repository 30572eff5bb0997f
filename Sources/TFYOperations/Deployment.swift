import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

/// The steps plan, apply, destroy and refresh share: configuration, variables, the locked state,
/// the EC2 client when one is needed, refresh, and the plan.
package struct Deployment {
    package var directory: String
    package var inputs: [VariableInput]
    package var statePath: String?
    package var options: PlanOptions
    package var refreshOnly = false
    package var lockOperation: String
    package var lockTimeout: Double = 0
    package var useLock = true
    /// `-backend-config KEY=VALUE` settings.
    package var backendSettings: [String] = []
    /// The plan will be saved (`plan -out`): a stack key made by this run is kept beside the
    /// state when the plan holds sensitive values, so its apply digests with the same key.
    package var savesPlan = false
    /// `plan -generate-config-out=FILE`: where to write the resource blocks of `import` blocks
    /// whose `to` the configuration lacks.
    package var generateConfigOut: String?

    package init(directory: String, inputs: [VariableInput], statePath: String?, options: PlanOptions, refreshOnly: Bool = false,
                 lockOperation: String, lockTimeout: Double = 0, useLock: Bool = true, backendSettings: [String] = []) {
        self.directory = directory
        self.inputs = inputs
        self.statePath = statePath
        self.options = options
        self.refreshOnly = refreshOnly
        self.lockOperation = lockOperation
        self.lockTimeout = lockTimeout
        self.useLock = useLock
        self.backendSettings = backendSettings
    }

    /// Everything prepared for a run; holds the state lock until released.
    package final class Session: @unchecked Sendable {
        package var configuration: Configuration
        package var variables: [String: Value]
        package var locations: [String: SourceLocation]
        package var store: any StateStorage
        package var knownHostsPath: String
        package var lock: (any HeldStateLock)?
        /// The state as read (nil: none yet), and as refreshed.
        package var prior: State?
        package var refreshed: State?
        package var drift: [PlannedChange] = []
        /// Live objects of this stack the state does not track, found by refresh.
        package var untracked: [UntrackedObject] = []
        /// The data sources read for this run's plan (`readDataSources`).
        package var dataResults = DataResults()
        /// The objects the configuration's `import` blocks name, read for the plan.
        package var imported: [UntrackedObject] = []
        package var engine: EngineContext?
        package var statistics = CallStatistics()
        package var sources: SourceFiles
        /// The key digests of sensitive values are made with (`SensitiveDigest`): the one kept
        /// beside the state, or, when none is kept yet, one made by this run and kept by its
        /// first write (`keepStackKey`).
        package var stackKey = StackKey.generate()
        package var stackKeyIsNew = false

        init(configuration: Configuration, variables: [String: Value], locations: [String: SourceLocation], backend: Backend, sources: SourceFiles) {
            self.configuration = configuration
            self.variables = variables
            self.locations = locations
            self.store = backend.storage
            self.knownHostsPath = backend.knownHostsPath
            self.sources = sources
        }

        /// Lets the state lock go; an error when it could not be removed.
        package func release() async -> Diagnostics {
            guard let held = lock else { return Diagnostics() }
            lock = nil
            do {
                try await held.unlock()
                return Diagnostics()
            } catch {
                return Diagnostics([error.diagnostic])
            }
        }

        package func planRequest(files: FileReader, options: PlanOptions) -> PlanRequest {
            var request = PlanRequest(configuration: configuration, variables: variables, prior: refreshed ?? prior, options: options, files: files)
            request.variableLocations = locations
            request.drift = drift
            request.untracked = untracked
            request.imported = imported
            request.stackKey = stackKey
            request.dataResults = dataResults
            return request
        }

        /// Keeps a stack key this run made beside the state, before the first write that
        /// digests with it (the state's, or a saved plan's).
        package func keepStackKey() async throws(StateError) {
            guard stackKeyIsNew else { return }
            let kept = try await store.writeStackKey(stackKey, replacing: false)
            guard kept == stackKey else {
                throw StateError(path: store.stackKeyLocation, message: "another run kept a stack key there while this one ran, so this run's digests would not match it. Run the command again", operation: .write)
            }
            stackKeyIsNew = false
        }
    }

    /// Loads, resolves and locks; nil with the errors when it cannot (and the configuration's
    /// sources, for showing the lines the errors point at).
    package func prepare(context: OperationEnvironment, log: @escaping @Sendable (String) -> Void) async -> (Session?, Diagnostics, SourceFiles) {
        let path = context.path(directory)
        let (loaded, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: path, displayDirectory: directory)
        var diagnostics = loadDiagnostics
        let sources = loaded?.sources ?? [:]
        guard let configuration = loaded, !loadDiagnostics.hasErrors else { return (nil, diagnostics, sources) }
        let (variables, locations, variableDiagnostics) = VariableResolver(missingRequired: .error).resolve(configuration, inputs: inputs)
        diagnostics.append(contentsOf: variableDiagnostics)
        guard !diagnostics.hasErrors else { return (nil, diagnostics, sources) }
        // Mistakes in the configuration (a port of 1e30) are reported before the state is locked
        // or AWS is asked anything, as Terraform validates before it refreshes: an unreachable
        // endpoint must not hide them behind "Failed to refresh".
        let files = FileReader(currentDirectory: context.workingDirectory)
        diagnostics.append(contentsOf: ConfigurationEvaluator(files: files).evaluate(configuration, variables: variables, variableLocations: locations).1.errors)
        guard !diagnostics.hasErrors else { return (nil, diagnostics, sources) }
        let statistics = CallStatistics()
        let (resolved, backendDiagnostics) = Backend.resolve(configuration, statePath: statePath, overrides: backendSettings, context: context, statistics: statistics, log: log)
        diagnostics.append(contentsOf: backendDiagnostics)
        guard let backend = resolved else { return (nil, diagnostics, sources) }
        if !backend.isLocal, FileManager.default.fileExists(atPath: backend.defaultLocalPath) {
            diagnostics.append(.warning("Local state file not used", detail: "The configuration keeps its state in \(backend.storage.location), so tfy does not read the local file \(backend.defaultLocalPath). If that file holds state you still need, move it with: tfy state migrate (see docs/backend.md)."))
        }
        let session = Session(configuration: configuration, variables: variables, locations: locations, backend: backend, sources: configuration.sources)
        session.statistics = statistics
        if useLock {
            do {
                session.lock = try await backend.storage.lock(operation: lockOperation, timeout: lockTimeout)
                if let notice = session.lock?.notice { log(notice) }
            } catch {
                diagnostics.append(error.diagnostic)
                return (nil, diagnostics, sources)
            }
        }
        do {
            session.prior = try await session.store.read()
        } catch {
            diagnostics.append(contentsOf: await session.release())
            diagnostics.append(error.diagnostic)
            return (nil, diagnostics, sources)
        }
        do {
            if let kept = try await session.store.readStackKey() { session.stackKey = kept } else { session.stackKeyIsNew = true }
        } catch {
            diagnostics.append(contentsOf: await session.release())
            diagnostics.append(error.diagnostic)
            return (nil, diagnostics, sources)
        }
        session.prior?.stackKey = session.stackKey
        if session.stackKeyIsNew, let prior = session.prior, prior.holdsKeyedDigests {
            diagnostics.append(Self.stackKeyMissing(session.store.stackKeyLocation))
        }
        if let recorded = session.prior?.stack, recorded != configuration.stack {
            diagnostics.append(contentsOf: await session.release())
            diagnostics.append(Self.anotherStacksState(session.store.location, recorded: recorded, directory: directory, stack: configuration.stack))
            return (nil, diagnostics, sources)
        }
        return (session, diagnostics, sources)
    }

    /// The state holds digests made with a stack key that is not where it is kept. Planned as a
    /// lost secret would be: the values cannot be compared, so they show as changed, and the
    /// next apply stores them under a new key.
    package static func stackKeyMissing(_ location: String) -> Diagnostic {
        .warning("Stack key not found",
                 detail: "The state holds digests of sensitive values, but the stack key they were made with is not at \(location), so tfy cannot tell whether those values changed: it plans each of them as changed, and the next apply stores them under a new key. If you have the key (on another machine, in a backup), put it back at \(location) before you apply.")
    }

    /// A state that records another stack than the configuration's: refused before any call.
    package static func anotherStacksState(_ location: String, recorded: String, directory: String, stack: String) -> Diagnostic {
        .error("State belongs to another stack",
               detail: "The state file \(location) records stack \(Value.quoted(recorded)), but the configuration in \(directory) is stack \(Value.quoted(stack)). tfy never uses one stack's state with another stack's configuration, so it stopped before reading or changing anything in EC2. Use stack \(Value.quoted(stack))'s own state file, or run this from stack \(Value.quoted(recorded))'s configuration.")
    }

    /// Objects the state records that are tagged for another stack: the run stops before it
    /// changes anything.
    static func anotherStacksObjects(_ foreign: [Refresher.ForeignObject], location: String, stack: String) -> Diagnostic {
        let owners = Array(Set(foreign.map(\.stack))).sorted()
        let listed = foreign.map { "\($0.address) (\($0.id))" }.joined(separator: ", ")
        return .error("The state holds another stack's objects",
                      detail: "The state file \(location) is used with stack \(Value.quoted(stack)), but the objects it records are tagged \(owners.map { "tfy:stack=\($0)" }.joined(separator: " or ")): \(listed). tfy never reads, changes or deletes another stack's objects, so it stopped before changing anything. Use stack \(Value.quoted(stack))'s own state file, or run this from stack \(owners.map(Value.quoted).joined(separator: " or "))'s configuration.")
    }

    /// The EC2 client, configured from the provider block and the environment.
    package static func engine(for session: Session, context: OperationEnvironment, log: @escaping @Sendable (String) -> Void) -> Result<EngineContext, Diagnostic> {
        engine(configuration: session.configuration, variables: session.variables, statistics: session.statistics,
               knownHostsPath: session.knownHostsPath, store: session.store, context: context, log: log)
    }

    /// The EC2 client for `configuration`'s provider block with these variable values.
    package static func engine(configuration: Configuration, variables: [String: Value], statistics: CallStatistics, knownHostsPath: String,
                               store: any StateStorage, context: OperationEnvironment, log: @escaping @Sendable (String) -> Void) -> Result<EngineContext, Diagnostic> {
        let evaluated = ConfigurationEvaluator().evaluate(configuration, variables: variables).0
        var scope = EvaluationScope()
        scope.variables = variables
        scope.locals = evaluated.locals
        let evaluator = Evaluator(scope: scope)
        func setting(_ name: String) -> Value? {
            guard let expression = configuration.providers["aws"]?.attributes[name]?.expression else { return nil }
            return try? evaluator.evaluate(expression).deepUnmarked
        }
        let provider = ProviderSettings(region: setting("region")?.stringValue, endpoint: setting("endpoint")?.stringValue,
                                        profile: setting("profile")?.stringValue, maxRetries: setting("max_retries")?.numberValue.flatMap(Value.wholeNumber))
        do {
            let aws = try AWSConfigurationResolver(environment: context.variables).resolve(provider)
            var ec2 = EC2Client(configuration: aws, statistics: statistics, log: log)
            if let base = Double(context.variables["TFY_RETRY_BASE"] ?? ""), base > 0 { ec2.retry.base = base }
            // Between 0 and an hour: the sleep converts it to nanoseconds, which traps beyond UInt64.
            let poll = Double(context.variables["TFY_POLL_INTERVAL"] ?? "").flatMap { (0.05...3600).contains($0) ? $0 : nil } ?? 2
            var engine = EngineContext(ec2: ec2, region: aws.region, stack: configuration.stack, pollInterval: poll)
            engine.ssh = SSHClient(knownHostsFile: knownHostsPath)
            engine.workingDirectory = context.workingDirectory
            engine.keys = store as? any KeyEscrow
            engine.sensitiveValues = variables.keys.sorted().flatMap { variables[$0]!.sensitiveStrings }
            if let grace = Double(context.variables["TFY_VISIBILITY_GRACE"] ?? ""), grace >= 0 { engine.visibilityGrace = grace }
            if let timeout = Double(context.variables["TFY_TIMEOUT"] ?? ""), timeout.isFinite, timeout >= 0 {
                engine.timeouts.create = timeout
                engine.timeouts.update = timeout
                engine.timeouts.delete = timeout
            }
            return .success(engine)
        } catch {
            return .failure(.error(error.summary, detail: error.detail))
        }
    }

    /// Host keys are pinned per stack in a file beside its state: `state/NAME.known_hosts`.
    package static func knownHostsPath(statePath: String) -> String {
        (statePath.hasSuffix(".tfstate") ? String(statePath.dropLast(".tfstate".count)) : statePath) + ".known_hosts"
    }

    /// Reads the objects the configuration's `import` blocks name (with or without refresh, as
    /// Terraform does); errors located at the blocks.
    package static func readImports(_ session: Session, context: OperationEnvironment, log: @escaping @Sendable (String) -> Void) async -> Diagnostics {
        guard !session.configuration.imports.isEmpty else { return Diagnostics() }
        if session.engine == nil {
            switch engine(for: session, context: context, log: log) {
            case .success(let engine): session.engine = engine
            case .failure(let diagnostic): return Diagnostics([diagnostic])
            }
        }
        let (objects, problems) = await ImportReader(context: session.engine!).read(session.configuration.imports, state: session.refreshed ?? session.prior)
        session.imported = objects
        return Diagnostics(problems)
    }

    /// Reads every tracked object live, and finds the stack's untracked objects by their tags
    /// (when the state or the configuration has anything to read: an empty or lost state still
    /// looks, so it adopts instead of launching everything again).
    package static func refresh(_ session: Session, context: OperationEnvironment, log: @escaping @Sendable (String) -> Void,
                                progress: @Sendable (Refresher.Progress) -> Void = { _ in }) async -> Diagnostics {
        let configuredTypes = Set(session.configuration.resources.map(\.type))
        let tagged = configuredTypes.contains { ResourceRegistry.standard[$0]?.carriesOwnershipTags == true }
        guard !(session.prior?.isEmpty ?? true) || tagged else { return Diagnostics() }
        if session.engine == nil {
            switch engine(for: session, context: context, log: log) {
            case .success(let engine): session.engine = engine
            case .failure(let diagnostic): return Diagnostics([diagnostic])
            }
        }
        do {
            let result = try await Refresher(context: session.engine!).refresh(session.prior ?? State(lineage: ""), configuredTypes: configuredTypes, progress: progress)
            guard result.foreign.isEmpty else {
                return Diagnostics([anotherStacksObjects(result.foreign, location: session.store.location, stack: session.configuration.stack)])
            }
            // With no state yet there is nothing refreshed to record; what was found is untracked.
            if session.prior != nil { session.refreshed = result.state }
            session.drift = result.drift
            session.untracked = result.untracked
            return Diagnostics()
        } catch {
            return Diagnostics([.error("Failed to refresh", detail: "\(error)")])
        }
    }
}

