import Foundation
import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender

/// Text for people, in Terraform's layout: diagnostics with their source line on standard
/// error, plans and progress on standard output.
struct HumanView: CommandView {
    let context: CommandContext
    /// Colour for plans and diagnostics.
    var color: Bool
    /// Diagnostics stay plain where a command never coloured them (show, the state commands).
    var diagnosticColor: Bool
    /// `-format`: text or markdown.
    var planFormat: OutputFormat

    init(context: CommandContext, color: Bool, diagnosticColor: Bool? = nil, planFormat: OutputFormat = .text) {
        self.context = context
        self.color = color
        self.diagnosticColor = diagnosticColor ?? color
        self.planFormat = planFormat
    }

    func renderer(_ sources: SourceFiles) -> DiagnosticRenderer {
        DiagnosticRenderer(color: diagnosticColor) { file, line in sources[file]?.line(line) }
    }

    func diagnostics(_ diagnostics: Diagnostics, sources: SourceFiles) {
        context.err(renderer(sources).text(diagnostics))
    }

    func warnings(besideResult warnings: Diagnostics, sources: SourceFiles) {
        diagnostics(warnings, sources: sources)
    }

    func event(_ event: OperationEvent) {
        switch event {
        case .clientLog(let line): context.err(line + "\n")
        case .planned(let plan): context.out(PlanTextRenderer(color: color, resourceTypes: .standard).render(plan))
        // Refresh reads whole types at once, and a saved plan was shown when it was made.
        case .refresh, .savedPlanApplying: break
        // A script's output comes from outside tfy: its control characters are shown, not obeyed.
        case .apply(.output(let address, let line, let provisioner)):
            context.out(Self.progress(.output(address, TerminalText.escaped(line), provisioner: provisioner))! + "\n")
        case .apply(let event): if let line = Self.progress(event) { context.out(line + "\n") }
        case .note(let line): context.out(line + "\n")
        case .problems(let problems): diagnostics(problems, sources: [:])
        }
    }

    func applied(_ outcome: ApplyOutcome) {
        switch outcome.ending {
        case .failed: diagnostics(outcome.diagnostics, sources: outcome.sources)
        case .cancelled: context.err("\nApply cancelled.\n")
        case .refreshed: context.out("\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n")
        case .applied(let result, let outputs, let calls):
            let failed = outcome.diagnostics.hasErrors
            if !outcome.diagnostics.isEmpty { diagnostics(outcome.diagnostics, sources: outcome.sources) }
            context.out("\n" + (failed ? "" : Self.summary(result, destroy: outcome.destroy) + "\n"))
            if !outputs.isEmpty, !outcome.destroy, !failed {
                context.out("\nOutputs:\n\n")
                for name in outputs.keys.sorted() { context.out("\(name) = \(ValueText.output(outputs[name]!))\n") }
            }
            if let calls { context.out("\n\(calls)\n") }
        }
        if !outcome.unlockProblems.isEmpty { diagnostics(outcome.unlockProblems, sources: [:]) }
    }

    func plan(_ plan: Plan, savedTo: String?) {
        PlanPresentation.write(plan, format: planFormat, color: color, to: context.out)
        if let savedTo, planFormat == .text {
            context.out("\nSaved the plan to: \(savedTo)\n\nTo perform exactly these actions, run the following command to apply:\n    tfy apply \(savedTo)\n")
        }
    }

    func validation(_ diagnostics: Diagnostics, sources: SourceFiles) {
        let renderer = renderer(sources)
        context.err(renderer.text(Diagnostics(diagnostics.errors)))
        context.out(renderer.text(Diagnostics(diagnostics.warnings)))
        if !diagnostics.hasErrors {
            let success = renderer.color ? "\u{1B}[1;32mSuccess!\u{1B}[0m" : "Success!"
            context.out(diagnostics.isEmpty
                ? "\(success) The configuration is valid.\n"
                : "\(success) The configuration is valid, but there were some validation warnings as shown above.\n")
        }
    }
}
