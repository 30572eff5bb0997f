import ArgumentParser
import Foundation
import TFYCore
import TFYEngine
import TFYState

/// `tfy ssh NAME [-- COMMAND...]`: a shell, or one command, on an instance of the stack.
struct SSHCommand: ParsableCommand, ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Open a shell on an instance (or run a command), with the stack's key, user and pinned host key.",
        discussion: "NAME is an instance's Name tag (\"my-TachyonMaster\"), the part after its last dash (\"TachyonMaster\"), or its resource address (\"aws_instance.master[0]\").")

    @Argument(help: "The instance: Name tag, Name suffix or resource address.")
    var name: String

    @Argument(parsing: .postTerminator, help: "A command to run instead of a shell (after --).")
    var command: [String] = []

    @OptionGroup var location: StateLocation

    func execute(in context: CommandContext) async -> Int32 {
        let (resolved, problems) = location.backend(context)
        guard let backend = resolved else { return printErrors(context, problems) }
        let (read, readProblems) = await StateLocation.read(backend)
        guard let state = read else { return printErrors(context, readProblems) }
        let target: SSHTarget
        switch Self.target(for: name, in: state) {
        case .success(let t): target = t
        case .failure(let d): return printError(context, d)
        }
        if let key = target.privateKeyFile {
            do { try SSHClient.checkKey(key) } catch { return printError(context, .error("Unusable private key", detail: "\(error)")) }
        }
        let client = SSHClient(knownHostsFile: backend.knownHostsPath)
        let interactive = command.isEmpty
        let arguments = client.sessionArguments(target, command: command.map(Shell.quote).joined(separator: " "), terminal: interactive && context.isTerminal)
        if interactive && context.isTerminal {
            // A shell takes over the terminal: ssh inherits tfy's standard input and output.
            return await Self.runAttached(client.executable, arguments)
        }
        do {
            let result = try await client.runCapturing(arguments) { context.out($0 + "\n") }
            return result
        } catch {
            return printError(context, .error("Cannot run ssh", detail: "\(error)"))
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

    /// Where `name` leads: the instance it names, reached the way its bootstrap reaches it.
    static func target(for name: String, in state: State) -> Result<SSHTarget, Diagnostic> {
        let instances = state.instances.filter { ResourceRegistry.standard.sshRole(of: $0.address.type) == .host && !$0.instance.isPendingCreate }
        func label(_ address: ResourceAddress, _ instance: StateInstance) -> String {
            instance.attributes["tags"]?.mapValue?["Name"]?.stringValue ?? address.description
        }
        let matches = instances.filter { address, instance in
            let tag = instance.attributes["tags"]?.mapValue?["Name"]?.stringValue
            return address.description == name || tag == name || tag?.hasSuffix("-" + name) == true
        }
        guard matches.count == 1, let (address, instance) = matches.first else {
            let listed = (matches.isEmpty ? instances : matches).map { "  \(label($0.address, $0.instance)) (\($0.address))" }.joined(separator: "\n")
            if matches.isEmpty {
                return .failure(.error("No instance named \(Value.quoted(name))", detail: instances.isEmpty ? "The state holds no instances." : "The instances of this stack are:\n\(listed)"))
            }
            return .failure(.error("\(matches.count) instances match \(Value.quoted(name))", detail: "Name one of them exactly:\n\(listed)"))
        }
        let id = instance.attributes["id"]?.stringValue
        let addresses = ["public_ip", "private_ip", "public_dns", "private_dns"].compactMap { instance.attributes[$0]?.stringValue }.filter { !$0.isEmpty }
        let bootstraps = state.instances.filter { ResourceRegistry.standard.sshRole(of: $0.address.type) == .connection }.map(\.instance)
        let own = bootstraps.first { $0.attributes["instance_id"]?.stringValue == id && id != nil }
            ?? bootstraps.first { addresses.contains($0.attributes["connection"]?.mapValue?["host"]?.stringValue ?? "") }
        if let own, let target = try? SSHTarget(connection: own.attributes["connection"]) { return .success(target) }
        // No bootstrap runs on it: its address, with the stack's user and key.
        guard let host = addresses.first else {
            return .failure(.error("No address for \(address)", detail: "The instance has no public or private IP address in the state; run \"tfy refresh\" if it is running."))
        }
        var target = SSHTarget(host: host)
        if let any = bootstraps.first, let stack = try? SSHTarget(connection: any.attributes["connection"]) {
            target.user = stack.user
            target.privateKeyFile = stack.privateKeyFile
            target.bastion = stack.bastion
        }
        return .success(target)
    }
}
