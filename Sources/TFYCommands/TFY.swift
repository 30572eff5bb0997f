import ArgumentParser
import TFYCore

/// The `tfy` command line: argument parsing, then one operation per subcommand.
public struct TFY: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tfy",
        abstract: "Plan and apply EC2 clusters from YAML configuration.",
        // `-chdir` is taken out of the arguments before parsing (see `GlobalOptions`): declared as
        // an option here, argument parsing would take it after a subcommand too.
        usage: "tfy [-chdir=DIR] <subcommand>",
        discussion: "Global option: -chdir=DIR (before the subcommand) works in DIR, as if tfy had been started there: the configuration, the default state and every relative path given on the command line are found from DIR.",
        subcommands: [ValidateCommand.self, PlanCommand.self, ApplyCommand.self, DestroyCommand.self, RefreshCommand.self, ShowCommand.self, OutputCommand.self, StateCommand.self, ImportCommand.self, ForceUnlockCommand.self, GraphCommand.self, SSHCommand.self, VersionCommand.self],
        // No short `-h` for the parser: it splits an unknown single-dash option into short flags
        // (`-this` into -t -h -i -s) and, finding `-h` among them, printed help and exited 0
        // instead of refusing the option. `-h` alone is help all the same (`HelpRequest`).
        helpNames: [.long, .customLong("help", withSingleDash: true)])

    @Flag(name: [.customLong("version"), .customLong("version", withSingleDash: true)], help: "Print the tfy version.")
    var version = false

    public init() {}
}

/// A subcommand that runs against a `CommandContext` and returns its exit status.
protocol ContextCommand {
    func execute(in context: CommandContext) async -> ExitStatus
}

extension TFY: ContextCommand {
    func execute(in context: CommandContext) async -> ExitStatus {
        if version {
            context.out(VersionCommand.text)
            return .success
        }
        context.out(HelpRequest.text(for: TFY.self))
        return .success
    }
}

/// How help is asked for and printed: `-h`, `-help` or `--help` anywhere before `--` (or
/// `tfy help COMMAND`, which the parser handles). Printed 80 columns wide wherever it is shown,
/// so it reads the same in a terminal, a pipe and the golden files.
enum HelpRequest {
    static let names: Set<String> = ["-h", "-help", "--help"]

    static func isAsked(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains { names.contains($0) }
    }

    static func text(for command: any ParsableCommand.Type) -> String {
        TFY.helpMessage(for: command, columns: 80) + "\n"
    }
}

/// The (sub)command whose help `arguments` ask for: the longest run of subcommand names.
func helpTarget(_ arguments: [String]) -> any ParsableCommand.Type {
    var target: any ParsableCommand.Type = TFY.self
    for word in arguments where !word.hasPrefix("-") && word != "help" {
        guard let next = target.configuration.subcommands.first(where: { ($0.configuration.commandName ?? "") == word }) else { break }
        target = next
    }
    return target
}

/// Runs tfy with `arguments` (without the program name). Every failure, usage errors included,
/// exits 1, as Terraform's do; help exits 0.
public enum TFYCommandLine {
    public static func run(_ given: [String], context: CommandContext) async -> Int32 {
        let arguments: [String]
        switch GlobalOptions.apply(to: given, context: context) {
        case .success(let remaining): arguments = remaining
        case .failure(let problem):
            HumanView(context: context, color: false).diagnostic(problem.diagnostic)
            return ExitStatus.failure.code
        }
        context.arguments = arguments
        if HelpRequest.isAsked(arguments) {
            context.out(HelpRequest.text(for: helpTarget(arguments)))
            return ExitStatus.success.code
        }
        do {
            let command = try TFY.parseAsRoot(arguments)
            guard let runnable = command as? ContextCommand else {
                // `help [COMMAND...]`: the help of the command named.
                context.out(HelpRequest.text(for: helpTarget(arguments)))
                return ExitStatus.success.code
            }
            return await runnable.execute(in: context).code
        } catch {
            let message = TFY.fullMessage(for: error, columns: 80)
            if TFY.exitCode(for: error) == .success {
                context.out(message + "\n")
                return ExitStatus.success.code
            }
            context.err(message + "\n")
            return ExitStatus.failure.code
        }
    }

    /// What one run printed, for callers that run tfy in-process (tests, benchmarks).
    public struct Captured: Sendable {
        public var status: Int32
        public var out: String
        public var err: String

        public init(status: Int32, out: String, err: String) {
            self.status = status
            self.out = out
            self.err = err
        }
    }

    /// Runs tfy in `directory` with `environment` (and `input` as the lines typed at prompts),
    /// collecting what it prints.
    public static func capture(_ arguments: [String], directory: String, environment: [String: String], input: [String] = []) async -> Captured {
        final class Collected: @unchecked Sendable {
            var out = "", err = ""
            var input: [String]
            init(input: [String]) { self.input = input }
        }
        let collected = Collected(input: input)
        let context = CommandContext(environment: environment, workingDirectory: directory, isTerminal: false,
                                     out: { collected.out += $0 }, err: { collected.err += $0 },
                                     readLine: { collected.input.isEmpty ? nil : collected.input.removeFirst() })
        let status = await run(arguments, context: context)
        return Captured(status: status, out: collected.out, err: collected.err)
    }
}
