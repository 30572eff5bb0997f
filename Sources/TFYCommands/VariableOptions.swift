import ArgumentParser
import Foundation
import TFYConfig
import TFYCore

/// `-var` and `-var-file`, shared by every command that evaluates configuration.
struct VariableOptions: ParsableArguments {
    @Option(name: .customLong("var", withSingleDash: true), help: ArgumentHelp("Set an input variable: -var 'name=value'.", valueName: "name=value"))
    var assignments: [String] = []

    @Option(name: .customLong("var-file", withSingleDash: true), help: ArgumentHelp("Load input variables from a file: a YAML mapping or a JSON object.", valueName: "file"))
    var files: [String] = []

    /// Inputs in Terraform's precedence, lowest first: environment, then the variable files of the
    /// configuration `directory` that load automatically (none for a saved plan, which holds its
    /// values), then `-var-file` and `-var` in the order given on the command line.
    func inputs(context: CommandContext, arguments: [String], directory: String?) -> ([VariableInput], Diagnostics, SourceFiles) {
        var inputs = VariableInput.fromEnvironment(context.environment)
        var diagnostics = Diagnostics()
        var sources: SourceFiles = [:]
        if let directory {
            for name in AutomaticVariableFiles.names(in: context.path(directory)) {
                let shown = directory == "." || directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
                let (fileInputs, fileDiagnostics, source) = VariableInput.fromFile(path: shown, resolvedPath: context.path(shown))
                inputs.append(contentsOf: fileInputs)
                diagnostics.append(contentsOf: fileDiagnostics)
                if let source { sources[source.name] = source }
            }
        }
        var nextAssignment = assignments.makeIterator()
        var nextFile = files.makeIterator()
        for argument in arguments {
            if argument == "-var" || argument.hasPrefix("-var=") || argument == "--var" || argument.hasPrefix("--var=") {
                guard let assignment = nextAssignment.next() else { continue }
                switch VariableInput.fromArgument(assignment) {
                case .success(let input): inputs.append(input)
                case .failure(let diagnostic): diagnostics.append(diagnostic)
                }
            } else if argument == "-var-file" || argument.hasPrefix("-var-file=") || argument == "--var-file" || argument.hasPrefix("--var-file=") {
                guard let file = nextFile.next() else { continue }
                let (fileInputs, fileDiagnostics, source) = VariableInput.fromFile(path: file, resolvedPath: context.path(file))
                inputs.append(contentsOf: fileInputs)
                diagnostics.append(contentsOf: fileDiagnostics)
                if let source { sources[source.name] = source }
            }
        }
        return (inputs, diagnostics, sources)
    }
}
