import ArgumentParser
import TFYCore

/// `-no-color`, worded alike wherever a command colours its output.
struct ColorOptions: ParsableArguments {
    @Flag(name: .customLong("no-color", withSingleDash: true), help: "Do not colour the output.")
    var noColor = false

    /// Colour only on a terminal, and not when asked not to.
    func color(_ context: CommandContext) -> Bool { context.isTerminal && !noColor }
}

/// `-state` for the commands that plan or apply a configuration.
struct StateFileOption: ParsableArguments {
    @Option(name: .customLong("state", withSingleDash: true), help: ArgumentHelp("The state file (default: state/<stack>.tfstate).", valueName: "path"))
    var state: String?
}

/// `-lock-timeout`, for the commands that take the state lock while they plan or apply.
struct LockTimeoutOption: ParsableArguments {
    @Option(name: .customLong("lock-timeout", withSingleDash: true), help: ArgumentHelp("How long to wait for the state lock (e.g. 30s).", valueName: "duration"))
    var lockTimeout: String = "0s"

    /// In seconds; an unreadable duration waits not at all.
    var seconds: Double { DurationText.seconds(lockTimeout) ?? 0 }
}

/// `-format`, for the commands that print a plan.
struct PlanFormatOption: ParsableArguments {
    @Option(name: .customLong("format", withSingleDash: true), help: "text, markdown or json.")
    var format: OutputFormat = .text
}
