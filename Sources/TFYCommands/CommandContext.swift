import Foundation
import TFYOperations

/// What a command may touch of the outside world: its output streams, the environment and the
/// working directory. The executable passes the real ones; tests pass their own.
public final class CommandContext: @unchecked Sendable {
    public var environment: [String: String]
    public var workingDirectory: String
    /// Whether standard output is a terminal (colour, prompts).
    public var isTerminal: Bool
    /// The raw arguments, for what argument parsing loses (the relative order of -var and -var-file).
    public var arguments: [String] = []
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    /// Reads one line of the user's answer (the apply confirmation); nil at end of input.
    public var readLine: () -> String?
    /// Whether runs take SIGINT and SIGTERM over while they apply. Only the real process does:
    /// signal handling belongs to the whole process, and runs inside another program (tests,
    /// benchmarks, several at once) must leave it as they found it.
    public var handlesSignals = false

    public init(environment: [String: String], workingDirectory: String, isTerminal: Bool,
                out: @escaping (String) -> Void, err: @escaping (String) -> Void, readLine: @escaping () -> String? = { nil }) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.isTerminal = isTerminal
        self.writeOut = out
        self.writeErr = err
        self.readLine = readLine
    }

    /// Operations report from several tasks at once: one write at a time, so lines never mix.
    private let writing = NSLock()

    public func out(_ text: String) { writing.withLock { writeOut(text) } }
    public func err(_ text: String) { writing.withLock { writeErr(text) } }

    /// The process's real streams and environment.
    public static func standard() -> CommandContext {
        let context = CommandContext(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            isTerminal: isatty(STDOUT_FILENO) == 1,
            out: { FileHandle.standardOutput.write(Data($0.utf8)) },
            err: { FileHandle.standardError.write(Data($0.utf8)) },
            readLine: { Swift.readLine() })
        context.handlesSignals = true
        return context
    }

    /// Resolves a path the user gave against the working directory.
    func path(_ given: String) -> String {
        operationEnvironment.path(given)
    }

    /// The environment and working directory, as the operations take them.
    var operationEnvironment: OperationEnvironment {
        OperationEnvironment(variables: environment, workingDirectory: workingDirectory)
    }

    /// Where the AWS clients' retry notes go: standard error, a line each.
    var logLine: @Sendable (String) -> Void {
        { [self] in self.err($0 + "\n") }
    }
}
