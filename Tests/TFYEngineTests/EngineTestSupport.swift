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

    init(motoEnvironment: [String: String] = [:]) throws {
        moto = try Helper(script: "moto_helper.py", environment: motoEnvironment)
        endpoint = "http://127.0.0.1:\(moto.port)"
        stack = "t" + UUID().uuidString.prefix(8).lowercased()
        directory = NSTemporaryDirectory() + "tfy-engine-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/cluster", withIntermediateDirectories: true)
        let config = try String(contentsOfFile: engineFixtures + "/cluster/main.yml", encoding: .utf8)
        try ("stack: \(stack)\n" + config).write(toFile: directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var statePath: String { directory + "/state/\(stack).tfstate" }

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

    /// What the AWS CLI sees: the stack's live instances (not terminated), by Name tag and ID.
    func liveInstances() throws -> [(id: String, name: String, ami: String)] {
        let json = try cli(["ec2", "describe-instances", "--filters", "Name=tag:tfy:stack,Values=\(stack)",
                            "Name=instance-state-name,Values=pending,running,stopping,stopped"])
        return ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }.map { instance in
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            return (instance["InstanceId"] as? String ?? "", tags["Name"] ?? "", instance["ImageId"] as? String ?? "")
        }.sorted { $0.name < $1.name }
    }

    func securityGroups() throws -> [[String: Any]] {
        let json = try cli(["ec2", "describe-security-groups", "--filters", "Name=tag:tfy:stack,Values=\(stack)"])
        return (json["SecurityGroups"] as? [[String: Any]]) ?? []
    }

    func cli(_ arguments: [String]) throws -> [String: Any] {
        try awsCLI(motoEndpoint, arguments, accessKey: "AKIDTEST", secret: "x")
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

/// Tests that run tfy as a process need the executable `make test` builds first.
func requireExecutable() throws {
    try #require(FileManager.default.isExecutableFile(atPath: World.executable), "build tfy first (make test does): \(World.executable)")
}
