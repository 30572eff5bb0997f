/// How a tfy run ends, as the process's exit status.
enum ExitStatus: Equatable, Sendable {
    case success
    /// Any error, usage errors included, as Terraform's.
    case failure
    /// `plan -detailed-exitcode`: the plan has changes.
    case changesPresent
    /// The status of a command tfy ran for the user (`tfy ssh NAME -- COMMAND`).
    case passedThrough(Int32)

    var code: Int32 {
        switch self {
        case .success: return 0
        case .failure: return 1
        case .changesPresent: return 2
        case .passedThrough(let code): return code
        }
    }

    init(succeeded: Bool) { self = succeeded ? .success : .failure }
}
