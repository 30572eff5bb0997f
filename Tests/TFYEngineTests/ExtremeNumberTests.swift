import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// The numbers that crashed tfy (issue 18): `1e30` as a port, a volume size or a retry count
/// passed validate and plan, then a conversion to Int trapped — in apply after the security
/// group was created, leaving the lock held. Each now ends with exit 1 and the range at the
/// value's file:line:col. tfy runs as a process of its own, so a trap is an exit by signal
/// here, not the end of the test run.
@Suite(.timeLimit(.minutes(20)))
struct ExtremeNumberTests {
    /// An attribute set to 1e30 in an otherwise valid configuration, and the message it gives.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var configuration: String
        var message: String

        /// `main.yml:7:38`: where the value 1e30 is, once the stack line is put first.
        var location: String {
            let lines = ("stack: numbers\n" + configuration).split(separator: "\n", omittingEmptySubsequences: false)
            let index = lines.firstIndex { $0.contains("1e30") }!
            let column = lines[index].distance(from: lines[index].startIndex, to: lines[index].range(of: "1e30")!.lowerBound) + 1
            return "main.yml:\(index + 1):\(column)"
        }
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "from_port", configuration: """
            resource:
              aws_security_group:
                web:
                  name: web
                  ingress:
                    - {protocol: tcp, from_port: 1e30, to_port: 22, cidr_blocks: [0.0.0.0/0]}
            """, message: #"The value of "ingress[0].from_port" must be a whole number from 0 to 65535 (or -1 for all ports), not 1e+30."#),
        Case(name: "to_port", configuration: """
            resource:
              aws_security_group:
                web:
                  name: web
                  egress:
                    - {protocol: tcp, from_port: 22, to_port: 1e30, cidr_blocks: [0.0.0.0/0]}
            """, message: #"The value of "egress[0].to_port" must be a whole number from 0 to 65535 (or -1 for all ports), not 1e+30."#),
        Case(name: "connection.port", configuration: """
            resource:
              tfy_bootstrap:
                setup:
                  connection: {host: 10.0.0.1, port: 1e30}
                  inline: [uptime]
            """, message: #"The value of "connection.port" must be a whole number from 0 to 65535, not 1e+30."#),
        Case(name: "bastion_port", configuration: """
            resource:
              tfy_bootstrap:
                setup:
                  connection: {host: 10.0.0.1, bastion_host: 10.0.0.2, bastion_port: 1e30}
                  inline: [uptime]
            """, message: #"The value of "connection.bastion_port" must be a whole number from 0 to 65535, not 1e+30."#),
        Case(name: "volume_size", configuration: """
            resource:
              aws_instance:
                web:
                  ami: ami-1ecae776
                  instance_type: t2.small
                  root_block_device: {volume_size: 1e30}
            """, message: #"The value of "root_block_device.volume_size" must be a whole number of GiB from 1 to 65536, not 1e+30."#),
        Case(name: "max_retries", configuration: """
            provider:
              aws: {region: us-east-1, max_retries: 1e30}
            resource:
              aws_key_pair:
                k: {key_name: k, public_key: "ssh-ed25519 AAAA"}
            """, message: #"The value of "max_retries" must be a whole number from 0 to 100, not 1e+30."#),
    ]

    /// Runs the built tfy in `directory` with no AWS to talk to: an endpoint that refuses.
    func run(_ arguments: [String], in directory: String, endpoint: String) async throws -> ProgramResult {
        try requireExecutable()
        return try await runProgramAllowingFailure(World.executable, arguments, environment: [
            "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_EC2": endpoint, "AWS_MAX_ATTEMPTS": "1",
        ], timeout: 60)
    }

    @Test(arguments: cases)
    func validateAndPlanEndWithExitOneAndTheRange(_ example: Case) async throws {
        let refusing = try RefusingPort()
        let directory = NSTemporaryDirectory() + "tfy-numbers-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ("stack: numbers\n" + example.configuration + "\n").write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        // plan checks the configuration before it refreshes: the refused endpoint is never reached.
        for command in [["validate"], ["plan"], ["plan", "-refresh=false"]] {
            let result = try await run(command + [directory, "-no-color"], in: directory, endpoint: "http://127.0.0.1:\(refusing.port)")
            #expect(result.status == 1, "\(command[0]) \(example.name): \(result.error)")
            #expect(result.error.contains("Error: Invalid value\n"), "\(command[0]) \(example.name): \(result.error)")
            #expect(result.error.contains("  on \(directory)/\(example.location)"), "\(command[0]) \(example.name): \(result.error)")
            #expect(result.error.contains(example.message), "\(command[0]) \(example.name): \(result.error)")
            #expect(!result.error.contains("Fatal error"), "\(command[0]) \(example.name)")
        }
    }

    /// The issue's worst case: apply created the group, then trapped on the rule's port with
    /// the lock held. Now apply stops at validation: nothing is created, no state written.
    @Test func applyWithAnExtremePortCreatesNothing() async throws {
        try requireExecutable()
        let world = try await World()
        try """
            stack: \(world.stack)
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                web:
                  name: web-\(world.stack)
                  ingress:
                    - {protocol: tcp, from_port: 1e30, to_port: 22, cidr_blocks: [0.0.0.0/0]}

            """.write(toFile: world.directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let apply = try await world.spawnInteractive(["apply", "cluster", "-auto-approve", "-no-color"]).answer("")
        #expect(apply.status == 1, "\(apply.err)")
        #expect(apply.err.contains(#"The value of "ingress[0].from_port" must be a whole number from 0 to 65535 (or -1 for all ports), not 1e+30."#), "\(apply.err)")
        #expect(try await world.securityGroups().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: world.statePath))
    }

    /// A port known only once another object exists is checked when apply knows it, before
    /// any call for the object that uses it.
    @Test func aPortKnownOnlyAtApplyIsCheckedBeforeItsObjectIsCreated() async throws {
        try requireExecutable()
        let world = try await World()
        try """
            stack: \(world.stack)
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                first:
                  name: first-\(world.stack)
                second:
                  name: second-\(world.stack)
                  ingress:
                    - {protocol: tcp, from_port: "${length(aws_security_group.first.id) * 1e30}", to_port: 22, cidr_blocks: [0.0.0.0/0]}

            """.write(toFile: world.directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let plan = await world.tfy(["plan", "cluster", "-no-color"])
        #expect(plan.status == 0, "\(plan.err)")
        let apply = try await world.spawnInteractive(["apply", "cluster", "-auto-approve", "-no-color"]).answer("")
        #expect(apply.status == 1, "\(apply.err)")
        let groups = try await world.securityGroups()
        let width = try #require(groups.first?["GroupId"] as? String).count
        let shown = Value.format(number: Double(width) * 1e30)
        #expect(apply.err.contains(#"The value of "ingress[0].from_port" must be a whole number from 0 to 65535 (or -1 for all ports), not \#(shown)."#), "\(apply.err)")
        #expect(try await world.securityGroups().map { $0["GroupName"] as? String } == ["first-\(world.stack)"])
    }

    /// The tuning variables are numbers too: a progress interval or request timeout of 1e300
    /// trapped in the conversion to nanoseconds or milliseconds on the first operation.
    @Test func extremeTuningValuesNeitherTrapNorStall() async throws {
        try requireExecutable()
        let world = try await World()
        world.extraEnvironment = ["TFY_PROGRESS_INTERVAL": "1e300", "TFY_REQUEST_TIMEOUT": "1e300", "TFY_TIMEOUT": "nan"]
        try """
            stack: \(world.stack)
            provider:
              aws: {region: us-east-1}
            resource:
              aws_security_group:
                web: {name: web-\(world.stack)}

            """.write(toFile: world.directory + "/cluster/main.yml", atomically: true, encoding: .utf8)
        let apply = try await world.spawnInteractive(["apply", "cluster", "-auto-approve", "-no-color"]).answer("")
        #expect(apply.status == 0, "\(apply.err)")
        #expect(try await world.securityGroups().map { $0["GroupName"] as? String } == ["web-\(world.stack)"])
    }
}
