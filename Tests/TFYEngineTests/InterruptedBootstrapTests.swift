import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// Ctrl-C at a terminal during a bootstrap (docs/apply.md, "Interrupts and crashes"): the
/// terminal signals tfy's whole process group, so these tests start tfy in a group of its own and
/// signal the group. The first Ctrl-C must not reach the ssh children (their own groups): the
/// running script finishes and is recorded. The second stops them, and no ssh outlives tfy.
@Suite(.serialized, .timeLimit(.minutes(30)))
struct InterruptedBootstrapTests {
    /// One instance, a script that prints a line a second for `seconds` seconds, and a second
    /// bootstrap after it, which an interrupted apply must never start.
    static let configuration = """
        variable:
          stack_tag: {type: string}
          port: {type: number}
          key_file: {type: string}
          user: {type: string}
          seconds: {type: number}
          mark: {type: string}
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            node: {ami: ami-1ecae776, instance_type: t2.micro, tags: {Name: "${var.stack_tag}-node"}}
          tfy_bootstrap:
            slow:
              instance_id: "${aws_instance.node.id}"
              connection: {host: 127.0.0.1, port: "${var.port}", user: "${var.user}", private_key_file: "${var.key_file}"}
              environment: {RUN_FOR: "${var.seconds}", MARK: "${var.mark}"}
              inline:
                - |
                  echo "script started"
                  echo started > "$MARK"
                  i=0
                  while [ "$i" -lt "$RUN_FOR" ]; do sleep 1; i=$((i + 1)); echo "second $i"; done
                  echo "script finished"
            after:
              depends_on: [tfy_bootstrap.slow]
              instance_id: "${aws_instance.node.id}"
              connection: {host: 127.0.0.1, port: "${var.port}", user: "${var.user}", private_key_file: "${var.key_file}"}
              inline:
                - echo "after ran"

        """

    /// The file the script writes once it runs (tfy's standard output, a file here, is buffered).
    static func mark(_ world: World) -> String { world.directory + "/script-started" }

    func world() async throws -> (World, Hosts) {
        let world = try await World()
        world.stateConfiguration = "slow"
        try FileManager.default.createDirectory(atPath: world.directory + "/slow", withIntermediateDirectories: true)
        try ("stack: \(world.stack)\n" + Self.configuration).write(toFile: world.directory + "/slow/main.yml", atomically: true, encoding: .utf8)
        return (world, try await Hosts(world, count: 1))
    }

