import Foundation
import TFYCore

/// Reads every `*.yml`/`*.yaml` file of a directory but its variable files (`*.tfvars.yml`, see
/// `AutomaticVariableFiles`) and decodes the merged configuration, collecting every error with
/// its location.
public struct ConfigurationLoader: Sendable {
    /// The resource types a configuration may declare.
    public var resourceTypes: ResourceCatalog

    public init(resourceTypes: ResourceCatalog) { self.resourceTypes = resourceTypes }

    /// Top-level keys a configuration file may have.
    static let blockTypes = ["variable", "locals", "provider", "resource", "data", "module", "output", "stack", "backend", "moved", "import"]
    static let resourceMetaArguments: Set<String> = ["count", "for_each", "depends_on", "lifecycle"]

    /// Loads the directory at `directory`; diagnostics name its files under `displayDirectory`
    /// (the path as the user typed it).
    public func load(directory: String, displayDirectory: String? = nil) -> (Configuration?, Diagnostics) {
        let shown = displayDirectory ?? directory
        var (configuration, diagnostics) = read(directory: directory, shown: shown, isModule: false)
        if var root = configuration, root.isParsed {
            var loader = ModuleLoader(loader: self)
            loader.loadCalls(of: &root, directory: directory, shown: shown, ancestors: [ModuleLoader.identity(of: directory)], callers: [shown])
            diagnostics.append(contentsOf: loader.diagnostics)
            if loader.unparsed { root.isParsed = false }
            configuration = root
        }
        return (configuration, diagnostics)
    }

    /// Reads and decodes one directory's files: the root module's, or (`isModule`) a called one's.
    func read(directory: String, shown: String, isModule: Bool) -> (Configuration?, Diagnostics) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return (nil, Diagnostics([.error("Configuration directory not found", detail: "There is no directory at \(Value.quoted(shown)).")]))
        }
        let names = ((try? manager.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) && !$0.hasPrefix(".") && !AutomaticVariableFiles.isVariableFile($0) }
            .sorted()
        guard !names.isEmpty else {
            return (nil, Diagnostics([.error("No configuration files", detail: "The directory \(Value.quoted(shown)) contains no *.yml or *.yaml files.")]))
        }
        var files: [SourceFile] = []
        var diagnostics = Diagnostics()
        // A configuration file holds at most the YAML budget's text; a FIFO or device named *.yml
        // is refused instead of read forever.
        let limit = EvaluationBudget.standard.yamlBytes
        let reader = FileReader.commandFiles(limit: limit, currentDirectory: directory)
        for name in names {
            let display = Self.displayPath(directory: shown, name: name)
            switch reader.read(name) {
            case .success(let bytes):
                files.append(SourceFile(name: display, bytes: bytes))
            case .failure(let failure):
                diagnostics.append(.error("Cannot read configuration file", detail: "\(Value.quoted(display)) \(failure.reason(limit: limit)).", at: SourceLocation(file: display, line: 1, column: 1)))
            }
        }
        let stack = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let (configuration, more) = load(files: files, directory: directory, defaultStack: stack, isModule: isModule)
        diagnostics.append(contentsOf: more)
        return (configuration, diagnostics)
    }

    static func displayPath(directory: String, name: String) -> String {
        directory == "." || directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
    }

    /// Decodes already-read files as one configuration.
    public func load(files: [SourceFile], directory: String, defaultStack: String, isModule: Bool = false) -> (Configuration, Diagnostics) {
        var decoder = ConfigurationDecoder(configuration: Configuration(directory: directory, stack: defaultStack, resourceTypes: resourceTypes))
        decoder.isModule = isModule
        let parser = YAMLParser()
        var roots: [YAMLNode] = []
        for file in files {
            decoder.configuration.sources[file.name] = file
            let result = parser.parse(file)
            decoder.diagnostics.append(contentsOf: result.diagnostics)
            if result.isEmpty {
                decoder.diagnostics.append(.warning("Empty configuration file", detail: "\(Value.quoted(file.name)) holds no configuration.", at: SourceLocation(file: file.name, line: 1, column: 1)))
                continue
            }
            if let root = result.root { roots.append(root) } else if result.diagnostics.hasErrors { decoder.configuration.isParsed = false }
        }
        // A file that did not parse is reported alone: checking the other files without it would
        // report each reference to what it declares as a false "undeclared" error.
        guard decoder.configuration.isParsed else { return (decoder.configuration, decoder.diagnostics) }
        for root in roots { decoder.decodeFile(root) }
        decoder.finish()
        return (decoder.configuration, decoder.diagnostics)
    }
}

/// Turns YAML nodes into expressions, for configuration and for variable files alike.
enum YAMLExpressions {
    /// Literal scalars become values; strings with `${` are parsed; lists and mappings nest.
    static func expression(_ node: YAMLNode, diagnostics: inout Diagnostics) -> Expression {
        switch node.content {
        case .scalar(let scalar):
            let value = YAMLNode.resolve(scalar)
            guard case .string(let text) = value, ExpressionParser.containsTemplate(text) else { return .literal(value, node.start) }
            switch ExpressionParser.parseString(text, sourceMap: node.sourceMap) {
            case .success(let expression): return expression
            case .failure(let error):
                diagnostics.append(error.diagnostic)
                return .literal(.unknown, node.start)
            }
        case .sequence(let items):
            return .tuple(items.map { expression($0, diagnostics: &diagnostics) }, node.start)
        case .mapping(let pairs):
            return .object(pairs.map {
                Expression.ObjectEntry(key: .literal(.string($0.key.scalar?.text ?? ""), $0.key.start),
                                       value: expression($0.value, diagnostics: &diagnostics))
            }, node.start)
        }
    }

    /// The plain value of a node, with no expressions (variable files, defaults).
    static func literal(_ node: YAMLNode) -> Value { node.literalValue }
}

struct ConfigurationDecoder {
    var configuration: Configuration
    var diagnostics = Diagnostics()
    /// True for a called module's files: they may not name the stack, nor configure a backend or
    /// a provider, which belong to the root module.
    var isModule = false
    /// Where each named definition was first made, to report duplicates across files.
    var definitions: [String: SourceLocation] = [:]
    var stackLocation: SourceLocation?
    /// Unquoted strings that may be references written without `${}`, checked in `finish` once
    /// every variable, local value and resource is declared.
    var plainStrings: [(text: String, location: SourceLocation)] = []

