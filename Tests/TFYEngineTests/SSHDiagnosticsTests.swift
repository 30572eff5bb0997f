import Foundation
import Testing
import TFYTestSupport
@testable import TFYEngine

/// What ssh itself writes to its standard error is not the remote script's output. Under load a
/// multiplexed session can fall back to a connection of its own, and ssh says so on standard
/// error ("mux_client_request_session: ..."): those lines were shown as the script's output (and
/// with `sensitive_output: suppress`, as two more suppressed lines). Here an ssh wrapper writes
/// such a line before it runs the real ssh, as the fallback would.
@Suite(.serialized, .timeLimit(.minutes(30))) struct SSHDiagnosticsTests {
    static let diagnostic = "mux_client_request_session: read from master failed: Broken pipe"

    func client(_ world: World) throws -> SSHClient {
        let wrapper = world.directory + "/ssh-saying-something"
        let real = SSHClient.find("ssh") ?? "/usr/bin/ssh"
        try "#!/bin/sh\necho '\(Self.diagnostic)' >&2\nexec \(real) \"$@\"\n".write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        return SSHClient(knownHostsFile: world.directory + "/known_hosts", ssh: wrapper)
    }

    @Test func sshsOwnDiagnosticsAreKeptOutOfTheScriptsOutput() async throws {
        let world = try await World()
        let hosts = try await Hosts(world, count: 1)
        let ssh = try client(world)
        let target = SSHTarget(host: "127.0.0.1", port: hosts.ports[0], user: NSUserName(), privateKeyFile: hosts.keyFile, timeout: 60)
        let lines = ChildProcessTests.Lines()
        // The script's standard error is its output, in order with its standard output.
        let result = try await ssh.runScript(target, script: "echo one\necho two >&2\necho three\nexit 4\n", environment: [:]) { lines.add($0) }
        #expect(result.status == 4)
        #expect(lines.all == ["one", "two", "three"])
        #expect(result.tail == ["one", "two", "three"])
        #expect(result.errors == [Self.diagnostic])
        await ssh.closeAll()
    }
}
