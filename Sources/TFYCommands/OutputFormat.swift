import ArgumentParser

/// How a command prints a plan.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}
