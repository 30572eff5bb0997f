import ArgumentParser
import Foundation
import TFYCore
import TFYEngine
import TFYOperations
import TFYState

/// `tfy ssh NAME [-- COMMAND...]`: a shell, or one command, on an instance of the stack.
struct SSHCommand: ParsableCommand, ContextCommand, NamesConfigurationWithChdir {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Open a shell on an instance (or run a command), with the stack's key, user and pinned host key.",
        discussion: "NAME is an instance's Name tag (\"my-TachyonMaster\"), the part after its last dash (\"TachyonMaster\"), or its resource address (\"aws_instance.master[0]\").")

    @Argument(help: "The instance: Name tag, Name suffix or resource address.")
    var name: String

    @Argument(parsing: .postTerminator, help: "A command to run instead of a shell (after --).")
    var command: [String] = []

    @OptionGroup var location: StateLocation
    @OptionGroup var colorOptions: ColorOptions

    func execute(in context: CommandContext) async -> ExitStatus {
        let view = stateView(context)
        let (resolved, problems, sources) = location.backend(context)
        guard let backend = resolved else { return view.finish(problems, sources: sources) }
        let (read, readProblems) = await StateLocation.read(backend)
        guard let state = read else { return view.finish(readProblems) }
        let target: SSHTarget
        switch SSHTargetLookup.target(for: name, in: state) {
        case .success(let t): target = t
        case .failure(let d): return view.finish(d)
        }
        if let key = target.privateKeyFile {
            do { try SSHClient.checkKey(key) } catch { return view.finish(.error("Unusable private key", detail: "\(error)")) }
        }
        let client = SSHClient(knownHostsFile: backend.knownHostsPath)
        let interactive = command.isEmpty
        let arguments = client.sessionArguments(target, command: command.map(Shell.quote).joined(separator: " "), terminal: interactive && context.isTerminal)
        if interactive && context.isTerminal {
            // A shell takes over the terminal: ssh inherits tfy's standard input and output.
            return .passedThrough(await Self.runAttached(client.executable, arguments))
        }
        do {
            let result = try await client.runCapturing(arguments) { context.out($0 + "\n") }
            return .passedThrough(result)
        } catch {
            return view.finish(.error("Cannot run ssh", detail: "\(error)"))
        }
    }

    static func runAttached(_ executable: String, _ arguments: [String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(returning: 1) }
        }
    }
}
