import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

/// The steps plan, apply, destroy and refresh share: configuration, variables, the locked state,
/// the EC2 client when one is needed, refresh, and the plan.
struct Deployment {
    var directory: String
    var inputs: [VariableInput]
    var statePath: String?
    var options: PlanOptions
    var refreshOnly = false
    var lockOperation: String
    var lockTimeout: Double = 0
    var useLock = true
    /// `-backend-config KEY=VALUE` settings.
    var backendSettings: [String] = []

    /// Everything prepared for a run; holds the state lock until released.
    final class Session: @unchecked Sendable {
        var configuration: Configuration
        var variables: [String: Value]
        var locations: [String: SourceLocation]
        var store: any StateStorage
        var knownHostsPath: String
        var lock: (any HeldStateLock)?
        /// The state as read (nil: none yet), and as refreshed.
        var prior: State?
        var refreshed: State?
        var drift: [PlannedChange] = []
        var engine: EngineContext?
        var statistics = CallStatistics()
        var sources: SourceFiles

        init(configuration: Configuration, variables: [String: Value], locations: [String: SourceLocation], backend: Backend, sources: SourceFiles) {
            self.configuration = configuration
            self.variables = variables
            self.locations = locations
            self.store = backend.storage
            self.knownHostsPath = backend.knownHostsPath
            self.sources = sources
        }

        /// Lets the state lock go; an error when it could not be removed.
        func release() async -> Diagnostics {
            guard let held = lock else { return Diagnostics() }
            lock = nil
            do {
                try await held.unlock()
                return Diagnostics()
            } catch {
                return Diagnostics([error.diagnostic])
            }
        }

        func planRequest(files: FileReader, options: PlanOptions) -> PlanRequest {
            var request = PlanRequest(configuration: configuration, variables: variables, prior: refreshed ?? prior, options: options, files: files)
            request.variableLocations = locations
            request.drift = drift
            return request
        }
    }

    /// Loads, resolves and locks; nil with the errors when it cannot (and the configuration's
    /// sources, for showing the lines the errors point at).
    func prepare(context: CommandContext) async -> (Session?, Diagnostics, SourceFiles) {
        let path = context.path(directory)
        let (loaded, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard).load(directory: path, displayDirectory: directory)
        var diagnostics = loadDiagnostics
        let sources = loaded?.sources ?? [:]
        guard let configuration = loaded, !loadDiagnostics.hasErrors else { return (nil, diagnostics, sources) }
        let (variables, locations, variableDiagnostics) = VariableResolver(missingRequired: .error).resolve(configuration, inputs: inputs)
        diagnostics.append(contentsOf: variableDiagnostics)
        guard !diagnostics.hasErrors else { return (nil, diagnostics, sources) }
        let statistics = CallStatistics()
        let (resolved, backendDiagnostics) = Backend.resolve(configuration, statePath: statePath, overrides: backendSettings, context: context, statistics: statistics)
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
        return (session, diagnostics, sources)
    }

    /// The EC2 client, configured from the provider block and the environment.
    static func engine(for session: Session, context: CommandContext, log: @escaping @Sendable (String) -> Void) -> Result<EngineContext, Diagnostic> {
        let evaluated = ConfigurationEvaluator().evaluate(session.configuration, variables: session.variables).0
        var scope = EvaluationScope()
        scope.variables = session.variables
        scope.locals = evaluated.locals
        let evaluator = Evaluator(scope: scope)
        func setting(_ name: String) -> Value? {
            guard let expression = session.configuration.providers["aws"]?.attributes[name]?.expression else { return nil }
            return try? evaluator.evaluate(expression).deepUnmarked
        }
        let provider = ProviderSettings(region: setting("region")?.stringValue, endpoint: setting("endpoint")?.stringValue,
                                        profile: setting("profile")?.stringValue, maxRetries: setting("max_retries")?.numberValue.map { Int($0) })
        do {
            let configuration = try AWSConfigurationResolver(environment: context.environment).resolve(provider)
            var ec2 = EC2Client(configuration: configuration, statistics: session.statistics, log: log)
            if let base = Double(context.environment["TFY_RETRY_BASE"] ?? ""), base > 0 { ec2.retry.base = base }
            let poll = Double(context.environment["TFY_POLL_INTERVAL"] ?? "") ?? 2
            var engine = EngineContext(ec2: ec2, region: configuration.region, stack: session.configuration.stack, pollInterval: poll)
            engine.ssh = SSHClient(knownHostsFile: session.knownHostsPath)
            engine.workingDirectory = context.workingDirectory
            engine.keys = session.store as? any KeyEscrow
            if let timeout = Double(context.environment["TFY_TIMEOUT"] ?? "") {
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
    static func knownHostsPath(statePath: String) -> String {
        (statePath.hasSuffix(".tfstate") ? String(statePath.dropLast(".tfstate".count)) : statePath) + ".known_hosts"
    }

    /// Reads every tracked object live (when there is anything to read).
    static func refresh(_ session: Session, context: CommandContext) async -> Diagnostics {
        guard let prior = session.prior, !prior.isEmpty else { return Diagnostics() }
        if session.engine == nil {
            switch engine(for: session, context: context, log: { context.err($0 + "\n") }) {
            case .success(let engine): session.engine = engine
            case .failure(let diagnostic): return Diagnostics([diagnostic])
            }
        }
        do {
            let result = try await Refresher(context: session.engine!).refresh(prior)
            session.refreshed = result.state
            session.drift = result.drift
            return Diagnostics()
        } catch {
            return Diagnostics([.error("Failed to refresh", detail: "\(error)")])
        }
    }
}

