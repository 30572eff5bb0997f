/// What tfy's commands do, without printing or parsing anything: plan, apply a configuration or
/// a saved plan, destroy, refresh, move the state (pull, push, migrate), forget (state rm) or take
/// (import) an object, and find the instance `tfy ssh` reaches. Each operation takes a typed
/// request and returns a typed result; progress goes to a callback as `OperationEvent`s and
/// confirmation is asked through an injected closure, so the command-line views decide every
/// byte that is printed.
import Foundation

/// The outside world an operation may read: the environment and the working directory, as values.
package struct OperationEnvironment: Sendable {
    package var variables: [String: String]
    package var workingDirectory: String

    package init(variables: [String: String], workingDirectory: String) {
        self.variables = variables
        self.workingDirectory = workingDirectory
    }

    /// Resolves a path the user gave against the working directory.
    package func path(_ given: String) -> String {
        given.hasPrefix("/") ? given : (workingDirectory as NSString).appendingPathComponent(given)
    }
}
