import ArgumentParser
import TFYConfig
import TFYCore

/// `-var` and `-var-file`, shared by every command that evaluates configuration.
struct VariableOptions: ParsableArguments {
    @Option(name: .customLong("var", withSingleDash: true), help: ArgumentHelp("Set an input variable: -var 'name=value'.", valueName: "name=value"))
    var assignments: [String] = []

    @Option(name: .customLong("var-file", withSingleDash: true), help: ArgumentHelp("Load input variables from a YAML mapping file.", valueName: "file"))
    var files: [String] = []

    /// Inputs in Terraform's precedence, lowest first: environment, then `-var-file` and `-var`
    /// in the order given on the command line.
    func inputs(context: CommandContext, arguments: [String]) -> ([VariableInput], Diagnostics, SourceFiles) {
        var inputs = VariableInput.fromEnvironment(context.environment)
        var diagnostics = Diagnostics()
        var sources: SourceFiles = [:]
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