    init(configuration: Configuration) { self.configuration = configuration }

    mutating func error(_ summary: String, _ detail: String, at location: SourceLocation, address: String? = nil) {
        diagnostics.append(.error(summary, detail: detail, at: location, address: address))
    }

    /// The pairs of a mapping node, or an error saying what was expected.
    mutating func mapping(_ node: YAMLNode, _ what: String) -> [YAMLNode.Pair]? {
        if let pairs = node.pairs { return pairs }
        if case .scalar(let s) = node.content, YAMLNode.resolve(s) == .null { return [] }
        error("Invalid \(what)", "\(what.prefix(1).uppercased() + what.dropFirst()) must be a mapping, not \(node.kindDescription).", at: node.start)
        return nil
    }

    mutating func define(_ kind: String, _ name: String, at location: SourceLocation) -> Bool {
        let key = "\(kind) \(name)"
        if let first = definitions[key] {
            error("Duplicate \(kind) declaration", "A \(kind) named \(Value.quoted(name)) was already declared at \(first). Each \(kind) name must be unique across the configuration's files.", at: location)
            return false
        }
        definitions[key] = location
        return true
    }

    mutating func validName(_ key: YAMLNode, _ kind: String) -> String? {
        let name = key.scalar?.text ?? ""
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, ExpressionParser.isIdentifierStart(first),
              scalars.allSatisfy(ExpressionParser.isIdentifierContinue) else {
            error("Invalid \(kind) name", "\(Value.quoted(name)) is not a valid \(kind) name: a name starts with a letter or underscore and contains only letters, digits, underscores and dashes.", at: key.start)
            return nil
        }
        return name
    }

    mutating func expression(_ node: YAMLNode) -> Expression {
        notePlainStrings(node)
        return YAMLExpressions.expression(node, diagnostics: &diagnostics)
    }

    mutating func notePlainStrings(_ node: YAMLNode) {
        switch node.content {
        case .scalar(let scalar):
            // Bytes, not Characters: this runs for every scalar of the configuration.
            guard scalar.style == .plain, scalar.tag == nil, scalar.text.utf8.contains(UInt8(ascii: ".")), !ExpressionParser.containsTemplate(scalar.text),
                  case .string(let text) = YAMLNode.resolve(scalar) else { return }
            plainStrings.append((text, node.start))
        case .sequence(let items):
            for item in items { notePlainStrings(item) }
        case .mapping(let pairs):
            for pair in pairs { notePlainStrings(pair.value) }
        }
    }

