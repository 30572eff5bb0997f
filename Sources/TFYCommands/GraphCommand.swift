import ArgumentParser
import Foundation
import TFYCore
import TFYOperations
import TFYPlan
import TFYRender

struct GraphCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the apply graph in Graphviz DOT.",
        discussion: "One node per operation apply would run; an edge A -> B means A starts only after B has finished. -type plan-destroy prints the destroy plan's graph: the dependency edges reversed. A replaced instance's delete is named \"ADDRESS (destroy)\".")

    enum GraphType: String, ExpressibleByArgument { case plan, planDestroy = "plan-destroy" }

    @Argument(help: "The configuration directory.")
    var directory: String = "."

    @Option(name: .customLong("type", withSingleDash: true), help: "plan or plan-destroy.")
    var type: GraphType = .plan

    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?

    @OptionGroup var variables: VariableOptions
    @OptionGroup var backend: BackendOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let (inputs, inputDiagnostics, _) = variables.inputs(context: context, arguments: context.arguments)
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
}
