import ArgumentParser
import Foundation
import TFYConfig
import TFYCore
import TFYOperations
import TFYPlan
import TFYRender

struct GraphCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the resource graph, or the apply graph, in Graphviz DOT.",
        discussion: "Without -type, one node per resource of the configuration and an edge A -> B when A depends on B (Terraform's default); it reads neither state nor AWS, and a required variable without a value is unknown. -type plan prints the graph apply would walk: one node per operation, an edge A -> B when A starts only after B has finished. -type plan-destroy prints the destroy plan's graph: the dependency edges reversed. A replaced instance's delete is named \"ADDRESS (destroy)\".")

    enum GraphType: String, ExpressibleByArgument { case plan, planDestroy = "plan-destroy" }

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @Option(name: .customLong("type", withSingleDash: true), help: "plan or plan-destroy (default: the resource graph).")
    var type: GraphType?

    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file, for -type (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?

    @OptionGroup var variables: VariableOptions
    @OptionGroup var backend: BackendOptions
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let (inputs, inputDiagnostics, _) = variables.inputs(context: context, arguments: context.arguments, directory: directory)
        guard let type else { return resourceGraph(inputs: inputs, inputDiagnostics: inputDiagnostics, context: context) }
        var options = PlanOptions()
        options.refresh = false
        options.destroy = type == .planDestroy
        let outcome = await PlanOperation.plan(Deployment(directory: directory, inputs: inputs, statePath: state, options: options, lockOperation: "OperationTypeGraph", useLock: false,
                                                          backendSettings: backend.settings), environment: context.operationEnvironment,
                                               events: { HumanView(context: context, color: false).event($0) })
        var diagnostics = inputDiagnostics
        diagnostics.append(contentsOf: outcome.diagnostics)
        let renderer = DiagnosticRenderer(color: false) { [sources = outcome.sources] file, line in sources[file]?.line(line) }
        guard let plan = outcome.plan, !diagnostics.hasErrors else {
            context.err(renderer.text(diagnostics))
            return .failure
        }
        // The graph apply walks; a destroy plan's edges are already the dependencies reversed.
        context.out(GraphRenderer.dot(ApplyGraph(plan).named))
        return .success
    }

    /// Terraform's default graph: the configuration's resources and their dependencies, from the
    /// configuration alone (evaluated as `validate` does, a missing required variable unknown),
    /// so it can be drawn before anything is planned or applied.
    func resourceGraph(inputs: [VariableInput], inputDiagnostics: Diagnostics, context: CommandContext) -> ExitStatus {
        var diagnostics = inputDiagnostics
        var sources: SourceFiles = [:]
        var graph = DependencyGraph<String>()
        if !inputDiagnostics.hasErrors {
            let outcome = ConfigurationPipeline(directory: directory, inputs: inputs, missingRequired: .unknown,
                                                files: FileReader(currentDirectory: context.workingDirectory), resourceTypes: .standard)
                .run(workingDirectory: context.workingDirectory)
            diagnostics.append(contentsOf: outcome.diagnostics)
            sources = outcome.sources
            for resource in outcome.evaluated?.resources ?? [] {
                graph.add(resource.address)
                for dependency in resource.dependencies { graph.add(resource.address, dependsOn: dependency) }
            }
        }
        let renderer = DiagnosticRenderer(color: false) { [sources] file, line in sources[file]?.line(line) }
        guard !diagnostics.hasErrors else {
            context.err(renderer.text(diagnostics))
            return .failure
        }
        if !diagnostics.isEmpty { context.err(renderer.text(diagnostics)) }
        context.out(GraphRenderer.dot(graph))
        return .success
    }
}