    /// `tfy apply` in a process group of its own (as a terminal's foreground job), its script
    /// running for `seconds` seconds.
    func apply(_ world: World, _ hosts: Hosts, seconds: Int) throws -> World.Interactive {
        let process = world.tfyProcess(["apply", "slow", "-auto-approve", "-no-color", "-var", "seconds=\(seconds)", "-var", "port=\(hosts.ports[0])",
                                        "-var", "key_file=\(hosts.keyFile)", "-var", "user=\(NSUserName())", "-var", "mark=\(Self.mark(world))"])
        // setpgid, then exec: the process ID stays tfy's, and it leads its group.
        process.arguments = ["-c", "import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])", World.executable] + (process.arguments ?? [])
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + (process.arguments ?? [])
        let input = Pipe()
        let id = UUID().uuidString
        let outFile = world.directory + "/out-\(id)", errFile = world.directory + "/err-\(id)"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: outFile)
        process.standardError = FileHandle(forWritingAtPath: errFile)
        try process.run()
        try input.fileHandleForWriting.close()
        return World.Interactive(process: process, input: input, outFile: outFile, errFile: errFile)
    }

    /// Sends SIGINT to the run's process group, as a terminal's Ctrl-C does, the moment the
    /// file at `path` (the script's mark, or the run's standard error) contains `text`.
    func interrupt(_ run: World.Interactive, when path: String, contains text: String) async throws {
        let process = run.process
        let sent = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(120)
                let seen = { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains(text) }
                while process.isRunning, !seen(), Date() < deadline { usleep(5_000) }
                guard process.isRunning, seen(), getpgid(process.processIdentifier) == process.processIdentifier else { return continuation.resume(returning: false) }
                kill(-process.processIdentifier, SIGINT)
                continuation.resume(returning: true)
            }
        }
        let out = (try? String(contentsOfFile: run.outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: run.errFile, encoding: .utf8)) ?? ""
        try #require(sent, "never saw \(text.debugDescription) in a running tfy leading its group; out:\n\(out.suffix(3000))\nerr:\n\(err)")
    }

    /// The ssh processes tfy started for this test: sessions, which name its key, and their
    /// connection masters, which rename themselves "ssh: CONTROL-PATH [mux]".
    func sshProcesses(_ hosts: Hosts) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let running: [(pid: pid_t, words: [String])] = entries.compactMap { entry in
            guard let pid = pid_t(entry), isAlive(pid),
                  (try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)) == "ssh\n",
                  let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            return (pid, line.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        }
        let sessions = running.filter { $0.words.contains { $0.contains(hosts.keyFile) } }
        let controlDirectories = Set(sessions.flatMap(\.words).filter { $0.hasPrefix("ControlPath=") && $0.hasSuffix("/%C") }
            .map { String($0.dropFirst("ControlPath=".count).dropLast(2)) })
        let masters = running.filter { process in controlDirectories.contains { process.words.first?.hasPrefix("ssh: \($0)") == true } }
        return (sessions + masters).map(\.pid).sorted()
    }

    /// Running, not a zombie waiting for a parent that does not reap it.
    func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    @Test func aFirstCtrlCLetsTheRunningScriptFinishAndStartsNothingNew() async throws {
        try requireExecutable()
        let (world, hosts) = try await world()
        let run = try apply(world, hosts, seconds: 3)
        try await interrupt(run, when: Self.mark(world), contains: "started")
        let stopped = try await run.finished()

        #expect(stopped.status == 1)
        #expect(stopped.err == SignalTests.graceful + "Error: Apply interrupted\n\ntfy stopped starting new operations after the interrupt; the ones already running finished and the state records everything that exists. Run the same command again to finish.\n\n", "\(stopped.err)")
        for line in ["second 1", "second 2", "second 3", "script finished"] {
            #expect(stopped.out.contains("tfy_bootstrap.slow (remote-exec): \(line)\n"), "\(stopped.out)")
        }
        #expect(stopped.out.contains("tfy_bootstrap.slow: Creation complete after "), "\(stopped.out)")
        #expect(!stopped.out.contains("(remote-exec): after ran"), "\(stopped.out)")
        let state = try world.state()
        let slow = try #require(state.instance(ResourceAddress(type: "tfy_bootstrap", name: "slow", key: nil)), "\(state.instances.map(\.address))")
        #expect(slow.status == nil, "recorded as done, not tainted")
        #expect(state.instance(ResourceAddress(type: "tfy_bootstrap", name: "after", key: nil)) == nil)
        #expect(sshProcesses(hosts) == [], "connections closed at the end")
    }

    @Test func aSecondCtrlCStopsTheScriptAndLeavesNoSSHBehind() async throws {
        try requireExecutable()
        let (world, hosts) = try await world()
        let run = try apply(world, hosts, seconds: 120)
        try await interrupt(run, when: Self.mark(world), contains: "started")
        let errFile = run.errFile
        try await eventually("the first Ctrl-C taken", timeout: 60) {
            ((try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "").hasSuffix("Gracefully shutting down...\n") ? true : nil
        }
        // The script's session and its connection master (a daemon of its own) are running.
        let running = sshProcesses(hosts)
        #expect(running.count >= 2, "\(running)")
        kill(-run.process.processIdentifier, SIGINT)
        let exited = try await run.finished()

        // Stopped, not waited for: the 120 s script never printed its end (below).
        #expect(exited.status == 1)
        // The killed script's session may be reported failed before tfy exits: only that may follow.
        let expected = SignalTests.graceful + SignalTests.immediate
        #expect(exited.err.hasPrefix(expected), "\(exited.err)")
        let rest = String(exited.err.dropFirst(expected.count))
        #expect(rest.isEmpty || rest.hasPrefix("Error: Error creating tfy_bootstrap.slow\n"), "\(rest)")
        #expect(!exited.out.contains("(remote-exec): script finished"), "\(exited.out)")
        let left = try await eventually("every ssh gone", timeout: 10) { () -> [pid_t]? in
            let alive = running.filter(isAlive)
            return alive.isEmpty ? [] : nil
        }
        #expect(left == [])
        #expect(sshProcesses(hosts) == [])
    }
}
