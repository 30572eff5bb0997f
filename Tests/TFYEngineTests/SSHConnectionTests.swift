import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// What docs/bootstrap.md promises of ssh beyond running scripts: the run's ControlMaster
/// connections are closed at the end of the apply, and `tfy ssh` refuses a name that matches
/// several instances, listing them.
@Suite(.timeLimit(.minutes(30)))
struct SSHConnectionTests {
    /// The control socket name ssh gives `%C` for this user at 127.0.0.1:`port` (its connection
    /// hash), as ssh itself computes it.
    func controlHash(port: Int) async throws -> String {
        let config = String(decoding: try await runProgram("ssh", ["-G", "-F", "none", "-p", String(port), "-l", NSUserName(),
                                                                    "-o", "ControlPath=/control/%C", "127.0.0.1"]), as: UTF8.self)
        let line = try #require(config.split(separator: "\n").first { $0.hasPrefix("controlpath /control/") })
        let hash = String(line.dropFirst("controlpath /control/".count))
        try #require(hash.count == 40, "\(line)")
        return hash
    }

    /// The processes whose command line mentions `text` (pgrep: none is status 1, not a failure).
    func processes(mentioning text: String) async throws -> [String] {
        let result = try await runProgramAllowingFailure("pgrep", ["-a", "-f", text])
        guard result.status == 0 || result.status == 1 else { throw HelperError(description: "pgrep exited \(result.status): \(result.error)") }
        return String(decoding: result.output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func theApplysControlMastersAreClosedWhenItEnds() async throws {
        let world = try await World()
        let hosts = try await Hosts(world, count: 1)
        let hash = try await controlHash(port: hosts.ports[0])
        try FileManager.default.createDirectory(atPath: world.directory + "/node", withIntermediateDirectories: true)
        // The "remote" host is this machine: the script sees the run's master process and socket.
        try """
            stack: \(world.stack)
            variable:
              stack_tag: {type: string}
              port: {type: number}
              key_file: {type: string}
              user: {type: string}
              hash: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                node: {ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "${var.stack_tag}-node"}}
              tfy_bootstrap:
                node:
                  instance_id: "${aws_instance.node.id}"
                  connection: {host: 127.0.0.1, port: "${var.port}", user: "${var.user}", private_key_file: "${var.key_file}", timeout: 20s}
                  environment: {HASH: "${var.hash}"}
                  inline:
                    - |
                      echo "masters: $(pgrep -c -f "/$HASH \\[mux\\]")"
                      echo "socket: $(ls -d /tmp/tfy-*/"$HASH")"

            """.write(toFile: world.directory + "/node/main.yml", atomically: true, encoding: .utf8)
        let apply = await world.tfy(["apply", "node", "-auto-approve", "-no-color", "-var", "port=\(hosts.ports[0])", "-var", "key_file=\(hosts.keyFile)",
                                     "-var", "user=\(NSUserName())", "-var", "hash=\(hash)"])
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")
        // During the run there was one master for the host, and its socket.
        #expect(apply.out.contains("tfy_bootstrap.node (remote-exec): masters: 1\n"), "\(apply.out)")
        let socketLine = try #require(apply.out.split(separator: "\n").first { $0.hasPrefix("tfy_bootstrap.node (remote-exec): socket: /tmp/tfy-") })
        let socket = String(socketLine.dropFirst("tfy_bootstrap.node (remote-exec): socket: ".count))
        #expect(socket.hasSuffix("/" + hash))
        let controlDirectory = (socket as NSString).deletingLastPathComponent

        // Afterwards: no master process, no socket, no control directory.
        #expect(try await processes(mentioning: hash) == [])
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(!FileManager.default.fileExists(atPath: controlDirectory), "\(controlDirectory) is removed")
    }

    @Test func aNameThatMatchesSeveralInstancesListsThem() async throws {
        let world = try await World()
        try FileManager.default.createDirectory(atPath: world.directory + "/pair", withIntermediateDirectories: true)
        try """
            stack: \(world.stack)
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                web: {count: 2, ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "${var.stack_tag}-web"}}
                blue: {ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "blue-db"}}
                green: {ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "green-db"}}

            """.write(toFile: world.directory + "/pair/main.yml", atomically: true, encoding: .utf8)
        let apply = await world.tfy(["apply", "pair", "-auto-approve", "-no-color"])
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")

        // A Name suffix two instances share: both listed, with their Names and addresses.
        let suffix = await world.tfy(["ssh", "db", "-chdir", "pair", "--", "true"])
        #expect(suffix.status == 1)
        #expect(suffix.out.isEmpty)
        #expect(suffix.err == "Error: 2 instances match \"db\"\n\nName one of them exactly, by its address or by a Name no other instance has:\n  blue-db (aws_instance.blue)\n  green-db (aws_instance.green)\n\n", "\(suffix.err)")

        // The same Name on two instances: only their addresses tell them apart.
        let name = "\(world.stack)-web"
        let exact = await world.tfy(["ssh", name, "-chdir", "pair", "--", "true"])
        #expect(exact.status == 1)
        #expect(exact.err == "Error: 2 instances match \"\(name)\"\n\nName one of them exactly, by its address or by a Name no other instance has:\n  \(name) (aws_instance.web[0])\n  \(name) (aws_instance.web[1])\n\n", "\(exact.err)")
    }
}
