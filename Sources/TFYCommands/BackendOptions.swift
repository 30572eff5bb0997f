import ArgumentParser
import TFYOperations

/// `-backend-config KEY=VALUE`: a backend setting given on the command line (Terraform's partial
/// backend configuration), for every command that reads or writes the state.
struct BackendOptions: ParsableArguments {
    @Option(name: .customLong("backend-config", withSingleDash: true),
            help: ArgumentHelp("A backend setting that overrides the backend block, e.g. bucket=NAME, or a YAML file of them (repeatable).", valueName: "key=value|file"))
    var settings: [String] = []
}
