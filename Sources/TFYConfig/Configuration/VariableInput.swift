import Foundation
import TFYCore

/// A value given for an input variable, and where it came from.
public struct VariableInput: Sendable {
    public enum Origin: Sendable, Hashable {
        /// The environment variable's whole name (`TFY_VAR_n` or `TF_VAR_n`).
        case environment(String)
        case file(String)
        case commandLine
    }

    public enum Raw: Sendable {
        /// Text from `-var`, `TFY_VAR_` or `TF_VAR_`: a string for string variables, parsed as YAML otherwise.
        case text(String)
        /// A value from a variable file, with its location.
        case value(Value, SourceLocation)
    }

    public var name: String
    public var raw: Raw
    public var origin: Origin

    public init(name: String, raw: Raw, origin: Origin) {
        self.name = name
        self.raw = raw
        self.origin = origin
    }

    var location: SourceLocation? {
        if case .value(_, let location) = raw { return location }
        return nil
    }

    var originDescription: String {
        switch origin {
        case .environment(let variable): return "the environment variable \(variable)"
        case .file(let path): return "the variable file \(Value.quoted(path))"
        case .commandLine: return "the -var option"
        }
    }

    /// `TF_VAR_name=value` then `TFY_VAR_name=value` entries of the environment, each sorted by
    /// name: Terraform's prefix is read so its users' scripts keep working, and tfy's own comes
    /// later so that it wins where both name one variable.
    public static func fromEnvironment(_ environment: [String: String]) -> [VariableInput] {
        ["TF_VAR_", "TFY_VAR_"].flatMap { prefix in
            environment.keys.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.sorted().map {
                VariableInput(name: String($0.dropFirst(prefix.count)), raw: .text(environment[$0]!), origin: .environment($0))
            }
        }
    }

