import Foundation
import TFYAWS
import TFYConfig
import TFYCore
import TFYState

/// Where a stack's state lives, as the backend block and `-backend-config` say.
package struct Backend {
    package var storage: any StateStorage
    /// Host keys stay on the machine that met them: `state/STACK.known_hosts` beside the local state.
    package var knownHostsPath: String
    /// The local file the state would be in without a backend block (to warn when it is left behind).
    package var defaultLocalPath: String

    package var isLocal: Bool { storage is LocalStateStore }

    /// The backend of `configuration` (the local file when it has no backend block).
    /// `statePath` is `-state`, which only the local backend takes.
    package static func resolve(_ configuration: Configuration, statePath: String?, overrides: [String], context: OperationEnvironment,
                                statistics: CallStatistics = CallStatistics(), log: @escaping @Sendable (String) -> Void) -> (Backend?, Diagnostics) {
        // Beside the configuration, wherever tfy runs from: `tfy apply big` from the parent and
        // `tfy apply` inside big use one state.
        let configurationDirectory = URL(fileURLWithPath: configuration.directory).standardizedFileURL.path
        let defaultPath = LocalStateStore.defaultPath(stack: configuration.stack, configurationDirectory: configurationDirectory)
        let knownHosts = Deployment.knownHostsPath(statePath: defaultPath)
        let (settings, diagnostics) = Self.settings(configuration, overrides: overrides, workingDirectory: context.workingDirectory)
        guard !diagnostics.hasErrors else { return (nil, diagnostics) }
        let type = configuration.backend?.type ?? "local"
        if type == "local" {
            // `-state` is a command-line path (relative to the working directory); the backend
            // block's `path` is written in the configuration (relative to it).
            let configured = settings["path"]?.stringValue.map { OperationEnvironment(variables: [:], workingDirectory: configurationDirectory).path($0) }
            let path = statePath.map(context.path) ?? configured ?? defaultPath
            if statePath == nil, configured == nil, let left = leftBehindState(stack: configuration.stack, defaultPath: defaultPath, context: context) {
                return (nil, Diagnostics([left]))
            }
            return (Backend(storage: LocalStateStore(path: path), knownHostsPath: Deployment.knownHostsPath(statePath: path), defaultLocalPath: defaultPath), diagnostics)
        }
        func missing(_ name: String) -> Diagnostics {
            Diagnostics([.error("Missing backend setting", detail: "The S3 backend needs \"\(name)\": set it in the backend block (\(configuration.backend!.body.location)) or with -backend-config \(name)=VALUE.")])
        }
        guard let bucket = settings["bucket"]?.stringValue, !bucket.isEmpty else { return (nil, missing("bucket")) }
        guard let key = settings["key"]?.stringValue, !key.isEmpty else { return (nil, missing("key")) }
        if statePath != nil {
            return (nil, Diagnostics([.error("-state cannot be used with the S3 backend", detail: "This configuration keeps its state in s3://\(bucket)/\(key); -state names a local file. To move the state between them, use tfy state migrate.")]))
        }
        let provider = ProviderSettings(region: settings["region"]?.stringValue, endpoint: settings["endpoint"]?.stringValue, profile: settings["profile"]?.stringValue)
        let aws: AWSConfiguration
        do {
            aws = try AWSConfigurationResolver(environment: context.variables).resolve(provider, service: "s3")
        } catch {
            return (nil, Diagnostics([.error(error.summary, detail: "For the S3 backend: " + error.detail)]))
        }
        var client = S3Client(configuration: aws, statistics: statistics, log: log)
        if let base = Double(context.variables["TFY_RETRY_BASE"] ?? ""), base > 0 { client.retry.base = base }
        let store = S3StateStore(client: client, bucket: bucket, key: key, encrypt: settings["encrypt"]?.boolValue ?? false,
                                 useLockfile: settings["use_lockfile"]?.boolValue ?? true)
        return (Backend(storage: store, knownHostsPath: knownHosts, defaultLocalPath: defaultPath), diagnostics)
    }

    /// Earlier versions of tfy kept the default state under the working directory. When the state is not
    /// beside the configuration but a file for the stack is there, planning without it would
    /// launch the cluster again: stop and say how to move it.
    static func leftBehindState(stack: String, defaultPath: String, context: OperationEnvironment) -> Diagnostic? {
        let old = LocalStateStore.defaultPath(stack: stack, configurationDirectory: URL(fileURLWithPath: context.workingDirectory).standardizedFileURL.path)
        let manager = FileManager.default
        guard old != defaultPath, manager.fileExists(atPath: old), !manager.fileExists(atPath: defaultPath) else { return nil }
        let oldShown = relative(old, to: context.workingDirectory), newShown = relative(defaultPath, to: context.workingDirectory)
        return .error("State file outside the configuration directory",
                      detail: "A stack's default state is \(newShown), beside its configuration, and there is none there; but \(oldShown) exists, where earlier versions of tfy kept it when run from this directory. Planning without it would create again everything it records. Move it (and its .backup and .known_hosts files) beside the configuration:\n    mkdir -p \((newShown as NSString).deletingLastPathComponent) && mv \(oldShown) \(newShown)\nor name it with -state \(oldShown).")
    }

    /// `path` relative to `directory` when it is under it, otherwise as it is.
    package static func relative(_ path: String, to directory: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// The backend block's settings, evaluated (they may not refer to anything), with the
    /// command line's `-backend-config` on top: `KEY=VALUE`, or a file of settings (a YAML
    /// mapping, relative to `workingDirectory`), applied in order.
    package static func settings(_ configuration: Configuration, overrides: [String], workingDirectory: String = "/") -> ([String: Value], Diagnostics) {
        var diagnostics = Diagnostics()
        var settings: [String: Value] = [:]
        guard let backend = configuration.backend else {
            if !overrides.isEmpty {
                diagnostics.append(.error("No backend block", detail: "-backend-config sets a setting of the configuration's backend block, and this configuration has none. Add one, e.g. backend: {s3: {}}, and give its settings with -backend-config."))
            }
            return (settings, diagnostics)
        }
        let schema = Schemas.backends[backend.type]!
        var locations: [String: SourceLocation] = [:]
        let evaluator = Evaluator(scope: EvaluationScope())
        for (name, attribute) in backend.body.attributes.sorted(by: { $0.key < $1.key }) {
            locations[name] = attribute.keyLocation
            if let reference = attribute.expression.references.first {
                diagnostics.append(.error("Variables not allowed", detail: "The backend is set up before variables, locals and resources are known, so its settings must be literal values. Give \(Value.quoted(name)) with -backend-config \(name)=VALUE instead.", at: reference.location))
                continue
            }
            do {
                settings[name] = try evaluator.evaluate(attribute.expression).deepUnmarked
            } catch let error as EvaluationError {
                diagnostics.append(error.diagnostic)
            } catch {
                diagnostics.append(.error("Invalid backend setting", detail: "\(error)", at: attribute.keyLocation))
            }
        }
        func known(_ name: String, at location: SourceLocation?) -> Attribute? {
            guard let attribute = schema.attributes[name] else {
                diagnostics.append(.error("Invalid -backend-config", detail: "The \(backend.type) backend has no setting \(Value.quoted(name)).\(Suggestion.didYouMean(name, among: schema.attributes.keys))", at: location))
                return nil
            }
            return attribute
        }
        for setting in overrides {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                let path = setting.hasPrefix("/") ? setting : (workingDirectory as NSString).appendingPathComponent(setting)
                guard FileManager.default.fileExists(atPath: path) else {
                    diagnostics.append(.error("Invalid -backend-config", detail: "\(Value.quoted(setting)) is neither KEY=VALUE nor a file of settings."))
                    continue
                }
                // A file of settings reads as a variable file does: a mapping of names to values.
                let (entries, fileDiagnostics, _) = VariableInput.fromFile(path: setting, resolvedPath: path)
                diagnostics.append(contentsOf: fileDiagnostics)
                for entry in entries {
                    guard case .value(let value, let location) = entry.raw, known(entry.name, at: location) != nil else { continue }
                    settings[entry.name] = value
                    locations[entry.name] = location
                }
                continue
            }
            let name = String(setting[..<equals]), text = String(setting[setting.index(after: equals)...])
            guard let attribute = known(name, at: nil) else { continue }
            locations[name] = nil
            if attribute.type == .bool {
                guard text == "true" || text == "false" else {
                    diagnostics.append(.error("Invalid -backend-config", detail: "\(name) must be true or false, not \(Value.quoted(text))."))
                    continue
                }
                settings[name] = .bool(text == "true")
            } else {
                settings[name] = .string(text)
            }
        }
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            let wanted = schema.attributes[name]?.type
            let fits = wanted == .bool ? value.boolValue != nil : value.stringValue != nil
            if !fits {
                diagnostics.append(.error("Invalid backend setting", detail: "\(name) must be \(wanted == .bool ? "true or false" : "a string"), not \(value.description).", at: locations[name]))
            }
        }
        return (settings, diagnostics)
    }
}
