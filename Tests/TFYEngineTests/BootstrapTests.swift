import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// Hosts for bootstraps: a real sshd per host on 127.0.0.1, with host keys and the test's
/// authorized key generated for this run. Instances come from moto; the configuration points each
/// bootstrap's connection at "its" sshd through variables, as a user would with a bastion.
final class Hosts: @unchecked Sendable {
    let world: World
    var servers: [Helper] = []
    let keyFile: String
    var ports: [Int] { servers.map(\.port) }

    init(_ world: World, count: Int) async throws {
        self.world = world
        keyFile = world.directory + "/id_test"
        try await runProgram("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile])
        try FileManager.default.copyItem(atPath: keyFile + ".pub", toPath: world.directory + "/authorized_keys")
        for i in 0..<count { servers.append(try await start(i)) }
    }

    func start(_ i: Int, port: Int = 0) async throws -> Helper {
        try await Helper(script: "sshd_helper.py", arguments: [world.directory + "/hosts/h\(i)", world.directory + "/authorized_keys"] + (port == 0 ? [] : ["--port", String(port)]))
    }

    /// The host restarted at the same address with a new host key, as a rebuilt machine.
    func rebuild(_ i: Int) async throws {
        let port = servers[i].port
        servers[i].stop()
        try FileManager.default.removeItem(atPath: world.directory + "/hosts/h\(i)/ssh_host_ed25519_key")
        try FileManager.default.removeItem(atPath: world.directory + "/hosts/h\(i)/ssh_host_ed25519_key.pub")
        servers[i] = try await start(i, port: port)
    }

    func fingerprint(_ i: Int) async throws -> String {
        let line = String(decoding: try await runProgram("ssh-keygen", ["-l", "-f", world.directory + "/hosts/h\(i)/ssh_host_ed25519_key.pub"]), as: UTF8.self)
        return String(line.split(separator: " ")[1])
    }

    /// Variables for the bootstrap fixture.
    var arguments: [String] {
        ["-var", "ports=[\(ports.map(String.init).joined(separator: ","))]", "-var", "key_file=\(keyFile)",
         "-var", "root=\(world.directory)/roots", "-var", "user=\(NSUserName())"]
    }

    func file(_ host: Int, _ name: String) -> String? {
        try? String(contentsOfFile: world.directory + "/roots/h\(host)/\(name)", encoding: .utf8)
    }
}

extension World {
    /// A world whose configuration is `Fixtures/bootstrap` (with its template).
    static func bootstrap(machines: Int) async throws -> World {
        let world = try await World()
        world.stateConfiguration = "bootstrap"
        try FileManager.default.createDirectory(atPath: world.directory + "/bootstrap", withIntermediateDirectories: true)
        for name in ["main.yml", "hosts.tpl", "master.sh", "master-end.sh", "leave.sh"] {
            var text = try String(contentsOfFile: engineFixtures + "/bootstrap/" + name, encoding: .utf8)
            if name == "main.yml" { text = "stack: \(world.stack)\n" + text.replacingOccurrences(of: "MACHINES", with: String(machines)) }
            try text.write(toFile: world.directory + "/bootstrap/" + name, atomically: true, encoding: .utf8)
        }
        return world
    }
}

@Suite(.serialized, .timeLimit(.minutes(30))) struct BootstrapTests {
    /// Times a phase's scripts recorded on each host ("phase seconds.nanoseconds" lines).
    func times(_ hosts: Hosts, _ host: Int, _ phase: String) -> [Double] {
        (hosts.file(host, "phases") ?? "").split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == phase ? Double(parts[1]) : nil
        }
    }