    mutating func decodeFile(_ root: YAMLNode) {
        guard let pairs = root.pairs else {
            error("Invalid configuration file", "The top level of a configuration file must be a mapping of blocks (\(ConfigurationLoader.blockTypes.joined(separator: ", "))), not \(root.kindDescription).", at: root.start)
            return
        }
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            switch key {
            case "variable": decodeVariables(pair.value)
            case "locals": decodeLocals(pair.value)
            case "provider" where isModule, "stack" where isModule, "backend" where isModule, "data" where isModule, "moved" where isModule, "import" where isModule: rootOnlyBlock(key, at: pair.key.start)
            case "provider": decodeProviders(pair.value)
            case "resource": decodeResources(pair.value)
            case "data": decodeDataSources(pair.value)
            case "module": decodeModules(pair.value)
            case "output": decodeOutputs(pair.value)
            case "stack": decodeStack(pair.value)
            case "backend": decodeBackend(pair.value)
            case "moved": decodeMoved(pair.value)
            case "import": decodeImports(pair.value)
            default:
                let owners = argumentOwners(key)
                let hint = owners.isEmpty ? Suggestion.didYouMean(key, among: ConfigurationLoader.blockTypes)
                    : " \(Value.quoted(key)) is an argument of \(Self.listed(owners)); is it indented too little?"
                error("Unsupported block type", "Blocks of type \(Value.quoted(key)) are not expected here.\(hint)", at: pair.key.start)
            }
        }
    }

    // MARK: stack, backend

    mutating func decodeStack(_ node: YAMLNode) {
        guard let scalar = node.scalar, case .string(let name) = YAMLNode.resolve(scalar), !name.isEmpty,
              name.unicodeScalars.allSatisfy({ ExpressionParser.isIdentifierContinue($0) || $0 == "." }) else {
            error("Invalid stack name", "\"stack\" must be a name of letters, digits, \"_\", \"-\" and \".\".", at: node.start)
            return
        }
        if let first = stackLocation {
            error("Duplicate stack name", "The stack name was already set at \(first).", at: node.start)
            return
        }
        stackLocation = node.start
        configuration.stack = name
    }

    mutating func decodeBackend(_ node: YAMLNode) {
        guard let pairs = mapping(node, "backend block") else { return }
        guard pairs.count == 1, let pair = pairs.first else {
            error("Invalid backend block", "\"backend\" must name exactly one backend type (s3 or local).", at: node.start)
            return
        }
        let type = pair.key.scalar?.text ?? ""
        guard let schema = Schemas.backends[type] else {
            error("Unsupported backend type", "There is no backend of type \(Value.quoted(type)).\(Suggestion.didYouMean(type, among: Schemas.backends.keys))", at: pair.key.start)
            return
        }
        if let previous = configuration.backend {
            error("Duplicate backend block", "A backend was already configured at \(previous.body.location).", at: pair.key.start)
            return
        }
        guard let body = decodeBody(pair.value, name: type, schema: schema, location: pair.key.start, what: "backend") else { return }
        configuration.backend = BackendBlock(type: type, body: body)
    }

    /// A block whose keys are attributes of `schema`, all checked.
    mutating func decodeBody(_ node: YAMLNode, name: String, schema: ObjectSchema, location: SourceLocation, what: String) -> BlockBody? {
        guard let pairs = mapping(node, "\(what) block") else { return nil }
        var attributes: [String: AttributeExpression] = [:]
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard let attribute = schema.attributes[key], attribute.isSettable else {
                diagnostics.append(SchemaConformance.unsupportedArgument(key, in: schema, at: pair.key.start, address: nil))
                continue
            }
            let value = expression(pair.value)
            SchemaConformance.checkShape(value, attribute.type, address: nil, into: &diagnostics)
            attributes[key] = AttributeExpression(expression: value, keyLocation: pair.key.start)
        }
        for required in schema.attributes.keys.sorted() where schema.attributes[required]!.presence == .required && attributes[required] == nil {
            diagnostics.append(SchemaConformance.missingArgument(required, at: location, address: nil))
        }
        return BlockBody(name: name, location: location, attributes: attributes)
    }

    // MARK: provider

    mutating func decodeProviders(_ node: YAMLNode) {
        guard let pairs = mapping(node, "provider block") else { return }
        for pair in pairs {
            let name = pair.key.scalar?.text ?? ""
            guard let schema = Schemas.providers[name] else {
                error("Unsupported provider", "There is no provider named \(Value.quoted(name)); tfy has the provider \"aws\".\(Suggestion.didYouMean(name, among: Schemas.providers.keys))", at: pair.key.start)
                continue
            }
            guard define("provider", name, at: pair.key.start),
                  let body = decodeBody(pair.value, name: name, schema: schema, location: pair.key.start, what: "provider") else { continue }
            configuration.providers[name] = body
        }
    }

    // MARK: variable

    static let variableArguments = ["type", "default", "description", "sensitive", "nullable", "validation"]

    mutating func decodeVariables(_ node: YAMLNode) {
        guard let pairs = mapping(node, "variable block") else { return }
        for pair in pairs {
            guard let name = validName(pair.key, "variable"), define("variable", name, at: pair.key.start) else { continue }
            var declaration = VariableDeclaration(name: name, location: pair.key.start)
            if let body = mapping(pair.value, "variable declaration") {
                for item in body { decodeVariableArgument(item, into: &declaration) }
            }
            if let type = declaration.type, let value = declaration.defaultValue, !value.isNull {
                switch type.convert(value) {
                case .success(let converted): declaration.defaultValue = converted
                case .failure(let e):
                    error("Invalid default value for variable", "This default value is not compatible with the variable's type constraint: \(declaration.sensitive ? e.redacted : e.description).", at: pair.key.start)
                }
            }
            configuration.variables[name] = declaration
        }
    }

    mutating func decodeVariableArgument(_ item: YAMLNode.Pair, into declaration: inout VariableDeclaration) {
        let key = item.key.scalar?.text ?? ""
        switch key {
        case "type":
            guard let text = item.value.scalar?.text, item.value.scalar.map({ YAMLNode.resolve($0) })?.stringValue != nil else {
                error("Invalid type specification", "A type is written as a string such as \"string\", \"number\" or \"list(string)\".", at: item.value.start)
                return
            }
            switch ValueType.parse(text) {
            case .success(let type): declaration.type = type
            case .failure(let e):
                error("Invalid type specification", "\(e.message.prefix(1).uppercased() + e.message.dropFirst()).", at: item.value.sourceMap.location(ofOffset: e.offset, in: text))
            }
        case "default":
            if containsInterpolation(item.value) {
                error("Variables not allowed", "A variable's default value must be a literal; it cannot refer to other values.", at: item.value.start)
                return
            }
            declaration.defaultValue = YAMLExpressions.literal(item.value)
        case "description":
            declaration.description = literalString(item.value, "description")
        case "sensitive":
            declaration.sensitive = literalBool(item.value, "sensitive") ?? false
        case "nullable":
            declaration.nullable = literalBool(item.value, "nullable") ?? true
        case "validation":
            let rules = item.value.items ?? [item.value]
            for rule in rules { decodeValidation(rule, into: &declaration) }
        default:
            error("Unsupported argument", "An argument named \(Value.quoted(key)) is not expected in a variable declaration.\(Suggestion.didYouMean(key, among: Self.variableArguments))", at: item.key.start)
        }
    }

    func containsInterpolation(_ node: YAMLNode) -> Bool {
        switch node.content {
        case .scalar(let s): return YAMLNode.resolve(s).stringValue?.contains("${") == true
        case .sequence(let items): return items.contains(where: containsInterpolation)
        case .mapping(let pairs): return pairs.contains { containsInterpolation($0.value) }
        }
    }

    mutating func decodeValidation(_ node: YAMLNode, into declaration: inout VariableDeclaration) {
        guard let pairs = mapping(node, "validation block") else { return }
        var condition: Expression?
        var message: String?
        for pair in pairs {
            switch pair.key.scalar?.text ?? "" {
            case "condition": condition = expression(pair.value)
            case "error_message": message = literalString(pair.value, "error_message")
            case let other:
                error("Unsupported argument", "An argument named \(Value.quoted(other)) is not expected in a validation block.\(Suggestion.didYouMean(other, among: ["condition", "error_message"]))", at: pair.key.start)
            }
        }
        guard let condition else {
            diagnostics.append(SchemaConformance.missingArgument("condition", at: node.start, address: nil))
            return
        }
        guard let message else {
            diagnostics.append(SchemaConformance.missingArgument("error_message", at: node.start, address: nil))
            return
        }
        declaration.validations.append(ValidationRule(condition: condition, errorMessage: message, location: node.start))
    }

    mutating func literalString(_ node: YAMLNode, _ name: String) -> String? {
        guard let scalar = node.scalar, case let value = YAMLNode.resolve(scalar), value.stringValue != nil || value.numberValue != nil else {
            error("Invalid \(name)", "\"\(name)\" must be a string, not \(node.kindDescription).", at: node.start)
            return nil
        }
        return scalar.text
    }

    mutating func literalBool(_ node: YAMLNode, _ name: String) -> Bool? {
        guard let scalar = node.scalar, let b = YAMLNode.resolve(scalar).boolValue else {
            error("Invalid \(name) value", "\"\(name)\" must be true or false, written literally, not \(node.kindDescription).", at: node.start)
            return nil
        }
        return b
    }

    // MARK: locals

    mutating func decodeLocals(_ node: YAMLNode) {
        guard let pairs = mapping(node, "locals block") else { return }
        for pair in pairs {
            guard let name = validName(pair.key, "local value"), define("local value", name, at: pair.key.start) else { continue }
            configuration.locals[name] = LocalValue(name: name, expression: expression(pair.value), location: pair.key.start)
        }
    }

    // MARK: output

    mutating func decodeOutputs(_ node: YAMLNode) {
        guard let pairs = mapping(node, "output block") else { return }
        for pair in pairs {
            guard let name = validName(pair.key, "output"), define("output", name, at: pair.key.start) else { continue }
            guard let body = mapping(pair.value, "output declaration") else { continue }
            var value: Expression?
            var output = OutputDeclaration(name: name, location: pair.key.start, value: .literal(.null, pair.key.start))
            for item in body {
                switch item.key.scalar?.text ?? "" {
                case "value": value = expression(item.value)
                case "description": output.description = literalString(item.value, "description")
                case "sensitive": output.sensitive = literalBool(item.value, "sensitive") ?? false
                case "depends_on": output.dependsOn = decodeDependsOn(item.value)
                case let other:
                    error("Unsupported argument", "An argument named \(Value.quoted(other)) is not expected in an output.\(Suggestion.didYouMean(other, among: ["value", "description", "sensitive", "depends_on"]))", at: item.key.start)
                }
            }
            guard let value else {
                diagnostics.append(SchemaConformance.missingArgument("value", at: pair.key.start, address: "output.\(name)"))
                continue
            }
            output.value = value
            configuration.outputs[name] = output
        }
    }

    // MARK: resource

    mutating func decodeResources(_ node: YAMLNode) {
        guard let types = mapping(node, "resource block") else { return }
        let dedented = dedentedArguments(types)
        for typePair in types {
            let type = typePair.key.scalar?.text ?? ""
            let known = configuration.resourceTypes.names
            guard let resourceType = configuration.resourceTypes[type] else {
                let owners = argumentOwners(type)
                guard owners.isEmpty else {
                    error("Invalid resource type", "\(Value.quoted(type)) is not a resource type; is it indented too little? It is an argument of \(Self.listed(owners)): indent it under the resource it belongs to.", at: typePair.key.start)
                    continue
                }
                error("Invalid resource type", "The resource type \(Value.quoted(type)) is not supported.\(Suggestion.didYouMean(type, among: known)) tfy manages \(known.joined(separator: ", ")).", at: typePair.key.start)
                continue
            }
            guard let blocks = mapping(typePair.value, "\(type) block") else { continue }
            for blockPair in blocks {
                if isMisplacedArgument(blockPair, of: resourceType.schema) {
                    let name = blockPair.key.scalar?.text ?? ""
                    error("Argument in place of a resource", "\(Value.quoted(name)) is an argument of \(type), not a resource name; is it indented too little? Indent it under the \(type) block it belongs to.", at: blockPair.key.start)
                    continue
                }
                guard let name = validName(blockPair.key, "resource"),
                      define("resource", "\(type).\(name)", at: blockPair.key.start) else { continue }
                var block = ResourceBlock(type: type, resourceType: resourceType, name: name, location: blockPair.key.start)
                if let body = mapping(blockPair.value, "resource body") {
                    decodeResourceBody(body, schema: resourceType.schema, into: &block, dedented: dedented["\(type).\(name)"] ?? [])
                }
                configuration.resources.append(block)
            }
        }
    }

    // MARK: data

    /// `data: {TYPE: {NAME: {...}}}`: arguments checked against the data source's schema, with
    /// `count` and `depends_on` as on resources.
    mutating func decodeDataSources(_ node: YAMLNode) {
        guard let types = mapping(node, "data block") else { return }
        for typePair in types {
            let type = typePair.key.scalar?.text ?? ""
            guard let dataType = configuration.resourceTypes.dataSource(type) else {
                let known = configuration.resourceTypes.dataSourceNames
                error("Invalid data source", "The data source \(Value.quoted(type)) is not supported.\(Suggestion.didYouMean(type, among: known)) tfy reads \(known.joined(separator: ", ")).", at: typePair.key.start)
                continue
            }
            guard let blocks = mapping(typePair.value, "\(type) block") else { continue }
            for blockPair in blocks {
                guard let name = validName(blockPair.key, "data source"),
                      define("data source", "data.\(type).\(name)", at: blockPair.key.start) else { continue }
                var block = ResourceBlock(type: type, resourceType: dataType, name: name, location: blockPair.key.start)
                let address = "data.\(type).\(name)"
                for pair in mapping(blockPair.value, "data source body") ?? [] {
                    let key = pair.key.scalar?.text ?? ""
                    switch key {
                    case "count":
                        block.count = expression(pair.value)
                    case "depends_on":
                        block.dependsOn = decodeDependsOn(pair.value)
                    case "for_each", "provider", "lifecycle":
                        error("Unsupported argument", "\"\(key)\" is not supported on data sources by tfy yet.", at: pair.key.start, address: address)
                    default:
                        guard let attribute = dataType.schema.body.attributes[key], attribute.isSettable else {
                            diagnostics.append(SchemaConformance.unsupportedArgument(key, in: dataType.schema.body, at: pair.key.start, address: address))
                            continue
                        }
                        let value = expression(pair.value)
                        SchemaConformance.checkShape(value, attribute.type, address: address, into: &diagnostics)
                        block.attributes[key] = AttributeExpression(expression: value, keyLocation: pair.key.start)
                    }
                }
                configuration.dataSources.append(block)
            }
        }
    }

    /// The arguments indented too little to stay in their block, by the address of the resource
    /// block they follow (the one they were most likely meant for): one error already says where
    /// each went, so that block does not also report them missing.
    func dedentedArguments(_ types: [YAMLNode.Pair]) -> [String: Set<String>] {
        var dedented: [String: Set<String>] = [:]
        var previous: String?
        for typePair in types {
            let type = typePair.key.scalar?.text ?? ""
            guard let resourceType = configuration.resourceTypes[type] else {
                if let previous, !argumentOwners(type).isEmpty { dedented[previous, default: []].insert(type) }
                continue
            }
            for blockPair in typePair.value.pairs ?? [] {
                let name = blockPair.key.scalar?.text ?? ""
                if isMisplacedArgument(blockPair, of: resourceType.schema) {
                    if let previous { dedented[previous, default: []].insert(name) }
                } else {
                    previous = "\(type).\(name)"
                }
            }
        }
        return dedented
    }

    /// A key in a resource name's place that is one of the type's arguments, with a value no
    /// resource body has (a scalar, or keys the type does not take): a line indented too little,
    /// not a resource. A resource whose body is a resource's may still bear an argument's name.
    func isMisplacedArgument(_ pair: YAMLNode.Pair, of schema: ResourceSchema) -> Bool {
        let name = pair.key.scalar?.text ?? ""
        guard schema.body.attributes[name]?.isSettable == true || ConfigurationLoader.resourceMetaArguments.contains(name) else { return false }
        guard let body = pair.value.pairs else { return true }
        return body.contains { item in
            let key = item.key.scalar?.text ?? ""
            return schema.body.attributes[key]?.isSettable != true && !ConfigurationLoader.resourceMetaArguments.contains(key)
        }
    }

    /// The resource types that take an argument named `name`, at any depth of their schemas:
    /// such a key where a block type or a resource type goes is a line indented too little.
    func argumentOwners(_ name: String) -> [String] {
        configuration.resourceTypes.names.filter { type in
            configuration.resourceTypes[type].map { Self.argumentNames(of: $0.schema.body).contains(name) } ?? false
        }
    }

    static func argumentNames(of schema: ObjectSchema) -> Set<String> {
        var names = Set<String>()
        for (name, attribute) in schema.attributes where attribute.isSettable {
            names.insert(name)
            switch attribute.type {
            case .object(let nested), .objectList(let nested): names.formUnion(argumentNames(of: nested))
            case .value: break
            }
        }
        return names
    }

    /// "a", "a and b", "a, b and c".
    static func listed(_ names: [String]) -> String {
        names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names.joined()
    }

    mutating func decodeResourceBody(_ body: [YAMLNode.Pair], schema: ResourceSchema, into block: inout ResourceBlock, dedented: Set<String> = []) {
        let address = block.address
        var forEachKey: SourceLocation?
        for pair in body {
            let key = pair.key.scalar?.text ?? ""
            switch key {
            case "count":
                block.count = expression(pair.value)
            case "for_each":
                block.forEach = expression(pair.value)
                forEachKey = pair.key.start
            case "depends_on":
                block.dependsOn = decodeDependsOn(pair.value)
            case "lifecycle":
                block.lifecycle = decodeLifecycle(pair.value, schema: schema, address: address)
            case "provider", "provisioner":
                error("Unsupported argument", "\"\(key)\" is not supported by tfy yet.", at: pair.key.start, address: address)
            default:
                guard let attribute = schema.body.attributes[key], attribute.isSettable else {
                    diagnostics.append(SchemaConformance.unsupportedArgument(key, in: schema.body, at: pair.key.start, address: address))
                    continue
                }
                var value = expression(pair.value)
                if attribute.readsSourcesAtLoad { value = readUploadedFiles(value, address: address) }
                if attribute.readsScriptPaths { value = readScriptPaths(value, name: key, list: attribute.type != .object(.scriptFile), address: address) }
                SchemaConformance.checkShape(value, attribute.type, address: address, into: &diagnostics)
                if key == "tags" { SchemaConformance.checkUserTags(value, address: address, into: &diagnostics) }
                block.attributes[key] = AttributeExpression(expression: value, keyLocation: pair.key.start)
            }
        }
        if block.count != nil, let forEachKey {
            error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.", at: forEachKey, address: address)
        }
        // Only the missing names are sorted: sorting every attribute of the schema for each block
        // was a large part of loading many blocks.
        let missing = schema.body.attributes.compactMap { name, attribute in
            attribute.presence == .required && block.attributes[name] == nil && !dedented.contains(name) ? name : nil
        }
        for name in missing.sorted() {
            diagnostics.append(SchemaConformance.missingArgument(name, at: block.location, address: address))
        }
    }

    /// Files to upload given by a literal `source` path (a bootstrap's) are read when the configuration
    /// loads, so the plan knows (and the default triggers cover) what will be uploaded. With
    /// `template: true` the file is an expression like a string in the configuration: `${...}` is
    /// evaluated in the resource's scope, its references are dependencies like any other, and
    /// errors point into the template file itself. A `source` computed from other values (a
    /// `tfy_ssh_key`'s `private_key_file`) stays a path, read when the file is uploaded, on the
    /// machine that applies: planning elsewhere never needs the file.
    mutating func readUploadedFiles(_ files: Expression, address: String) -> Expression {
        guard case .tuple(let items, let location) = files else { return files }
        return .tuple(items.map { item in
            guard case .object(var entries, let itemLocation) = item,
                  let sourceIndex = entries.firstIndex(where: { $0.key.literalString == "source" }) else { return item }
            let sourceEntry = entries[sourceIndex]
            if entries.contains(where: { $0.key.literalString == "content" }) {
                error("Conflicting file arguments", "A file takes \"source\" or \"content\", not both.", at: sourceEntry.key.location, address: address)
                return item
            }
            let templated = entries.contains { entry in
                entry.key.literalString == "template" && { if case .literal(.bool(true), _) = entry.value { return true } else { return false } }()
            }
            guard case .literal(.string(let source), let sourceLocation) = sourceEntry.value else {
                if templated {
                    error("Invalid file source", "A template's \"source\" must be a literal path, relative to the configuration directory: it is read and parsed when the configuration loads.", at: sourceEntry.value.location, address: address)
                }
                return item
            }
            let display = ((sourceLocation.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(source)
            let bytes: [UInt8]
            switch FileReader().read(source, relativeTo: configuration.directory) {
            case .success(let read): bytes = read
            case .failure(.missing):
                error("File not found", "There is no file \(Value.quoted(source)) (looked for \(Value.quoted(display))).", at: sourceLocation, address: address)
                return item
            case .failure(.tooLarge):
                error("File too large", "\(Value.quoted(source)) is larger than \(EvaluationBudget.describe(bytes: EvaluationBudget.standard.fileBytes)); upload it another way, for example with a script that downloads it.", at: sourceLocation, address: address)
                return item
            case .failure(.notRegularFile(let kind)):
                error("Not a regular file", "\(Value.quoted(source)) is \(kind); a bootstrap file's source must be a regular file.", at: sourceLocation, address: address)
                return item
            case .failure(.unreadable(let reason)):
                error("Cannot read file", "\(Value.quoted(source)) could not be read: \(reason).", at: sourceLocation, address: address)
                return item
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                error("File is not text", "\(Value.quoted(source)) is not valid UTF-8; bootstrap files are text (scripts, configuration). Fetch binaries from a script instead.", at: sourceLocation, address: address)
                return item
            }
            var content = Expression.literal(.string(text), sourceLocation)
            if templated {
                configuration.sources[display] = SourceFile(name: display, bytes: bytes)
                switch ExpressionParser.parseString(text, sourceMap: .wholeFile(display)) {
                case .success(let parsed): content = parsed
                case .failure(let failure): diagnostics.append(failure.diagnostic)
                }
            }
            entries[sourceIndex] = Expression.ObjectEntry(key: .literal(.string("content"), sourceEntry.key.location), value: content)
            return .object(entries, itemLocation)
        }, location)
    }

    /// A bootstrap's `script` (one path) or `scripts` (a list of paths), as Terraform's
    /// remote-exec takes them: each path names a local file, relative to the configuration
    /// directory, whose text is what runs. A literal path is read now, its errors at the path's
    /// `file:line:col`; a computed one becomes `file(PATH)`, read when the configuration is
    /// evaluated. Either way the value is a `scriptFile` object, `{path, content}`.
    ///
    /// Before remote-exec's vocabulary, `scripts` held script text; an entry that is clearly
    /// text (a line break, or a space in a path that does not exist, or text read with `file()`)
    /// is an error that says where text goes now.
    mutating func readScriptPaths(_ expression: Expression, name: String, list: Bool, address: String) -> Expression {
        if case .literal(.null, _) = expression { return expression }
        guard list else {
            if case .tuple = expression {
                error("Invalid script path", "\(Value.quoted(name)) is the path of one local script; give a list of paths to \"\(name)s\".", at: expression.location, address: address)
                return .literal(.unknown, expression.location)
            }
            return scriptFile(expression, name: name, address: address)
        }
        guard case .tuple(let items, let location) = expression else {
            // A computed list: each path is read when the list is known.
            let clause = Expression.ForClause(keyName: nil, valueName: Self.scriptPathName, collection: expression,
                                              body: scriptFile(.scope(Self.scriptPathName, expression.location), name: name, address: address), condition: nil)
            return .forList(clause, expression.location)
        }
        return .tuple(items.map { scriptFile($0, name: "\(name)", address: address) }, location)
    }

    /// The name the paths of a computed `scripts` list are bound to while each is read.
    static let scriptPathName = "tfy_script_path"

    /// One script path as a `{path, content}` object expression.
    mutating func scriptFile(_ path: Expression, name: String, address: String) -> Expression {
        let location = path.location
        func object(_ content: Expression) -> Expression {
            .object([Expression.ObjectEntry(key: .literal(.string("path"), location), value: path),
                     Expression.ObjectEntry(key: .literal(.string("content"), location), value: content)], location)
        }
        let textAdvice = "Put script text or commands in \"inline\" (text kept in a file stays there with inline: ['${file(\"setup.sh\")}']), or give the path of the script file"
        guard case .literal(.string(let source), let sourceLocation) = path else {
            if Self.readsFileText(path) {
                error("Script text in a script path", "\(Value.quoted(name)) takes paths of local scripts, as Terraform's remote-exec does, and file() and templatefile() give a file's text. \(textAdvice) itself.", at: location, address: address)
                return object(.literal(.unknown, location))
            }
            return object(.call(name: "file", arguments: [path], expandFinal: false, location))
        }
        let display = ((sourceLocation.file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(source)
        // Reported once: the entry stays an object of unknown text, not also a type error.
        func failed(_ summary: String, _ detail: String) -> Expression {
            error(summary, detail, at: sourceLocation, address: address)
            return object(.literal(.unknown, sourceLocation))
        }
        switch FileReader().read(source, relativeTo: configuration.directory) {
        case .success(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return failed("Script is not text", "\(Value.quoted(source)) is not valid UTF-8; a script is text.")
            }
            return object(.literal(.string(text), sourceLocation))
        case .failure(.missing) where source.contains("\n") || source.contains(" "):
            let shown = source.contains("\n") ? "" : " (\(Value.quoted(source)) is no file)"
            return failed("Script text in a script path", "\(Value.quoted(name)) takes paths of local scripts, as Terraform's remote-exec does, and this is script text\(shown). \(textAdvice).")
        case .failure(.missing):
            return failed("File not found", "There is no script file \(Value.quoted(source)) (looked for \(Value.quoted(display))). \(Value.quoted(name)) takes paths of local scripts; to run commands, use \"inline\".")
        case .failure(.tooLarge):
            return failed("File too large", "\(Value.quoted(source)) is larger than \(EvaluationBudget.describe(bytes: EvaluationBudget.standard.fileBytes)), the most a script may hold.")
        case .failure(.notRegularFile(let kind)):
            return failed("Not a regular file", "\(Value.quoted(source)) is \(kind); a script must be a regular file.")
        case .failure(.unreadable(let reason)):
            return failed("Cannot read file", "\(Value.quoted(source)) could not be read: \(reason).")
        }
    }

    /// True when the expression is a call of file() or templatefile(), alone or as the only
    /// interpolation of a string: the text of a file, where a path was meant.
    static func readsFileText(_ expression: Expression) -> Bool {
        switch expression {
        case .call(let function, _, _, _): return function == "file" || function == "templatefile"
        case .template(let parts, _):
            let interpolations = parts.compactMap { part -> Expression? in
                if case .interpolation(let inner) = part { return inner }
                return nil
            }
            return interpolations.contains { readsFileText($0) }
        default: return false
        }
    }

    mutating func decodeDependsOn(_ node: YAMLNode) -> [DependsOnEntry] {
        guard let items = node.items else {
            error("Invalid depends_on", "\"depends_on\" must be a list of resource addresses, such as [aws_instance.master].", at: node.start)
            return []
        }
        var entries: [DependsOnEntry] = []
        for item in items {
            guard let scalar = item.scalar, var text = YAMLNode.resolve(scalar).stringValue else {
                error("Invalid depends_on", "Each entry of \"depends_on\" must be a resource address, such as aws_instance.master.", at: item.start)
                continue
            }
            if text.hasPrefix("${"), text.hasSuffix("}") { text = String(text.dropFirst(2).dropLast()) }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                error("Invalid depends_on", "\(Value.quoted(text)) is not a resource address; write TYPE.NAME, such as aws_instance.master.", at: item.start)
                continue
            }
            entries.append(DependsOnEntry(address: text, location: item.start))
        }
        return entries
    }

    /// An `ignore_changes` entry: an attribute name followed by static keys and indexes
    /// (`tags["Name"]`, `tags.Name`, `root_block_device[0].volume_size`), as in Terraform.
    mutating func ignoredPath(_ item: YAMLNode, address: String) -> AttributePath? {
        let invalid = "An ignore_changes entry must be an attribute name, optionally followed by map keys and list indexes written as literals, such as tags[\"Name\"] or root_block_device[0].volume_size."
        guard let scalar = item.scalar else {
            error("Invalid ignore_changes", invalid, at: item.start, address: address)
            return nil
        }
        let parsed: Expression
        switch ExpressionParser.parseExpression(scalar.text, sourceMap: item.sourceMap) {
        case .success(let expression): parsed = expression
        case .failure(let failure):
            error("Invalid ignore_changes", invalid, at: failure.diagnostic.location ?? item.start, address: address)
            return nil
        }
        let root: String
        var steps: [TraversalStep] = []
        switch parsed {
        case .scope(let name, _): root = name
        case .traversal(.scope(let name, _), let traversal):
            root = name
            steps = traversal
        default:
            error("Invalid ignore_changes", invalid, at: item.start, address: address)
            return nil
        }
        var path = AttributePath(attribute: root)
        for step in steps {
            switch step {
            case .attribute(let name, _): path.steps.append(.key(name))
            case .index(.literal(.string(let key), _), _): path.steps.append(.key(key))
            case .index(.literal(.number(let n), _), _) where n >= 0 && Value.wholeNumber(n) != nil: path.steps.append(.index(Value.wholeNumber(n)!))
            default:
                error("Invalid ignore_changes", invalid, at: step.location, address: address)
                return nil
            }
        }
        return path
    }

    mutating func decodeLifecycle(_ node: YAMLNode, schema: ResourceSchema, address: String) -> Lifecycle {
        var lifecycle = Lifecycle()
        guard let pairs = mapping(node, "lifecycle block") else { return lifecycle }
        for pair in pairs {
            switch pair.key.scalar?.text ?? "" {
            case "prevent_destroy": lifecycle.preventDestroy = literalBool(pair.value, "prevent_destroy") ?? false
            case "create_before_destroy": lifecycle.createBeforeDestroy = literalBool(pair.value, "create_before_destroy") ?? false
            case "ignore_changes":
                if let scalar = pair.value.scalar, YAMLNode.resolve(scalar).stringValue == "all" {
                    lifecycle.ignoreAllChanges = true
                    continue
                }
                guard let items = pair.value.items else {
                    error("Invalid ignore_changes", "\"ignore_changes\" must be a list of attribute names, or \"all\".", at: pair.value.start, address: address)
                    continue
                }
                for item in items {
                    guard let path = ignoredPath(item, address: address) else { continue }
                    guard schema.body.attributes[path.attribute]?.isSettable == true else {
                        error("Unsupported attribute in ignore_changes", "\(schema.type) has no argument named \(Value.quoted(path.attribute)).\(Suggestion.didYouMean(path.attribute, among: schema.body.settableNames))", at: item.start, address: address)
                        continue
                    }
                    lifecycle.ignoreChanges.append(path)
                }
            case let other:
                error("Unsupported argument", "An argument named \(Value.quoted(other)) is not expected in a lifecycle block.\(Suggestion.didYouMean(other, among: ["prevent_destroy", "create_before_destroy", "ignore_changes"]))", at: pair.key.start, address: address)
            }
        }
        return lifecycle
    }

    // MARK: finishing

    /// Rearranges `items` so that item `i` is the one that was at `order[i]`, by following each
    /// cycle of the permutation with swaps (of the buffer's memory, which copy nothing).
    static func permute<T>(_ items: inout [T], into order: [Int]) {
        var placed = [Bool](repeating: false, count: order.count)
        items.withUnsafeMutableBufferPointer { buffer in
            for start in order.indices where !placed[start] {
                var i = start
                placed[i] = true
                while !placed[order[i]] {
                    buffer.swapAt(i, order[i])
                    i = order[i]
                    placed[i] = true
                }
            }
        }
    }

    mutating func finish() {
        // Sorted by addresses made once, not twice per comparison, and the blocks moved into
        // place by swapping, not copied: both were a large part of loading many blocks.
        var addresses = configuration.resources.indices.map { "\(configuration.resources[$0].type).\(configuration.resources[$0].name)" }
        let order = addresses.indices.sorted { addresses[$0] < addresses[$1] }
        Self.permute(&configuration.resources, into: order)
        configuration.dataSources.sort { $0.address < $1.address }
        addresses = order.map { addresses[$0] }
        let declared = Set(addresses)
        let dependable = declared.union(configuration.moduleCalls.keys.map { "module.\($0)" })
        var allDependsOn: [(DependsOnEntry, String?)] = []
        for i in configuration.resources.indices where !configuration.resources[i].dependsOn.isEmpty {
            allDependsOn += configuration.resources[i].dependsOn.map { ($0, addresses[i] as String?) }
        }
        allDependsOn += configuration.outputs.values.flatMap { output in output.dependsOn.map { ($0, "output.\(output.name)" as String?) } }
        allDependsOn += configuration.moduleCalls.values.flatMap { call in call.dependsOn.map { ($0, call.address as String?) } }
        checkRefactoring(addresses: addresses)
        for (entry, address) in allDependsOn where !dependable.contains(entry.address) {
            error("Reference to undeclared resource", "depends_on names \(Value.quoted(entry.address)), which is not declared.\(Suggestion.didYouMean(entry.address, among: declared))", at: entry.location, address: address)
        }
        guard !plainStrings.isEmpty else { return }
        let bare = BareReference(configuration: configuration, declared: declared)
        for (text, location) in plainStrings where bare.matches(text) {
            diagnostics.append(.warning("Value looks like a reference", detail: "\(Value.quoted(text)) is plain text here, so it is the string \(Value.quoted(text)). Did you mean \"${\(text)}\"?", at: location))
        }
    }
}

// MARK: moved, import

extension ConfigurationDecoder {
    /// `moved: [{from: ADDRESS, to: ADDRESS}, ...]`, addresses written plainly as in `depends_on`.
    mutating func decodeMoved(_ node: YAMLNode) {
        for (item, pairs) in refactoringEntries(node, block: "moved", example: "[{from: aws_instance.old, to: aws_instance.new}]") {
            var from: ResourceAddress?, to: ResourceAddress?
            var seen = Set<String>()
            for pair in pairs {
                let key = pair.key.scalar?.text ?? ""
                seen.insert(key)
                switch key {
                case "from": from = refactoringAddress(pair.value, block: "moved", argument: "from")
                case "to": to = refactoringAddress(pair.value, block: "moved", argument: "to")
                default:
                    error("Unsupported argument", "An argument named \(Value.quoted(key)) is not expected in a moved block.\(Suggestion.didYouMean(key, among: ["from", "to"]))", at: pair.key.start)
                }
            }
            for name in ["from", "to"] where !seen.contains(name) {
                error("Missing required argument", "The argument \(Value.quoted(name)) is required in a moved block, but no definition was found.", at: item.start)
            }
            guard let from, let to else { continue }
            if from.type != to.type {
                error("Resource type mismatch", "This statement declares a move from \(from) to \(to), which is a resource\(from.key == nil ? "" : " instance") of a different type.", at: item.start)
                continue
            }
            if from == to {
                diagnostics.append(.warning("Redundant move statement", detail: "This statement declares a move from an object to the same address, which is the same as not declaring this move at all.", at: item.start))
                continue
            }
            configuration.moved.append(MovedBlock(from: from, to: to, location: item.start))
        }
    }

    /// `import: [{to: ADDRESS, id: ID}, ...]`.
    mutating func decodeImports(_ node: YAMLNode) {
        for (item, pairs) in refactoringEntries(node, block: "import", example: "[{to: aws_instance.web, id: i-0123456789abcdef0}]") {
            var to: ResourceAddress?, id: String?
            var seen = Set<String>()
            for pair in pairs {
                let key = pair.key.scalar?.text ?? ""
                seen.insert(key)
                switch key {
                case "to": to = refactoringAddress(pair.value, block: "import", argument: "to")
                case "id":
                    guard let scalar = pair.value.scalar, case .string(let text) = YAMLNode.resolve(scalar), !text.isEmpty, !ExpressionParser.containsTemplate(text) else {
                        error("Invalid import id argument", "The import ID must be a non-empty string written as it is, such as i-0123456789abcdef0; it cannot refer to variables or other values.", at: pair.value.start)
                        continue
                    }
                    id = text
                default:
                    error("Unsupported argument", "An argument named \(Value.quoted(key)) is not expected in an import block.\(Suggestion.didYouMean(key, among: ["to", "id"]))", at: pair.key.start)
                }
            }
            for name in ["to", "id"] where !seen.contains(name) {
                error("Missing required argument", "The argument \(Value.quoted(name)) is required in an import block, but no definition was found.", at: item.start)
            }
            guard let to, let id else { continue }
            if let first = configuration.imports.first(where: { $0.to == to }) {
                error("Duplicate import configuration for \(Value.quoted(to.description))", "An import block for the resource \(Value.quoted(to.description)) was already declared at \(first.location.file):\(first.location.line),\(first.location.column). A resource can have only one import block.", at: item.start)
                continue
            }
            if let first = configuration.imports.first(where: { $0.id == id }) {
                error("Duplicate import for ID \(Value.quoted(id))", "An import block for the ID \(Value.quoted(id)) and the resource \(Value.quoted(first.to.description)) was already declared at \(first.location.file):\(first.location.line),\(first.location.column). One object can be imported to only one resource instance.", at: item.start)
                continue
            }
            configuration.imports.append(ImportBlock(to: to, id: id, location: item.start))
        }
    }

    /// The entries of a `moved` or `import` list, each a mapping; errors for anything else.
    mutating func refactoringEntries(_ node: YAMLNode, block: String, example: String) -> [(YAMLNode, [YAMLNode.Pair])] {
        guard let items = node.items else {
            error("Invalid \(block) block", "\"\(block)\" must be a list of mappings, such as \(example).", at: node.start)
            return []
        }
        return items.compactMap { item in
            guard let pairs = item.pairs else {
                error("Invalid \(block) block", "Each entry of \"\(block)\" must be a mapping, such as \(example.dropFirst().dropLast()), not \(item.kindDescription).", at: item.start)
                return nil
            }
            return (item, pairs)
        }
    }

    /// A resource or resource instance address written as plain text (or as `${...}`).
    mutating func refactoringAddress(_ node: YAMLNode, block: String, argument: String) -> ResourceAddress? {
        if let scalar = node.scalar, var text = YAMLNode.resolve(scalar).stringValue {
            if text.hasPrefix("${"), text.hasSuffix("}") { text = String(text.dropFirst(2).dropLast()) }
            if let address = ResourceAddress(parsing: text) { return address }
        }
        let wanted = block == "import" ? "a resource instance address, such as aws_instance.web or aws_instance.node[0]" : "a resource or resource instance address, such as aws_instance.web or aws_instance.node[0]"
        error("Invalid address", "The \(Value.quoted(argument)) argument of a \(block) block must be \(wanted).", at: node.start)
        return nil
    }

    /// The checks of `moved` statements against the declared resources (Terraform's wording).
    mutating func checkRefactoring(addresses: [String]) {
        guard !configuration.moved.isEmpty else { return }
        var declared: [String: SourceLocation] = [:]
        for (index, address) in addresses.enumerated() { declared[address] = configuration.resources[index].location }
        diagnostics.append(contentsOf: MoveStatementChecks.check(configuration.moved, declared: declared))
    }
}
