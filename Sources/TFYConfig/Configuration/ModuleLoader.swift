import Foundation
import TFYCore

/// Loads the modules a configuration calls from their local directories, each with the same
/// loader as the root module, and checks each call's arguments against the module's variables.
///
/// A directory is read once however often it is called; a module that calls itself, directly or
/// through others, is an error at the call's `source`, not an endless load.
struct ModuleLoader {
    let loader: ConfigurationLoader
    var diagnostics = Diagnostics()
    /// True when a module file could not be parsed as YAML: like the root module's files, the
    /// error is then reported alone.
    var unparsed = false
    /// Modules already loaded, by directory identity.
    private var loaded: [String: Configuration?] = [:]

    init(loader: ConfigurationLoader) { self.loader = loader }

    /// The directory's resolved path: one directory reached by two relative paths, or through a
    /// symbolic link, is one module.
    static func identity(of directory: String) -> String {
        URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// `base` joined with a relative `path`, `.` and `..` steps resolved as far as the text
    /// allows: the path diagnostics name a module's files by.
    static func join(_ base: String, _ path: String) -> String {
        var parts: [Substring] = base == "." || base.isEmpty ? [] : base.split(separator: "/", omittingEmptySubsequences: false)
        let absolute = base.hasPrefix("/")
        if absolute { parts.removeFirst() }
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Loads every module `configuration` calls, and theirs in turn. `ancestors` are the
    /// identities of the modules being loaded (the root first), `callers` their paths as shown.
    mutating func loadCalls(of configuration: inout Configuration, directory: String, shown: String, ancestors: [String], callers: [String], callPath: String = "") {
        for name in configuration.moduleCalls.keys.sorted() {
            guard var call = configuration.moduleCalls[name], !call.source.isEmpty else { continue }
            let address = callPath + call.address
            let path = directory + "/" + call.source
            let display = Self.join(shown, call.source)
            let identity = Self.identity(of: path)
            if let first = ancestors.firstIndex(of: identity) {
                let chain = (callers[first...] + [display]).map { Value.quoted($0) }.joined(separator: " → ")
                diagnostics.append(.error("Recursive module call", detail: "\(address) calls the module in \(Value.quoted(display)), which is already being called: \(chain). A module cannot call itself, directly or through other modules.", at: call.sourceLocation, address: address))
                continue
            }
            guard let module = load(path: path, display: display, identity: identity, call: call, address: address, ancestors: ancestors, callers: callers) else { continue }
            checkArguments(call, against: module)
            call.module = module
            for (file, source) in module.sources { configuration.sources[file] = source }
            configuration.moduleCalls[name] = call
        }
    }

    private mutating func load(path: String, display: String, identity: String, call: ModuleCall, address: String, ancestors: [String], callers: [String]) -> Configuration? {
        if let done = loaded[identity] { return done }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            diagnostics.append(.error("Unreadable module directory", detail: "\(call.address) calls the module in \(Value.quoted(display)), but there is no directory there. A module's source is a directory relative to the calling module's own.", at: call.sourceLocation, address: call.address))
            loaded[identity] = .some(nil)
            return nil
        }
        let (read, more) = loader.read(directory: path, shown: display, isModule: true)
        // A directory with no configuration files is named at the call, not as a stray error.
        if read == nil {
            diagnostics.append(.error("No configuration files", detail: "The module directory \(Value.quoted(display)) that \(call.address) calls contains no *.yml or *.yaml files.", at: call.sourceLocation, address: call.address))
            loaded[identity] = .some(nil)
            return nil
        }
        diagnostics.append(contentsOf: more)
        guard var module = read, module.isParsed else {
            unparsed = true
            loaded[identity] = .some(nil)
            return nil
        }
        loadCalls(of: &module, directory: path, shown: display, ancestors: ancestors + [identity], callers: callers + [display], callPath: address + ".")
        loaded[identity] = module
        return module
    }

    /// Every argument names a variable of the module, and every variable without a default has
    /// an argument: Terraform's `Unsupported argument` and `Missing required argument`.
    private mutating func checkArguments(_ call: ModuleCall, against module: Configuration) {
        for name in call.arguments.keys.sorted() where module.variables[name] == nil {
            diagnostics.append(.error("Unsupported argument", detail: "An argument named \(Value.quoted(name)) is not expected here: the module in \(Value.quoted(call.source)) declares no variable \(Value.quoted(name)).\(Suggestion.didYouMean(name, among: module.variables.keys))", at: call.arguments[name]!.keyLocation, address: call.address))
        }
        for name in module.variables.keys.sorted() where module.variables[name]!.isRequired && call.arguments[name] == nil {
            diagnostics.append(SchemaConformance.missingArgument(name, at: call.location, address: call.address))
        }
    }
}

extension ConfigurationDecoder {
    /// `module: {NAME: {source, count or for_each, depends_on, INPUT...}}`; the module itself is loaded
    /// once the whole configuration is decoded (`ModuleLoader`).
    mutating func decodeModules(_ node: YAMLNode) {
        guard let pairs = mapping(node, "module block") else { return }
        for pair in pairs {
            guard let name = validName(pair.key, "module"), define("module", name, at: pair.key.start) else { continue }
            var call = ModuleCall(name: name, location: pair.key.start, source: "", sourceLocation: pair.key.start)
            guard let body = mapping(pair.value, "module block") else { continue }
            var hasSource = false
            var forEachKey: SourceLocation?
            for item in body {
                let key = item.key.scalar?.text ?? ""
                switch key {
                case "source":
                    hasSource = true
                    decodeModuleSource(item.value, into: &call)
                case "count":
                    call.count = expression(item.value)
                case "for_each":
                    call.forEach = expression(item.value)
                    forEachKey = item.key.start
                case "depends_on":
                    call.dependsOn = decodeDependsOn(item.value)
                case "providers", "version":
                    error("Unsupported argument", "\(Value.quoted(key)) is not supported on module calls by tfy yet.", at: item.key.start, address: call.address)
                default:
                    call.arguments[key] = AttributeExpression(expression: expression(item.value), keyLocation: item.key.start)
                }
            }
            if !hasSource { diagnostics.append(SchemaConformance.missingArgument("source", at: pair.key.start, address: call.address)) }
            // Terraform's words, "resources" included, on a module call too.
            if call.count != nil, let forEachKey {
                error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.", at: forEachKey, address: call.address)
            }
            configuration.moduleCalls[name] = call
        }
    }

