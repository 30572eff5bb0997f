import ArgumentParser
import TFYCore

// Option groups shared by several commands. A group holds only options that every command using
// it takes, with the same meaning in each, so a command's help lists its own options in its own
// words; an option whose meaning differs between commands (`-target`, `-input`) is declared by
// each command.

/// `-no-color`, worded alike in every command: Terraform takes it everywhere, and scripts pass it
/// to every command they run, so the commands that never colour (`output`, `state`, `graph`,
/// `ssh`, `version`...) take it too and have nothing to turn off.
struct ColorOptions: ParsableArguments {
    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output (also: NO_COLOR set, or TERM=dumb).")
    var noColor = false

    /// Colour only on a terminal, and not when asked not to.
    func color(_ context: CommandContext) -> Bool { context.isTerminal && !noColor && !Self.declined(by: context.environment) }

    /// Whether the environment asks for no colour, as `-no-color` does: `NO_COLOR` set to
    /// anything but the empty string (no-color.org: "0" and "false" too), or `TERM=dumb`.
    static func declined(by environment: [String: String]) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
    }
}

/// `-state` for the commands that plan or apply a configuration.
struct StateFileOption: ParsableArguments {
    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?
}

/// A value given on the command line that its option cannot take: the message says what it takes.
struct InvalidOptionValue: Error, CustomStringConvertible {
    var description: String
}

/// `-lock-timeout`, for the commands that take the state lock while they plan or apply.
struct LockTimeoutOption: ParsableArguments {
    /// Go's largest duration, which Terraform's `-lock-timeout` parses into.
    static let longest = 2_562_047.0 * 3600

    // `.unconditional`: a value that starts with a dash ("-1s") is refused as a duration rather
    // than read as another option.
    @Option(name: .customLong("lock-timeout", withSingleDash: true), parsing: .unconditional,
            help: ArgumentHelp("How long to wait for the state lock, e.g. 30s or 5m (default: 0s, do not wait).", valueName: "duration"),
            transform: LockTimeoutOption.seconds)
    var seconds: Double = 0

    /// A duration as Terraform writes them (`0s`, `30s`, `5m`, `1h30m`, `250ms`), or plain seconds.
    static func seconds(_ text: String) throws -> Double {
        guard let seconds = DurationText.seconds(text), seconds.isFinite, seconds <= longest else {
            throw InvalidOptionValue(description: "\(Value.quoted(text)) is not a duration: give a number and a unit, such as 0s, 30s, 5m or 1h (at most 2562047h).")
        }
        return seconds
    }
}

/// `-parallelism`, for the commands that apply.
struct ParallelismOption: ParsableArguments {
    @Option(name: .customLong("parallelism", withSingleDash: true), parsing: .unconditional,
            help: ArgumentHelp("How many operations may run at once (default: 10).", valueName: "n"), transform: ParallelismOption.count)
    var parallelism: Int = 10

    static func count(_ text: String) throws -> Int {
        guard let n = Int(text), n >= 1 else { throw InvalidOptionValue(description: "-parallelism must be a whole number of at least 1.") }
        return n
    }
}

/// `-format`, for the commands that print a plan.
struct PlanFormatOption: ParsableArguments {
    @Option(name: .customLong("format", withSingleDash: true), help: "How to print the plan.")
    var format: OutputFormat = .text
}