    /// One `-var 'name=value'` argument.
    public static func fromArgument(_ argument: String) -> Result<VariableInput, Diagnostic> {
        let equals = argument.firstIndex(of: "=")
        // A name of blanks is no name: " =3" is refused as "=3" is.
        let name = equals.map { String(argument[..<$0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let equals, !name.isEmpty else {
            return .failure(.error("Invalid -var option", detail: "The given -var option \(Value.quoted(argument)) is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."))
        }
        return .success(VariableInput(name: name, raw: .text(String(argument[argument.index(after: equals)...])), origin: .commandLine))
    }

    /// The entries of a variable file: a YAML mapping of variable names to values (the legacy
    /// Tachyon `ec2.yml` and `tachyon.yml` load unchanged), or a JSON object (Terraform's
    /// `.tfvars.json`), whatever the file's name.
    ///
    /// JSON is read by the YAML parser, of which it is (nearly) a subset, for its values'
    /// locations. A `*.json` file is checked by the strict JSON parser first, and so is any file
    /// starting with `{` that YAML refuses: a mistake is then reported as JSON's, at its line and
    /// column, rather than as the YAML error the same text makes (a YAML flow mapping such as
    /// `{n: 1}` stays YAML). Like a YAML error, it quotes none of the file's text.
    public static func fromFile(path: String, bytes: [UInt8]) -> ([VariableInput], Diagnostics) {
        let json = path.hasSuffix(".json") ? JSONValue.parse(bytes) : nil
        if case .failure(let error) = json { return ([], Diagnostics([jsonProblem(path: path, error)])) }
        let source = SourceFile(name: path, bytes: bytes)
        var parser = YAMLParser()
        parser.quotesSourceInErrors = false
        let result = parser.parse(source)
        let startsLikeJSON = bytes.first(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains($0) }) == UInt8(ascii: "{")
        if result.diagnostics.hasErrors, startsLikeJSON {
            switch json ?? JSONValue.parse(bytes) {
            case .failure(let error):
                return ([], Diagnostics([jsonProblem(path: path, error)]))
            case .success(.object(let members)):
                // Valid JSON that YAML refuses (a tab where YAML wants spaces): the values
                // without their own locations, within the YAML budget YAML may have refused it for.
                let start = SourceLocation(file: path, line: 1, column: 1)
                guard Self.fitsBudget(.object(members)) else {
                    let budget = EvaluationBudget.standard
                    return ([], Diagnostics([.error("Variable file too large", detail: "The file holds more than \(budget.yamlNodes) values or nests them more than 64 deep, the most a configuration or variable file may.", at: start)]))
                }
                return (members.keys.sorted().map { VariableInput(name: $0, raw: .value(Value(json: members[$0]!), start), origin: .file(path)) }, Diagnostics())
            case .success:
                break
            }
        }
        // A file that does not parse is read before any of its values is known to belong to a
        // sensitive variable: its errors give the place, never the line or any of its text (it
        // may hold a secret).
        var diagnostics = Diagnostics(result.diagnostics.map { var d = $0; d.sourceIsSensitive = true; return d })
        if result.isEmpty { return ([], diagnostics) }
        guard let root = result.root else { return ([], diagnostics) }
        guard let pairs = root.pairs else {
            diagnostics.append(.error("Invalid variable file", detail: "A variable file must be a YAML mapping of variable names to values, not \(root.kindDescription).", at: root.start))
            return ([], diagnostics)
        }
        let inputs = pairs.map {
            VariableInput(name: $0.key.scalar?.text ?? "", raw: .value(YAMLExpressions.literal($0.value), $0.value.start), origin: .file(path))
        }
        return (inputs, diagnostics)
    }

    /// Whether `json` stays within the YAML limits: its values, nested ones included, and its depth.
    static func fitsBudget(_ json: JSONValue) -> Bool {
        var remaining = EvaluationBudget.standard.yamlNodes
        func walk(_ value: JSONValue, depth: Int) -> Bool {
            remaining -= 1
            guard remaining >= 0, depth <= 64 else { return false }
            switch value {
            case .array(let items): return items.allSatisfy { walk($0, depth: depth + 1) }
            case .object(let members): return members.values.allSatisfy { walk($0, depth: depth + 1) }
            default: return true
            }
        }
        return walk(json, depth: 0)
    }

    static func jsonProblem(path: String, _ error: JSONValue.ParseError) -> Diagnostic {
        // The parser names a duplicate key; in a variable file a key may be a secret.
        let message = error.message.hasPrefix("duplicate key") ? "a key is defined twice in one object" : error.message
        var diagnostic = Diagnostic.error("Invalid variable file", detail: "The file is not valid JSON: \(message).", at: SourceLocation(file: path, line: error.line, column: error.column))
        diagnostic.sourceIsSensitive = true
        return diagnostic
    }

    /// Reads and decodes a variable file from disk; `path` is the name shown, `resolvedPath` the
    /// file read. Returns the file's source for diagnostics.
    public static func fromFile(path: String, resolvedPath: String) -> ([VariableInput], Diagnostics, SourceFile?) {
        let limit = EvaluationBudget.standard.yamlBytes
        let bytes: [UInt8]
        switch FileReader.commandFiles(limit: limit).read(resolvedPath) {
        case .success(let read): bytes = read
        case .failure(.missing):
            return ([], Diagnostics([.error("Failed to read variables file", detail: "Given variables file \(path) does not exist or cannot be read.")]), nil)
        case .failure(let failure):
            return ([], Diagnostics([.error("Failed to read variables file", detail: "Given variables file \(path) \(failure.reason(limit: limit)).")]), nil)
        }
        let (inputs, diagnostics) = fromFile(path: path, bytes: bytes)
        return (inputs, diagnostics, SourceFile(name: path, bytes: bytes))
    }
}

/// Decides each variable's value: default, then each input in order (later wins, as with
/// Terraform: environment, then `-var-file` and `-var` in command-line order), converted to the
/// declared type and marked sensitive where declared.
public struct VariableResolver: Sendable {
    /// What a required variable without a value becomes.
    public enum MissingRequired: Sendable { case error, unknown }

    public var missingRequired: MissingRequired

    public init(missingRequired: MissingRequired) { self.missingRequired = missingRequired }

    public func resolve(_ configuration: Configuration, inputs: [VariableInput]) -> ([String: Value], [String: SourceLocation], Diagnostics) {
        var diagnostics = Diagnostics()
        var chosen: [String: VariableInput] = [:]
        var warnedFiles = Set<String>()
        for input in inputs {
            guard configuration.variables[input.name] != nil else {
                switch input.origin {
                case .environment:
                    continue
                case .commandLine:
                    diagnostics.append(.error("Value for undeclared variable", detail: "A variable named \(Value.quoted(input.name)) was assigned on the command line, but the configuration does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.\(Suggestion.didYouMean(input.name, among: configuration.variables.keys))"))
                case .file(let path):
                    guard warnedFiles.insert(path + "\u{0}" + input.name).inserted else { continue }
                    diagnostics.append(.warning("Value for undeclared variable", detail: "The variable file assigns \(Value.quoted(input.name)), but the configuration does not declare a variable of that name; the value is ignored.\(Suggestion.didYouMean(input.name, among: configuration.variables.keys))", at: input.location))
                }
                continue
            }
            chosen[input.name] = input
        }

        var values: [String: Value] = [:]
        var locations: [String: SourceLocation] = [:]
        for name in configuration.variables.keys.sorted() {
            let declaration = configuration.variables[name]!
            guard let input = chosen[name] else {
                if let value = declaration.defaultValue {
                    values[name] = value.marked(declaration.sensitive)
                } else if missingRequired == .unknown {
                    values[name] = Value.unknown.marked(declaration.sensitive)
                } else {
                    diagnostics.append(.error("No value for required variable", detail: "The input variable \(Value.quoted(name)) is not set, and has no default value. Use a -var or -var-file command line argument, or set TFY_VAR_\(name) in the environment.", at: declaration.location))
                    values[name] = .unknown
                }
                continue
            }
            locations[name] = input.location
            switch convert(input, declaration) {
            case .success(let value):
                values[name] = value.marked(declaration.sensitive)
            case .failure(let message):
                // A sensitive variable's error says what was required, never what was given
                // (Terraform's wording), and shows no snippet of the variable file's line.
                let which = declaration.sensitive ? ", which is sensitive: \(message.redacted)" : ": \(message.text)"
                var diagnostic = Diagnostic.error("Invalid value for input variable", detail: "The value given by \(input.originDescription) is not suitable for var.\(name) declared at \(declaration.location)\(which).", at: input.location ?? declaration.location)
                diagnostic.sourceIsSensitive = declaration.sensitive && input.location != nil
                diagnostics.append(diagnostic)
                values[name] = Value.unknown.marked(declaration.sensitive)
            }
        }
        return (values, locations, diagnostics)
    }

    func convert(_ input: VariableInput, _ declaration: VariableDeclaration) -> Result<Value, ConversionMessage> {
        let type = declaration.type ?? .any
        let value: Value
        switch input.raw {
        case .value(let v, _):
            value = v
        case .text(let text):
            switch type {
            case .any, .string:
                value = .string(text)
            default:
                let parsed = YAMLParser().parse(SourceFile(name: "<value for var.\(declaration.name)>", bytes: Array(text.utf8)))
                guard let root = parsed.root, !parsed.diagnostics.hasErrors else {
                    let why = parsed.diagnostics.errors.first?.detail ?? "empty"
                    return .failure(ConversionMessage("it is not a valid \(type) value (\(why))", redacted: "it is not a valid \(type) value"))
                }
                value = YAMLExpressions.literal(root)
            }
        }
        if value.isNull {
            return declaration.nullable ? .success(.null) : .failure(ConversionMessage("the value must not be null"))
        }
        switch type.convert(value) {
        case .success(let converted): return .success(converted)
        case .failure(let error): return .failure(ConversionMessage(error.description, redacted: error.redacted))
        }
    }
}

struct ConversionMessage: Error {
    var text: String
    /// The message without any part of the value, for a sensitive variable.
    var redacted: String
    init(_ text: String, redacted: String? = nil) {
        self.text = text
        self.redacted = redacted ?? text
    }
}
