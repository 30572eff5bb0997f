import Foundation
import Testing
import TFYCommands
import TFYCore
import TFYState
import TFYTestSupport

let engineFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

typealias Helper = HelperProcess

/// One test's world: a fresh moto, a working directory with the cluster configuration, a stack.
final class World: @unchecked Sendable {
    let moto: Helper
    let directory: String
    let stack: String
    /// Where tfy sends its calls: moto itself, or a fault proxy in front of it.
    var endpoint: String
    /// moto itself, for the AWS CLI's independent view.
    var motoEndpoint: String { "http://127.0.0.1:\(moto.port)" }
    var extraEnvironment: [String: String] = [:]

    init(motoEnvironment: [String: String] = [:]) async throws {
        moto = try await Helper(script: "moto_helper.py", environment: motoEnvironment)
        endpoint = "http://127.0.0.1:\(moto.port)"
        stack = "t" + UUID().uuidString.prefix(8).lowercased()
        directory = NSTemporaryDirectory() + "tfy-engine-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
        let config = try String(contentsOfFile: engineFixtures + "/cluster/main.yml", encoding: .utf8)
        try ("stack: \(stack)\n" + config).write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The configuration whose default state `statePath` is: the state lives beside it.
    var stateConfiguration = "cluster"
    var stateDirectory: String { directory + "/\(stateConfiguration)/state" }
    var statePath: String { stateDirectory + "/\(stack).tfstate" }

    var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_ENDPOINT_URL_EC2": endpoint,
         "TFY_POLL_INTERVAL": "0.1", "AWS_MAX_ATTEMPTS": "25", "TFY_VAR_stack_tag": stack].merging(extraEnvironment) { _, new in new }
    }

    typealias Run = TFYCommandLine.Captured

    /// Runs tfy in this process, in the world's directory (or `workingDirectory`: another machine's checkout).
    func tfy(_ arguments: [String], input: String? = nil, workingDirectory: String? = nil) async -> Run {
        await TFYCommandLine.capture(arguments, directory: workingDirectory ?? directory, environment: environment,
                                     input: (input ?? "").split(separator: "\n").map(String.init))
    }

    /// The built tfy executable, for tests that run it as a process of its own.
    static var executable: String { repositoryRoot + "/.build/debug/tfy" }

    /// tfy as a process of its own in the world's directory, not started yet.
    func tfyProcess(_ arguments: [String], endpoint: String? = nil) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: World.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let endpoint { env["AWS_ENDPOINT_URL_EC2"] = endpoint }
        process.environment = env
        return process
    }

    func spawn(_ arguments: [String], endpoint: String? = nil) throws -> Process {
        let process = tfyProcess(arguments, endpoint: endpoint)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// tfy as a separate process whose standard input the test writes: it waits at the prompt.
    final class Interactive: @unchecked Sendable {
        let process: Process
        let input: Pipe
        let outFile: String
        let errFile: String

        init(process: Process, input: Pipe, outFile: String, errFile: String) {
            self.process = process
            self.input = input
            self.outFile = outFile
            self.errFile = errFile
        }

        /// Answers the prompt and waits for the run to end.
        func answer(_ text: String) async throws -> Run {
            // A run that did not ask (or died) has closed its end: writing must not kill the tests.
            _ = Self.writeWithoutSIGPIPE(Data((text + "\n").utf8), to: input.fileHandleForWriting.fileDescriptor)
            try input.fileHandleForWriting.close()
            return try await finished()
        }

        /// Writes `data` to a pipe whose reader may be gone; whether all of it was written. SIGPIPE is
        /// blocked on this thread only (and one the write raised is taken before it is unblocked),
        /// never ignored process-wide: ChildProcessTests checks that tfy itself survives SIGPIPE,
        /// which a process-wide SIG_IGN set here would make pass whatever tfy does.
        static func writeWithoutSIGPIPE(_ data: Data, to descriptor: Int32) -> Bool {
            var pipeSignal = sigset_t(), previous = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
            defer {
                var pending = sigset_t()
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var now = timespec()
                    sigtimedwait(&pipeSignal, nil, &now)
                }
                pthread_sigmask(SIG_SETMASK, &previous, nil)
            }
            return data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 { if errno == EINTR { continue } else { return false } }
                    offset += written
                }
                return true
            }
        }

        /// Waits for the run to end (killed, and an error, if it has not within `programTimeout`).
        func finished() async throws -> Run {
            try await waitForExit(process, name: "tfy \(process.arguments?.joined(separator: " ") ?? "")")
            return Run(status: process.terminationStatus, out: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
                       err: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
        }
    }

    func spawnInteractive(_ arguments: [String], endpoint: String? = nil) throws -> Interactive {
        let process = tfyProcess(arguments, endpoint: endpoint)
        let input = Pipe()
        let id = UUID().uuidString
        let outFile = directory + "/out-\(id)", errFile = directory + "/err-\(id)"
        FileManager.default.createFile(atPath: outFile, contents: nil)
        FileManager.default.createFile(atPath: errFile, contents: nil)
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: outFile)
        process.standardError = FileHandle(forWritingAtPath: errFile)
        try process.run()
        return Interactive(process: process, input: input, outFile: outFile, errFile: errFile)
    }

    /// What the AWS CLI sees: the stack's live instances (not terminated), by Name tag and ID.
    func liveInstances() async throws -> [(id: String, name: String, ami: String)] {
        let json = try await cli(["ec2", "describe-instances", "--filters", "Name=tag:tfy:stack,Values=\(stack)",
                            "Name=instance-state-name,Values=pending,running,stopping,stopped"])
        return ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }.map { instance in
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            return (instance["InstanceId"] as? String ?? "", tags["Name"] ?? "", instance["ImageId"] as? String ?? "")
        }.sorted { $0.name < $1.name }
    }

    func securityGroups() async throws -> [[String: Any]] {
        let json = try await cli(["ec2", "describe-security-groups", "--filters", "Name=tag:tfy:stack,Values=\(stack)"])
        return (json["SecurityGroups"] as? [[String: Any]]) ?? []
    }

    func cli(_ arguments: [String]) async throws -> [String: Any] {
        try await awsCLI(motoEndpoint, arguments, accessKey: "AKIDTEST", secret: "x")
    }

    func state() throws -> State {
        guard let state = try LocalStateStore(path: statePath).read() else { throw HelperError(description: "no state") }
        return state
    }

    /// Instance IDs in state, by address.
    func stateInstances() throws -> [String: String] {
        var result: [String: String] = [:]
        for (address, instance) in try state().instances where address.type == "aws_instance" {
            result[address.description] = instance.attributes["id"]?.stringValue ?? "(none)"
        }
        return result
    }
}

/// The retries the `API calls: …` line at the end of a run's output reports, summed; nil when
/// the run printed no such line.
func reportedRetries(_ output: String) -> Int? {
    guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("API calls: ") }) else { return nil }
    return line.matches(of: /\((\d+) retr(?:y|ies)\)/).reduce(0) { $0 + Int($1.1)! }
}

/// What a fault proxy reports it did (`/__stats__`).
func proxyStats(_ proxy: Helper) async throws -> [String: Int] {
    let data = try await runProgram("curl", ["-sf", "http://127.0.0.1:\(proxy.port)/__stats__"])
    guard let stats = try JSONSerialization.jsonObject(with: data) as? [String: Int] else {
        throw HelperError(description: "the fault proxy's stats are not a JSON object: \(String(decoding: data, as: UTF8.self))")
    }
    return stats
}

/// Tests that run tfy as a process need the executable `make test` builds first.
func requireExecutable() throws {
    try #require(FileManager.default.isExecutableFile(atPath: World.executable), "build tfy first (make test does): \(World.executable)")
}
