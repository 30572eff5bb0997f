import Foundation
import TFYConfig
import TFYCore
import TFYPlan
import TFYState

/// Configuration → variables → prior state → plan: the steps `plan` (and later `apply`) share.
struct PlanOperation {
    var directory: String
    var inputs: [VariableInput]
    var statePath: String?
    var options: PlanOptions

    struct Outcome {
        var plan: Plan?
        var diagnostics: Diagnostics
        var sources: SourceFiles
        var statePath: String?
    }

    func run(context: CommandContext) -> Outcome {
        let configurationPath = context.path(directory)
        let (loaded, loadDiagnostics) = ConfigurationLoader().load(directory: configurationPath, displayDirectory: directory)
        var diagnostics = loadDiagnostics
        guard let configuration = loaded, !loadDiagnostics.hasErrors else {
            return Outcome(plan: nil, diagnostics: diagnostics, sources: loaded?.sources ?? [:])
        }
        let (variables, locations, variableDiagnostics) = VariableResolver(missingRequired: .error).resolve(configuration, inputs: inputs)
        diagnostics.append(contentsOf: variableDiagnostics)
        let path = statePath.map(context.path) ?? LocalStateStore.defaultPath(stack: configuration.stack, workingDirectory: context.workingDirectory)
        var prior: State?
        do {
            prior = try LocalStateStore(path: path).read()
        } catch {
            diagnostics.append(error.diagnostic)
        }
        guard !diagnostics.hasErrors else { return Outcome(plan: nil, diagnostics: diagnostics, sources: configuration.sources, statePath: path) }
        if options.refresh, let prior, !prior.resources.isEmpty {
            diagnostics.append(.warning("Refresh skipped", detail: "Live refresh against EC2 is not available in this version of tfy; the plan compares the configuration with the state file as it is. Use -refresh=false to silence this warning."))
        }
        var request = PlanRequest(configuration: configuration, variables: variables, prior: prior, options: options,
                                  files: FileReader(currentDirectory: context.workingDirectory))
        request.variableLocations = locations
        let (plan, planDiagnostics) = Planner.plan(request)
        diagnostics.append(contentsOf: planDiagnostics)
        return Outcome(plan: plan, diagnostics: diagnostics.unique, sources: configuration.sources, statePath: path)
    }
}
