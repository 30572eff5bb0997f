import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender

/// `plan`, `apply`, `destroy` and `refresh` with `-json`: Terraform's machine-readable UI, one
/// `UIMessage` per line on standard output, starting with `version`. Everything a run reports
/// goes into the stream — diagnostics included — so a reader parses every line of standard
/// output; only the AWS clients' retry notes and interrupt notices go to standard error, as
/// text. The stream never asks anything: the commands refuse `-json` without `-auto-approve`.
struct JSONStreamView: CommandView {
    let context: CommandContext

    /// A stream begun: its `version` message is written.
    static func begun(context: CommandContext) -> JSONStreamView {
        let view = JSONStreamView(context: context)
        view.write(.version)
        return view
    }

    func write(_ message: UIMessage) {
        context.out(message.line(at: UITimestamp.now()))
    }

    func write(_ messages: [UIMessage]) {
        for message in messages { write(message) }
    }

    func renderer(_ sources: SourceFiles) -> DiagnosticRenderer {
        DiagnosticRenderer(color: false) { file, line in sources[file]?.line(line) }
    }

    func diagnostics(_ diagnostics: Diagnostics, sources: SourceFiles) {
        let renderer = renderer(sources)
        write(diagnostics.sorted.map { UIMessage.diagnostic($0, renderer: renderer) })
    }

    /// In the stream too: there is no separate result document to keep them out of.
    func warnings(besideResult warnings: Diagnostics, sources: SourceFiles) {
        diagnostics(warnings, sources: sources)
    }

    func event(_ event: OperationEvent) {
        switch event {
        // The AWS clients' notes (a retry, a lock's notice) are log text, as Terraform's are.
        case .clientLog(let note): context.err(note + "\n")
        case .refresh(let progress): write(.refresh(progress))
        case .planned(let plan): write(UIMessage.plan(plan, renderer: renderer([:])))
        // As Terraform: applying a saved plan lists its changes, without a summary.
        case .savedPlanApplying(let plan): write(UIMessage.plannedChanges(plan))
        case .apply(let event): if let message = UIMessage.progress(event) { write(message) }
        case .note(let note): write(.log(note))
        case .problems(let problems): diagnostics(problems, sources: [:])
        }
    }

    func applied(_ outcome: ApplyOutcome) {
        switch outcome.ending {
        case .failed: diagnostics(outcome.diagnostics, sources: outcome.sources)
        case .cancelled: write(.log("Apply cancelled."))
        case .refreshed: write(.changeSummary(add: 0, change: 0, remove: 0, adopt: 0, operation: "apply"))
        case .applied(let result, let outputs, let calls):
            if !outcome.diagnostics.isEmpty { diagnostics(outcome.diagnostics, sources: outcome.sources) }
            // As Terraform: a run that failed reports its errors, not a summary or outputs.
            if !outcome.diagnostics.hasErrors {
                write(.changeSummary(add: result.added, change: result.changed, remove: result.destroyed, adopt: result.adopted,
                                     imported: result.imported, operation: outcome.destroy ? "destroy" : "apply"))
                if !outcome.destroy, let outputs = UIMessage.appliedOutputs(outputs) { write(outputs) }
            }
            if let calls { write(.apiCalls(outcome.apiCalls, summary: calls)) }
        }
        if !outcome.unlockProblems.isEmpty { diagnostics(outcome.unlockProblems, sources: [:]) }
    }

    func plan(_ plan: Plan, savedTo: String?) {
        write(UIMessage.plan(plan, renderer: renderer([:])))
    }

    /// `validate -json` prints one document, as Terraform's does; it is not this view's.
    func validation(_ diagnostics: Diagnostics, sources: SourceFiles) {
        context.out(renderer(sources).validateJSON(diagnostics))
    }
}
