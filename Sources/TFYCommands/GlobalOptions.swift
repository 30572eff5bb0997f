import ArgumentParser
import Foundation
import TFYCore

/// `-chdir=DIR` (or `-chdir DIR`) before the subcommand: Terraform's global option. tfy works in
/// DIR as if it had been started there, so the configuration, the default state and every
/// relative path given on the command line (`-state`, `-out`, `-var-file`, a plan file) are
/// found from DIR.
///
/// After the subcommand it is not the global option. The commands that work on the state alone
/// (`state …`, `output`, `force-unlock`, `ssh`) took `-chdir DIR` there before it became global,
/// naming the configuration directory as `tfy plan DIR` does, and keep that meaning; any other
/// command refuses it with the form to use, rather than read it as a bundle of short flags.
/// Keeping Terraform's position means a script written for Terraform reads the same, and a
/// relative path never depends on where on the line `-chdir` stood.
enum GlobalOptions {
    struct Problem: Error {
        var diagnostic: Diagnostic
    }

    static func invalid(_ detail: String) -> Result<[String], Problem> {
        .failure(Problem(diagnostic: .error("Invalid -chdir option", detail: detail)))
    }

    /// The value of `argument` at `index` when it is `-chdir` (then the next argument is its value,
    /// and `consumed` is 2) or `-chdir=VALUE`.
    static func chdir(_ arguments: [String], at index: Int) -> (value: String?, consumed: Int)? {
        let argument = arguments[index]
        if argument == "-chdir" || argument == "--chdir" {
            return (index + 1 < arguments.count ? arguments[index + 1] : nil, 2)
        }
        if argument.hasPrefix("-chdir=") || argument.hasPrefix("--chdir=") {
            return (String(argument[argument.index(after: argument.firstIndex(of: "=")!)...]), 1)
        }
        return nil
    }

    /// The arguments without the global `-chdir`, after moving `context` into its directory.
    static func apply(to arguments: [String], context: CommandContext) -> Result<[String], Problem> {
        var remaining: [String] = []
        var directory: String?
        var index = 0
        // The global options: everything before the subcommand.
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            guard let (value, consumed) = chdir(arguments, at: index) else {
                remaining.append(arguments[index])
                index += 1
                continue
            }
            guard let value, !value.isEmpty else { return invalid("-chdir needs a directory: tfy -chdir=DIR COMMAND.") }
            guard directory == nil else { return invalid("-chdir is given more than once; give it once.") }
            directory = value
            index += consumed
        }
        let rest = Array(arguments[index...])
        remaining.append(contentsOf: rest)
        let command = helpTarget(rest)
        if !(command is any NamesConfigurationWithChdir.Type), ObjectIdentifier(command) != ObjectIdentifier(TFY.self) {
            let options = rest.prefix { $0 != "--" }
            if let position = options.indices.first(where: { chdir(rest, at: $0) != nil }) {
                let name = command.configuration.commandName ?? "COMMAND"
                let value = chdir(rest, at: position)?.value ?? "DIR"
                return invalid("-chdir is a global option: it goes before the subcommand, as in Terraform: tfy -chdir=\(value) \(name). (To name the configuration directory instead, give it as the argument: tfy \(name) \(value).)")
            }
        }
        if let directory {
            let path = URL(fileURLWithPath: context.path(directory)).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return invalid("There is no directory at \(Value.quoted(directory)) to work in.")
            }
            context.workingDirectory = path
        }
        return .success(remaining)
    }
}

/// A command that takes `-chdir DIR` after its name, naming the configuration directory.
protocol NamesConfigurationWithChdir {}
