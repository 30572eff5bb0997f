import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYRender

/// What the libFuzzer campaigns under `fuzz/` exercise, one entry point per input format a user
/// or a file on disk can hand tfy. Each runs the same code the commands run on such input, end to
/// end through rendering, so a trap, a hang or unbounded memory anywhere on the path is found.
///
/// The regression tests replay every kept input (`fuzz/regressions/TARGET/`) through `run`, so the
/// entry points live in a library rather than in the fuzzing executable.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A configuration file: YAML parsing, decoding, variables, evaluation, planning against no
    /// state, and the plan's text and JSON renderings, or the diagnostics' rendering.
    case configuration
    /// One string as a configuration value holds it: template parsing and evaluation with
    /// variables, locals and a resource in scope.
    case expression
    /// A state file as `tfy` reads it from a backend.
    case state
    /// A saved plan file as `tfy apply PLANFILE` and `tfy show PLANFILE` read it.
    case plan

    /// Runs one input. Returns what a command would print, so a caller can tell an input that was
    /// accepted from one that was refused; the fuzzer ignores it.
    @discardableResult
    public func run(_ bytes: [UInt8]) -> String {
        switch self {
        case .configuration: return Self.configuration(bytes)
        case .expression: return Self.expression(bytes)
        case .state: return Self.state(bytes)
        case .plan: return Self.plan(bytes)
        }
    }

    /// A directory with a few small files, for `file()`, `templatefile()` and `files.source` to
    /// reach. Created once per process.
    public static let directory: String = {
        let path = NSTemporaryDirectory() + "tfy-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path + "/setup.sh", contents: Data("#!/bin/sh\necho ${name}\n".utf8))
        // Templates that include themselves and each other, so inclusion cycles are in reach.
        _ = FileManager.default.createFile(atPath: path + "/self.tpl", contents: Data("${templatefile(\"self.tpl\", {})}\n".utf8))
        _ = FileManager.default.createFile(atPath: path + "/a.tpl", contents: Data("a ${templatefile(\"b.tpl\", {n = n})}\n".utf8))
        _ = FileManager.default.createFile(atPath: path + "/b.tpl", contents: Data("%{ if n > 0 }${templatefile(\"a.tpl\", {n = n - 1})}%{ endif }\n".utf8))
        return path
    }()

    static func configuration(_ bytes: [UInt8]) -> String {
        let file = SourceFile(name: "main.yml", bytes: bytes)
        let (configuration, loadDiagnostics) = ConfigurationLoader(resourceTypes: .standard)
            .load(files: [file], directory: directory, defaultStack: "fuzz")
        var diagnostics = loadDiagnostics
        var output = ""
        if !diagnostics.hasErrors {
            let (variables, locations, variableDiagnostics) = VariableResolver(missingRequired: .unknown).resolve(configuration, inputs: [])
            diagnostics.append(contentsOf: variableDiagnostics)
            let (_, evaluationDiagnostics) = ConfigurationEvaluator().evaluate(configuration, variables: variables, variableLocations: locations)
            diagnostics.append(contentsOf: evaluationDiagnostics)
            if !diagnostics.hasErrors {
                let (plan, planDiagnostics) = Planner.plan(PlanRequest(configuration: configuration, variables: variables, prior: nil, options: PlanOptions()))
                diagnostics.append(contentsOf: planDiagnostics)
                if let plan {
                    output += PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
                    output += PlanJSONRenderer.render(plan, resourceTypes: .standard)
                    output += String(decoding: plan.encoded(), as: UTF8.self)
                }
            }
        }
        let sources = configuration.sources
        output += DiagnosticRenderer(color: false) { name, line in sources[name]?.line(line) }.text(diagnostics)
        return output
    }

    /// The saved plan of a configuration that plans cleanly against no state: seeds for `.plan`.
    public static func savedPlan(configuration bytes: [UInt8]) -> [UInt8]? {
        let file = SourceFile(name: "main.yml", bytes: bytes)
        let (configuration, diagnostics) = ConfigurationLoader(resourceTypes: .standard).load(files: [file], directory: directory, defaultStack: "fuzz")
        guard !diagnostics.hasErrors else { return nil }
        let variables = VariableResolver(missingRequired: .unknown).resolve(configuration, inputs: []).0
        return Planner.plan(PlanRequest(configuration: configuration, variables: variables, prior: nil, options: PlanOptions())).0?.encoded()
    }

    static func expression(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let start = SourceLocation(file: "main.yml", line: 1, column: 1)
        switch ExpressionParser.parseString(text, sourceMap: .startOnly(start)) {
        case .failure(let error): return "\(error)"
        case .success(let expression):
            var scope = EvaluationScope()
            scope.variables = [
                "name": .string("web"), "count": .number(3), "ports": .list([.number(22), .number(80)]),
                "tags": .map(["Name": .string("web"), "Role": .string("db")]),
                "secret": .sensitive(.string("hunter2")), "later": .unknown,
            ]
            scope.locals = ["prefix": .string("tfy-"), "nested": .map(["list": .list([.string("a"), .string("b")])])]
            scope.resources = ["aws_instance.web": .list([.map(["id": .string("i-0123"), "private_ip": .unknown])])]
            scope.resourceTypes = ["aws_instance"]
            scope.countIndex = 1
            scope.moduleDirectory = directory
            do {
                return "\(try Evaluator(scope: scope).evaluate(expression))"
            } catch let error as EvaluationError {
                return "\(error.diagnostic)"
            } catch {
                return "\(error)"
            }
        }
    }

    static func state(_ bytes: [UInt8]) -> String {
        switch State.decode(bytes) {
        case .failure(let error): return "\(error)"
        case .success(let state): return String(decoding: state.encoded(), as: UTF8.self)
        }
    }

    static func plan(_ bytes: [UInt8]) -> String {
        switch Plan.decode(bytes) {
        case .failure(let error): return "\(error)"
        case .success(let plan):
            return PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
                + PlanMarkdownRenderer.render(plan, resourceTypes: .standard)
                + PlanJSONRenderer.render(plan, resourceTypes: .standard)
                + String(decoding: plan.encoded(), as: UTF8.self)
        }
    }
}
