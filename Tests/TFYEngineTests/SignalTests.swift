import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// SIGTERM and a second Ctrl-C during an apply, sent to tfy running as a process of its own
/// (docs/apply.md, "Interrupts and crashes"): the exact messages, the exit status, the lock, and a
/// state that matches what EC2 holds.
@Suite(.timeLimit(.minutes(30)))
struct SignalTests {
    static let graceful = "\nInterrupt received.\nPlease wait for tfy to exit or data loss may occur.\nGracefully shutting down...\n"
    static let immediate = "\nTwo interrupts received. Exiting immediately; the state records what exists.\n"

    /// Sends `signal` to the process the moment `condition` holds, from a dispatch thread (the
    /// Swift concurrency pool may be busy with other tests, and a run can finish while a task
    /// waits to be resumed); false when the process exited first or `timeout` seconds passed.
    func send(_ signal: Int32, to process: Process, timeout: TimeInterval = 180, when condition: @escaping @Sendable () -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(timeout)
                while process.isRunning, !condition(), Date() < deadline { usleep(5_000) }
                guard process.isRunning, condition() else { return continuation.resume(returning: false) }
                kill(process.processIdentifier, signal)
                continuation.resume(returning: true)
            }
        }
    }

    /// Sends `signal` once the run is mid-apply — its output shows an instance being created, it
    /// holds the state lock, and its state records `instances` instance IDs — so the signal cannot
    /// land on a run that failed at start or has not begun applying.
    func sendWhenMidApply(_ signal: Int32, _ run: World.Interactive, _ world: World, instances: Int) async throws {
        let process = run.process, outFile = run.outFile, statePath = world.statePath
        let sent = await send(signal, to: process) {
            ((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").contains(": Creating...\n")
                && StateLock.holder(statePath: statePath)?.pid == process.processIdentifier
                && CrashAndFaultTests.recordedInstances(statePath) >= instances
        }
        let out = (try? String(contentsOfFile: run.outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: run.errFile, encoding: .utf8)) ?? ""
        try #require(sent, "the run never got mid-apply; out:\n\(out.suffix(3000))\nerr:\n\(err)")
    }

    /// Every instance EC2 lists for the stack is in state under its own address: by ID, or — for a
    /// launch whose answer the run did not live to record — as the pending create of the address
    /// its `tfy:address` tag names, which the next run adopts. Nothing in state is missing from EC2.
    func expectStateMatchesEC2(_ world: World, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let json = try await world.cli(["ec2", "describe-instances", "--filters", "Name=tag:tfy:stack,Values=\(world.stack)",
                                        "Name=instance-state-name,Values=pending,running,stopping,stopped"])
        let live = ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }.map { instance in
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            return (id: instance["InstanceId"] as? String ?? "", address: tags["tfy:address"] ?? "")
        }
        let recorded = try world.stateInstances()
        let recordedIDs = Set(recorded.values.filter { $0 != "(none)" })
        let pending = Set(recorded.filter { $0.value == "(none)" }.keys)
        for instance in live where !recordedIDs.contains(instance.id) {
            #expect(pending.contains(instance.address), "\(instance.id) (\(instance.address)) is live but not in state: \(recorded)", sourceLocation: sourceLocation)
        }
        #expect(recordedIDs.isSubset(of: Set(live.map(\.id))), "state records instances EC2 does not list", sourceLocation: sourceLocation)
        #expect(Set(live.map(\.address)).count == live.count, "no address launched twice", sourceLocation: sourceLocation)
    }

    @Test func sigtermStopsLikeAFirstCtrlC() async throws {
        try requireExecutable()
        let world = try await World()
        // Every EC2 answer takes 300 ms: the run is still launching when the signal comes.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port), "--latency-ms", "300"])
        let run = try world.spawnInteractive(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-parallelism", "4", "-no-color"],
                                             endpoint: "http://127.0.0.1:\(proxy.port)")
        try run.input.fileHandleForWriting.close()
        try await sendWhenMidApply(SIGTERM, run, world, instances: 4)
        let stopped = try await run.finished()

        #expect(stopped.status == 1)
        #expect(stopped.err == Self.graceful + "Error: Apply interrupted\n\ntfy stopped starting new operations after the interrupt; the ones already running finished and the state records everything that exists. Run the same command again to finish.\n\n", "\(stopped.err)")
        #expect(!stopped.out.contains("Apply complete!"), "\(stopped.out)")
        // A graceful stop unlocks: the lock file is gone and nobody holds the lock.
        #expect(!FileManager.default.fileExists(atPath: StateLock.lockPath(forState: world.statePath)))
        #expect(StateLock.holder(statePath: world.statePath) == nil)
        // Every running operation finished and was saved: the state is exactly what EC2 holds.
        let live = try await world.liveInstances()
        let recorded = try world.stateInstances()
        #expect(Set(live.map(\.id)) == Set(recorded.values), "\(recorded)")
        #expect(live.count >= 4 && live.count < 20, "stopped mid-apply: \(live.count)")

        let finished = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(finished.status == 0, "\(finished.err)")
        #expect(finished.err.isEmpty, "no stale lock to take over: \(finished.err)")
        #expect(finished.out.contains("Apply complete! Resources: \(20 - live.count) added, 0 changed, 0 destroyed."), "\(finished.out)")
        #expect(try await world.liveInstances().count == 20)
        try await expectStateMatchesEC2(world)
    }

    @Test func aSecondCtrlCExitsAtOnce() async throws {
        try requireExecutable()
        let world = try await World()
        // The proxy lets the first 4 launches through and holds every later one unanswered: the
        // run stops there, however fast or slow the machine, and the graceful stop the first
        // Ctrl-C starts waits for those held launches until the second one comes.
        let proxy = try await Helper("fault_proxy.py", [String(world.moto.port)])
        try await UpdateRecoveryTests.faults(proxy, #"{"hold_after": {"RunInstances": 4}}"#)
        let run = try world.spawnInteractive(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-parallelism", "4", "-no-color"],
                                             endpoint: "http://127.0.0.1:\(proxy.port)")
        try run.input.fileHandleForWriting.close()
        let process = run.process, statePath = world.statePath, errFile = run.errFile
        try await eventually("4 instances recorded and a fifth launch held", timeout: 180) { () async throws -> Bool? in
            guard process.isRunning else {
                throw HelperError(description: "the run ended before it got stuck: \((try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")")
            }
            let held = try await proxyStats(proxy)["held"] ?? 0
            return held >= 1 && CrashAndFaultTests.recordedInstances(statePath) == 4
                && StateLock.holder(statePath: statePath)?.pid == process.processIdentifier ? true : nil
        }
        kill(process.processIdentifier, SIGINT)
        let sentSecond = await send(SIGINT, to: process) {
            ((try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "").hasSuffix("Gracefully shutting down...\n")
        }
        try #require(sentSecond, "the run stopped before the second Ctrl-C: \((try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")")
        let exited = try await run.finished()

        #expect(exited.status == 1)
        // Nothing after the second message: no "Apply interrupted" summary, no waiting.
        #expect(exited.err == Self.graceful + Self.immediate, "\(exited.err)")
        #expect(!exited.out.contains("Apply complete!") && !exited.out.contains("API calls:"), "\(exited.out)")
        // The OS lock died with the process; its file stays, held by nobody.
        #expect(StateLock.holder(statePath: world.statePath) == nil)
        #expect(FileManager.default.fileExists(atPath: StateLock.lockPath(forState: world.statePath)))
        try await expectStateMatchesEC2(world)
        // The held launches never reached EC2: let them go as failures, which nothing hears, and
        // lift the failure only once each of them has met it.
        let held = try await proxyStats(proxy)["held"] ?? 0
        try await UpdateRecoveryTests.faults(proxy, #"{"hold_after": {}, "fail_actions": {"RunInstances": "InternalError"}}"#)
        try await eventually("the \(held) held launches failed") { try await proxyStats(proxy)["failed_actions"] == held ? true : nil }
        try await UpdateRecoveryTests.faults(proxy, #"{"fail_actions": {}}"#)
        #expect(try await world.liveInstances().count == 4)

        let finished = await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=20", "-no-color"])
        #expect(finished.status == 0, "\(finished.err)")
        #expect(finished.err.hasPrefix("Found a stale state lock left by a process that is gone (ID "), "\(finished.err)")
        #expect(try await world.liveInstances().count == 20)
        let recorded = try world.stateInstances()
        #expect(Set(try await world.liveInstances().map(\.id)) == Set(recorded.values))
        try await expectStateMatchesEC2(world)
    }
}