    @Test func threePhasesAcrossFiveHostsRunInDependencyOrder() async throws {
        let world = try await World.bootstrap(machines: 5)
        let hosts = try await Hosts(world, count: 5)
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        try #require(apply.status == 0, "\(apply.out)\(apply.err)")
        #expect(apply.out.contains("Apply complete! Resources: 15 added, 0 changed, 0 destroyed."))
        // Output streams with the address in front.
        #expect(apply.out.contains("tfy_bootstrap.common[3] (remote-exec): common phase on node 3"))

        // Every master started after every node's common phase had ended; every worker after
        // every master had ended (each script records its start, and its last line its end).
        let commonEnds = (0..<5).flatMap { times(hosts, $0, "common-end") }
        let masters = (0..<2).flatMap { times(hosts, $0, "master") }
        let masterEnds = (0..<2).flatMap { times(hosts, $0, "master-end") }
        let workers = (2..<5).flatMap { times(hosts, $0, "worker") }
        try #require(commonEnds.count == 5 && masters.count == 2 && masterEnds.count == 2 && workers.count == 3)
        #expect(commonEnds.max()! <= masters.min()!)
        #expect(masterEnds.max()! <= workers.min()!)

        // Cross-node data: each host's hosts file, templated from every instance's private IP,
        // matches what EC2 (moto, read with the AWS CLI) says.
        let live = try await world.cli(["ec2", "describe-instances", "--filters", "Name=tag:tfy:stack,Values=\(world.stack)"])
        let ips = ((live["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }
            .map { instance -> (String, String) in
                let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
                return (tags["Name"]!, instance["PrivateIpAddress"] as! String)
            }.sorted { $0.0 < $1.0 }
        #expect(ips.count == 5)
        let expectedHosts = "# written by tfy\n" + ips.map { "\($0.1) \($0.0)" }.joined(separator: "\n") + "\n"
        for host in 0..<5 { #expect(hosts.file(host, "etc/hosts") == expectedHosts) }
        #expect(hosts.file(4, "all-ips") == ips.map(\.1).joined(separator: " "))

        // Nothing to do afterwards.
        let plan = await world.tfy(["plan", "bootstrap", "-detailed-exitcode"] + hosts.arguments)
        #expect(plan.status == 0, "\(plan.out)\(plan.err)")

        // A changed script re-runs that phase: a replacement, with the trigger that changed.
        let changed = await world.tfy(["plan", "bootstrap", "-var", "worker_note=again"] + hosts.arguments)
        #expect(changed.out.contains("# tfy_bootstrap.worker[0] must be replaced"))
        #expect(changed.out.contains("~ \"environment\" = \"sha256:"))
        #expect(changed.out.contains("Plan: 3 to add, 0 to change, 3 to destroy."))

        // tfy ssh finds a node by Name suffix and runs a command there with the pinned key.
        let ssh = await world.tfy(["ssh", "node3", "-chdir", "bootstrap", "--", "cat", world.directory + "/roots/h3/node"])
        #expect(ssh.status == 0, "\(ssh.err)")
        #expect(ssh.out == "3\n")
        let none = await world.tfy(["ssh", "nosuch", "-chdir", "bootstrap"])
        #expect(none.status == 1)
        #expect(none.err.contains("No instance named \"nosuch\""))
        #expect(none.err.contains("  \(world.stack)-node0 (aws_instance.node[0])"))
        let several = await world.tfy(["ssh", "aws_instance.node[1]", "-chdir", "bootstrap", "--", "true"])
        #expect(several.status == 0)

        // Destroy scripts run before their bootstrap goes; then everything is gone.
        let destroy = await world.tfy(["destroy", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(destroy.status == 0, "\(destroy.err)")
        for host in 2..<5 { #expect(hosts.file(host, "worker-destroyed") == "bye\n") }
        #expect(try await world.liveInstances().isEmpty)
    }

    @Test func environmentValuesArriveByteExact() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 2)
        // A file of this test's own: were the value run by a shell, it would appear.
        let injected = world.directory + "/injected"
        let tricky = "it's \"quoted\" $(touch \(injected)) `id` $HOME \\ back\nnew line\tand tab — ünïcödé 🚀 ;rm -rf x"
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve", "-var", "note=\(tricky)"] + hosts.arguments)
        #expect(apply.status == 0, "\(apply.err)")
        #expect(hosts.file(0, "note") == tricky)
        #expect(hosts.file(1, "note") == tricky)
        #expect(!FileManager.default.fileExists(atPath: injected))
    }

    @Test func aFailingScriptTaintsItsBootstrapSkipsDependentsAndIsRerunAlone() async throws {
        let world = try await World.bootstrap(machines: 3)
        let hosts = try await Hosts(world, count: 3)
        // Host 1 refuses while this file exists (a fault outside the configuration).
        let refuse = world.directory + "/roots/h1/refuse"
        try FileManager.default.createDirectory(atPath: world.directory + "/roots/h1", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: refuse, contents: Data())
        let failed = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(failed.status == 1)
        #expect(failed.err.contains("Error creating tfy_bootstrap.common[1]"))
        #expect(failed.err.contains("script on 127.0.0.1 exited with status 3. Last 2 lines of output:\n  common phase on node 1\n  node 1 refuses"))
        let state = try world.state()
        #expect(state.instance(ResourceAddress(type: "tfy_bootstrap", name: "common", index: 1))?.status == .tainted)
        #expect(state.instance(ResourceAddress(type: "tfy_bootstrap", name: "common", index: 0))?.status == nil)
        // The masters need every common phase: none ran. Nor did the workers.
        #expect(times(hosts, 0, "master").isEmpty)
        #expect(times(hosts, 2, "worker").isEmpty)

        try FileManager.default.removeItem(atPath: refuse)
        let plan = await world.tfy(["plan", "bootstrap"] + hosts.arguments)
        #expect(plan.out.contains("# tfy_bootstrap.common[1] is tainted, so must be replaced"))
        #expect(plan.out.contains("Plan: 4 to add, 0 to change, 1 to destroy."))
        let fixed = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(fixed.status == 0, "\(fixed.err)")
        // Only the failed bootstrap ran again (and what had waited for it, for the first time).
        #expect(times(hosts, 0, "common").count == 1)
        #expect(times(hosts, 1, "common").count == 2)
        #expect(times(hosts, 2, "common").count == 1)
        #expect(times(hosts, 0, "master").count == 1)
        #expect(times(hosts, 2, "worker").count == 1)
    }

    @Test func aHostThatNeverAnswersTimesOut() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 1)
        // A port nothing listens on: the sshd just stopped.
        let closed = hosts.ports[0]
        hosts.servers[0].stop()
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve", "-var", "ports=[\(closed),\(closed)]", "-var", "ssh_timeout=3s",
                                     "-var", "key_file=\(hosts.keyFile)", "-var", "root=\(world.directory)/roots", "-var", "user=\(NSUserName())"])
        #expect(apply.status == 1)
        #expect(apply.err.contains("timed out after 3s waiting for SSH on \(NSUserName())@127.0.0.1 port \(closed): "))
        #expect(apply.err.contains("Connection refused"))
    }

    @Test func aChangedHostKeyIsRefusedWithBothFingerprints() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 2)
        let first = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(first.status == 0, "\(first.err)")
        let old = try await hosts.fingerprint(0)
        try await hosts.rebuild(0)
        let new = try await hosts.fingerprint(0)
        #expect(old != new)
        let again = await world.tfy(["apply", "bootstrap", "-auto-approve", "-replace", "tfy_bootstrap.common[0]"] + hosts.arguments)
        #expect(again.status == 1)
        #expect(again.err.contains("the host key of [127.0.0.1]:\(hosts.ports[0]) has changed: recorded \(old), offered now \(new)."))
        // The pinned key is still the old one: nothing was accepted.
        let pinned = try String(contentsOfFile: world.stateDirectory + "/\(world.stack).known_hosts", encoding: .utf8)
        #expect(pinned.split(separator: "\n").count == 2)
    }

    @Test func aKeyReadableByOthersIsRefusedWithTheFix() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 2)
        chmod(hosts.keyFile, 0o644)
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(apply.status == 1)
        #expect(apply.err.contains("the private key file \"\(hosts.keyFile)\" has mode 0644: it is readable by other users, and ssh refuses such keys. Run: chmod 400 '\(hosts.keyFile)'"))
        #expect(hosts.file(0, "phases") == nil)
    }

    @Test func aFailingDestroyScriptKeepsItsResourceAndWhatItNeedsUntilTheNextDestroy() async throws {
        let world = try await World.bootstrap(machines: 3)
        let hosts = try await Hosts(world, count: 3)
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        try #require(apply.status == 0, "\(apply.err)")
        FileManager.default.createFile(atPath: world.directory + "/roots/h2/keep", contents: Data())
        let refused = await world.tfy(["destroy", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(refused.status == 1)
        #expect(refused.err.contains("Error destroying tfy_bootstrap.worker[0]"))
        #expect(refused.err.contains("destroy script (leave.sh) on 127.0.0.1 exited with status 4. Last 1 lines of output:\n  still needed"))
        // The worker's bootstrap stays, and so does everything it needs: the masters' and common
        // bootstraps, and every instance (each common phase reads every node's address).
        let state = try world.state()
        #expect(state.instance(ResourceAddress(type: "tfy_bootstrap", name: "worker", index: 0)) != nil)
        #expect(try await world.liveInstances().count == 3)
        try FileManager.default.removeItem(atPath: world.directory + "/roots/h2/keep")
        let again = await world.tfy(["destroy", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(again.status == 0, "\(again.err)")
        #expect(hosts.file(2, "worker-destroyed") == "bye\n")
        #expect(try await world.liveInstances().isEmpty)
    }

    /// ssh splits an unquoted option value at spaces and expands %-tokens in file options: a
    /// working directory and a key path with both must still pin host keys in the stack's own
    /// file, also through a bastion (whose command ssh expands once more).
    @Test func pathsWithSpacesAndPercentSignsReachSSHIntact() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 3)
        let odd = world.directory + "/my 100% cluster"
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: world.directory + "/bootstrap", toPath: odd + "/bootstrap")
        let key = odd + "/id %C key"
        try FileManager.default.copyItem(atPath: hosts.keyFile, toPath: key)
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve", "-var", "bastion_port=\(hosts.ports[2])",
                                     "-var", "ports=[\(hosts.ports[0]),\(hosts.ports[1])]", "-var", "key_file=\(key)",
                                     "-var", "root=\(world.directory)/roots", "-var", "user=\(NSUserName())"], workingDirectory: odd)
        #expect(apply.status == 0, "\(apply.err)")
        #expect(hosts.file(1, "node") == "1\n")
        // Every host key, the bastion's too, is pinned in the one file beside the state, and no
        // file appeared at a piece of the split path.
        let pinnedFiles = FileManager.default.enumerator(atPath: odd)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".known_hosts") } ?? []
        try #require(pinnedFiles.count == 1, "\(pinnedFiles)")
        let pinned = try String(contentsOfFile: odd + "/" + pinnedFiles[0], encoding: .utf8)
        #expect(Set(pinned.split(separator: "\n").map { String($0.split(separator: " ")[0]) })
                == Set(hosts.ports.map { "[127.0.0.1]:\($0)" }))
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.directory).sorted() == ["authorized_keys", "cluster", "hosts", "id_test", "id_test.pub", "my 100% cluster", "roots"])
    }

    /// An upload never opens a name another user could plant a link at: the old fixed temporary
    /// name `DEST.tfy-upload` with a link to a victim file is left alone, the victim unchanged,
    /// and the file lands with its mode (given before any byte is written).
    @Test func anUploadNeverFollowsAPlantedLink() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 2)
        let victim = world.directory + "/victim"
        try "precious\n".write(toFile: victim, atomically: true, encoding: .utf8)
        let etc = world.directory + "/roots/h0/etc"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: etc + "/hosts.tfy-upload", withDestinationPath: victim)
        let apply = await world.tfy(["apply", "bootstrap", "-auto-approve"] + hosts.arguments)
        #expect(apply.status == 0, "\(apply.err)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: etc + "/hosts.tfy-upload") == victim)
        let hostsFile = try String(contentsOfFile: etc + "/hosts", encoding: .utf8)
        #expect(hostsFile.contains("node0"), "\(hostsFile)")
        #expect(try FileManager.default.attributesOfItem(atPath: etc + "/hosts")[.posixPermissions] as? Int == 0o644)
        // Nothing is left beside the destination but the planted link.
        #expect(try FileManager.default.contentsOfDirectory(atPath: etc).sorted() == ["hosts", "hosts.tfy-upload"])
    }

    @Test func aBastionCarriesTheConnection() async throws {
        let world = try await World.bootstrap(machines: 2)
        let hosts = try await Hosts(world, count: 3)
        let bastion = hosts.ports[2]
        let targets = ["-var", "ports=[\(hosts.ports[0]),\(hosts.ports[1])]", "-var", "key_file=\(hosts.keyFile)",
                       "-var", "root=\(world.directory)/roots", "-var", "user=\(NSUserName())"]
        // Through a bastion that is down, the hosts themselves (up) cannot be reached.
        hosts.servers[2].stop()
        let down = await world.tfy(["apply", "bootstrap", "-auto-approve", "-var", "bastion_port=\(bastion)", "-var", "ssh_timeout=2s"] + targets)
        #expect(down.status == 1)
        #expect(down.err.contains("waiting for SSH on \(NSUserName())@127.0.0.1 port \(hosts.ports[0]) via 127.0.0.1: "))
        hosts.servers[2] = try await hosts.start(2, port: bastion)
        let up = await world.tfy(["apply", "bootstrap", "-auto-approve", "-var", "bastion_port=\(bastion)"] + targets)
        #expect(up.status == 0, "\(up.err)")
        #expect(hosts.file(1, "node") == "1\n")
        // The bastion's host key is pinned beside the hosts'.
        let pinned = try String(contentsOfFile: world.stateDirectory + "/\(world.stack).known_hosts", encoding: .utf8)
        #expect(pinned.contains("[127.0.0.1]:\(bastion) "))
    }
}