    /// A source is a literal local path: the module is read before anything is evaluated, and
    /// tfy installs nothing from registries or repositories.
    mutating func decodeModuleSource(_ node: YAMLNode, into call: inout ModuleCall) {
        guard let scalar = node.scalar, case .string(let text) = YAMLNode.resolve(scalar), !ExpressionParser.containsTemplate(text) else {
            error("Invalid module source", "\"source\" must be a literal path, such as ./modules/node: a module is loaded before any expression is evaluated.", at: node.start, address: call.address)
            return
        }
        guard text.hasPrefix("./") || text.hasPrefix("../") else {
            error("Unsupported module source", "tfy loads modules from local directories only: a source is a path that starts with \"./\" or \"../\", relative to the calling module's directory, not \(Value.quoted(text)). Registry and remote sources are not supported.", at: node.start, address: call.address)
            return
        }
        call.source = text
        call.sourceLocation = node.start
    }

    /// `stack`, `backend` and `provider` belong to the root module: one stack has one state and
    /// one set of providers, which every module it calls inherits. `data` blocks are read in the
    /// root module only (the reads happen before evaluation, per configuration, not per module
    /// instance).
    mutating func rootOnlyBlock(_ key: String, at location: SourceLocation) {
        switch key {
        case "stack":
            error("Stack name in a module", "The root module names the stack; a module it calls cannot name another. Remove \"stack\" from the module.", at: location)
        case "moved", "import":
            error(key == "moved" ? "Moved block in a module" : "Import block in a module", "tfy reads \(Value.quoted(key)) blocks in the root module only; write this one there, with the resource's full address (module.NAME.TYPE.NAME).", at: location)
        case "data":
            error("Data source in a module", "tfy reads data sources in the root module only. Look the value up in the root module and pass it to the module as an input variable.", at: location)
        case "backend":
            error("Backend configuration in a module", "A backend stores the state of the whole configuration, so only the root module configures one. Remove this block from the module.", at: location)
        default:
            error("Provider configuration in a module", "A module uses the provider configurations of the root module, which every module inherits. Configure the provider in the root module and remove this block from the module.", at: location)
        }
    }
}
