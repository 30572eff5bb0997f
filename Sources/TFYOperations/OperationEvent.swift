import TFYCore
import TFYEngine

/// What an operation reports while it runs, in the order it happens; a view turns each into text.
package enum OperationEvent: Sendable {
    /// A note an AWS client wrote (a retry, a throttled call), as it happened.
    case clientLog(String)
    /// Refresh reading one tracked object.
    case refresh(Refresher.Progress)
    /// The plan about to be carried out, shown before the confirmation.
    case planned(Plan)
    /// The saved plan about to be applied. It was reviewed when it was made, so the text view
    /// shows nothing of it; the JSON stream lists its changes, as Terraform's does.
    case savedPlanApplying(Plan)
    /// A resource operation's progress.
    case apply(ApplyEvent)
    /// A line of its own, not tied to a resource operation (a key fetched from the backend).
    case note(String)
    /// Problems found while the run goes on (they do not end it by themselves).
    case problems(Diagnostics)
}

/// Where an operation sends its events.
package typealias OperationEvents = @Sendable (OperationEvent) -> Void

/// What `apply` asks the user to confirm.
package enum Confirmation: Sendable {
    case apply, destroy
}

/// An interrupt (Ctrl-C) as the operation sees it: whether one came, and when to stop listening.
package protocol InterruptSignal: Sendable {
    var isInterrupted: Bool { get }
    /// The operations are done: an interrupt from now on ends the process as usual.
    func stopListening()
}
