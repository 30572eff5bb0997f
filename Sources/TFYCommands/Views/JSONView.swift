import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender

/// JSON documents for machines (`show -json`, `output -json`, `plan -format json`), with
/// diagnostics as JSON lines on standard output. The `-json` stream of `plan` and `apply` is
/// `JSONStreamView`'s.
struct JSONView: CommandView {
    let context: CommandContext

    func line(_ fields: [String: JSONValue]) -> String {
        JSONValue.object(fields).compact() + "\n"
    }

    func diagnosticLines(_ diagnostics: Diagnostics) -> String {
        diagnostics.sorted.map { d in
            line(["@level": .string(d.severity.rawValue), "@message": .string("\(d.severity == .error ? "Error" : "Warning"): \(d.summary)"),
                  "diagnostic": .object(["summary": .string(d.summary), "detail": .string(d.detail)]), "type": .string("diagnostic")])
        }.joined()
    }

    func diagnostics(_ diagnostics: Diagnostics, sources: SourceFiles) {
        context.out(diagnosticLines(diagnostics))
    }

    /// On standard error, so that standard output holds the result document alone.
    func warnings(besideResult warnings: Diagnostics, sources: SourceFiles) {
        context.err(diagnosticLines(warnings))
    }

    func event(_ event: OperationEvent) {
        switch event {
        // The AWS clients' notes are not part of the JSON stream.
        case .clientLog(let note): context.err(note + "\n")
        case .planned, .refresh, .savedPlanApplying: break
        case .apply(let event): if let progress = UIMessage.progress(event) { context.out(line(["@level": .string("info"), "@message": .string(progress.message), "type": .string(progress.type)])) }
        case .note(let note): context.out(line(["@level": .string("info"), "@message": .string(note), "type": .string("log")]))
        case .problems(let problems): diagnostics(problems, sources: [:])
        }
    }

    func applied(_ outcome: ApplyOutcome) {
        switch outcome.ending {
        case .failed: diagnostics(outcome.diagnostics, sources: outcome.sources)
        case .cancelled: context.err("\nApply cancelled.\n")
        case .refreshed: break
        case .applied(let result, _, _):
            if !outcome.diagnostics.isEmpty { diagnostics(outcome.diagnostics, sources: [:]) }
            context.out(line(["type": .string("change_summary"), "@level": .string("info"),
                              "changes": .object(["add": .int(result.added), "change": .int(result.changed), "remove": .int(result.destroyed),
                                                  "operation": .string(outcome.destroy ? "destroy" : "apply")]),
                              "@message": .string(Self.summary(result, destroy: outcome.destroy))]))
        }
        if !outcome.unlockProblems.isEmpty { diagnostics(outcome.unlockProblems, sources: [:]) }
    }

    func plan(_ plan: Plan, savedTo: String?) {
        PlanJSONRenderer.write(plan, resourceTypes: .standard, to: context.out)
    }

    func validation(_ diagnostics: Diagnostics, sources: SourceFiles) {
        context.out(DiagnosticRenderer(color: false) { file, line in sources[file]?.line(line) }.validateJSON(diagnostics))
    }
}
