import TFYConfig
import TFYCore
import TFYEngine
import TFYOperations
import TFYRender

/// How a command prints: one implementation per output format (`HumanView`, `JSONView`), chosen
/// once from the flags and used for every diagnostic, progress line and result, so a `-json` run
/// can never print a human error.
protocol CommandView: Sendable {
    var context: CommandContext { get }

    /// Errors and warnings, each shown with the source line it points at (from `sources`).
    func diagnostics(_ diagnostics: Diagnostics, sources: SourceFiles)
    /// Warnings that accompany a result document (a plan): they must not mix into it.
    func warnings(besideResult warnings: Diagnostics, sources: SourceFiles)
    /// Progress while an operation runs.
    func event(_ event: OperationEvent)
    /// How an apply, destroy or refresh ended.
    func applied(_ outcome: ApplyOutcome)
    /// A plan (planned now, or read from `savedTo`'s file by `show`).
    func plan(_ plan: Plan, savedTo: String?)
    /// `tfy validate`'s verdict.
    func validation(_ diagnostics: Diagnostics, sources: SourceFiles)
}

extension CommandView {
    /// The one view for `json`: Terraform's JSON stream (its `version` message written), or
    /// text for people (coloured when `color`).
    static func chosen(json: Bool, context: CommandContext, color: Bool, planFormat: OutputFormat = .text) -> any CommandView {
        json ? JSONStreamView.begun(context: context) : HumanView(context: context, color: color, planFormat: planFormat)
    }

    /// One error.
    func diagnostic(_ diagnostic: Diagnostic, sources: SourceFiles = [:]) {
        diagnostics(Diagnostics([diagnostic]), sources: sources)
    }

    /// Asks the user to confirm an apply or destroy (`input` false: never asks, refuses).
    func confirm(_ confirmation: Confirmation, input: Bool) -> Bool {
        guard input else {
            context.err("\nError: No confirmation: run with -auto-approve to apply without a prompt, or apply a saved plan.\n")
            return false
        }
        context.out(confirmation == .destroy
            ? "\nDo you really want to destroy all resources?\n  tfy will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
            : "\nDo you want to perform these actions?\n  tfy will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
        return context.readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }

    /// The line an apply ends with.
    static func summary(_ result: ApplyResult, destroy: Bool) -> String {
        destroy ? "Destroy complete! Resources: \(result.destroyed) destroyed."
            : "Apply complete! Resources: \(result.imported > 0 ? "\(result.imported) imported, " : "")\(result.adopted > 0 ? "\(result.adopted) adopted, " : "")\(result.added) added, \(result.changed) changed, \(result.destroyed) destroyed."
    }

    /// A resource operation's progress line for people; nil for what is not printed (a skip,
    /// the beginning and end of a bootstrap's commands).
    static func progress(_ event: ApplyEvent) -> String? {
        switch event {
        // A data source read during apply, as Terraform prints it: `data.…: Reading...`,
        // `Still reading...`, `Read complete after 0s [id=…]`, and no line when it fails.
        case .started(let a, .read, _): return "data.\(a): Reading..."
        case .stillRunning(let a, .read, let s): return "data.\(a): Still reading... [\(s)s elapsed]"
        case .completed(let a, .read, let s, let id): return "data.\(a): Read complete after \(s)s" + (id.map { " [id=\($0)]" } ?? "")
        case .failed(_, .read, _, _): return nil
        case .started(let a, let op, _): return "\(a): \(op.rawValue)..."
        case .stillRunning(let a, let op, let s):
            return "\(a): Still \(op == .create ? "creating" : op == .update ? "modifying" : "destroying")... [\(s)s elapsed]"
        case .completed(let a, let op, let s, let id):
            let noun = op == .create ? "Creation" : op == .update ? "Modifications" : "Destruction"
            return "\(a): \(noun) complete after \(s)s" + (id.map { " [id=\($0)]" } ?? "")
        case .failed(let a, let op, _, _): return "\(a): \(op == .create ? "Creation" : op == .update ? "Modification" : "Destruction") errored"
        case .skipped, .provisioning: return nil
        case .output(let a, let line, let provisioner): return "\(a) (\(provisioner)): \(line)"
        }
    }
}
