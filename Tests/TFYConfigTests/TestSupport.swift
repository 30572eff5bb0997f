import Foundation
import TFYConfig
import TFYCore
import TFYEngine

/// The folder of this test target's fixtures, in the source tree.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// A fresh directory for one test, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) rethrows -> T {
    let path = NSTemporaryDirectory() + "tfy-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func write(_ text: String, to path: String) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

/// Loads, resolves and evaluates a configuration written as `files` (name → text).
func evaluate(_ files: [String: String], inputs: [VariableInput] = [], missingRequired: VariableResolver.MissingRequired = .unknown) -> ConfigurationPipeline.Outcome {
    withTemporaryDirectory { directory in
        for (name, text) in files { write(text, to: directory + "/" + name) }
        return ConfigurationPipeline(directory: ".", inputs: inputs, missingRequired: missingRequired, files: FileReader(currentDirectory: directory), resourceTypes: .standard)
            .run(workingDirectory: directory)
    }
}

/// "line:col summary" for each error, in source order.
func errorLines(_ diagnostics: Diagnostics) -> [String] {
    diagnostics.sorted.filter { $0.severity == .error }.map { d in
        "\(d.location.map { "\($0.line):\($0.column)" } ?? "-") \(d.summary)"
    }
}

/// Evaluates one expression string (as written in YAML) in an empty configuration with `locals`.
func evaluateExpression(_ text: String, locals: [String: Value] = [:], variables: [String: Value] = [:]) throws -> Value {
    let parsed = ExpressionParser.parseString(text, sourceMap: .startOnly(SourceLocation(file: "test", line: 1, column: 1)))
    let expression = try parsed.get()
    var scope = EvaluationScope()
    scope.locals = locals
    scope.variables = variables
    return try Evaluator(scope: scope).evaluate(expression)
}

extension ExpressionParser.ParseError: CustomStringConvertible {
    public var description: String { diagnostic.description }
}
