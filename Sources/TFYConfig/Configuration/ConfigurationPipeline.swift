import TFYCore

/// Loading, variable resolution and evaluation in one step, as every command needs them.
public struct ConfigurationPipeline: Sendable {
    /// The configuration directory, as the user gave it.
    public var directory: String
    /// Variable inputs in precedence order, lowest first.
    public var inputs: [VariableInput]
    public var missingRequired: VariableResolver.MissingRequired
    public var files: FileReader
    /// The resource types a configuration may declare.
    public var resourceTypes: ResourceCatalog

    public init(directory: String, inputs: [VariableInput], missingRequired: VariableResolver.MissingRequired, files: FileReader = FileReader(),
                resourceTypes: ResourceCatalog) {
        self.directory = directory
        self.inputs = inputs
        self.missingRequired = missingRequired
        self.files = files
        self.resourceTypes = resourceTypes
    }

    public struct Outcome: Sendable {
        /// Nil when the configuration could not be decoded far enough to evaluate.
        public var evaluated: EvaluatedConfiguration?
        public var diagnostics: Diagnostics
        public var sources: SourceFiles
    }

    /// Runs with `directory` resolved against `workingDirectory`.
    public func run(workingDirectory: String) -> Outcome {
        let path = directory.hasPrefix("/") ? directory : workingDirectory + "/" + directory
        let (loaded, loadDiagnostics) = ConfigurationLoader(resourceTypes: resourceTypes).load(directory: path, displayDirectory: directory)
        var diagnostics = loadDiagnostics
        guard let configuration = loaded else { return Outcome(evaluated: nil, diagnostics: diagnostics, sources: [:]) }
        guard configuration.isParsed else { return Outcome(evaluated: nil, diagnostics: diagnostics, sources: configuration.sources) }
        let (variables, locations, variableDiagnostics) = VariableResolver(missingRequired: missingRequired).resolve(configuration, inputs: inputs)
        diagnostics.append(contentsOf: variableDiagnostics)
        let (evaluated, evaluationDiagnostics) = ConfigurationEvaluator(files: files).evaluate(configuration, variables: variables, variableLocations: locations)
        diagnostics.append(contentsOf: evaluationDiagnostics)
        return Outcome(evaluated: evaluated, diagnostics: diagnostics.unique, sources: configuration.sources)
    }
}
