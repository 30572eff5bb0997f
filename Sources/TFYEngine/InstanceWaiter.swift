import Foundation
import TFYAWS

/// How often a waiting instance is asked about: soon after its operation starts waiting (a local
/// emulator answers in milliseconds, and an instance that is already running should not cost a
/// whole interval), then twice as long each time, up to the configured interval (EC2 takes
/// seconds to boot; polling it faster only spends calls).
public struct PollSchedule: Sendable, Equatable {
    /// The wait before the first poll.
    public var first: Double
    /// The longest wait between polls: `TFY_POLL_INTERVAL`.
    public var cap: Double

    public init(cap: Double, first: Double = 0.1) {
        self.cap = cap
        self.first = min(first, cap)
    }

    /// The wait after one of `previous` seconds; the first wait when there was none.
    public func interval(after previous: Double?) -> Double {
        previous.map { min($0 * 2, cap) } ?? first
    }

    /// The first `count` waits.
    public func intervals(_ count: Int) -> [Double] {
        var result: [Double] = []
        var previous: Double?
        for _ in 0..<count {
            let next = interval(after: previous)
            result.append(next)
            previous = next
        }
        return result
    }
}

/// Waits for instances to reach a state, polling with one batched DescribeInstances for every
/// instance being waited on, however many operations are waiting. Each instance has its own
/// `PollSchedule`; a poll happens when the earliest of them is due, and asks about all of them.
public actor InstanceWaiter {
    struct Waiting {
        var targets: Set<String>
        var deadline: Date
        /// The time allowed, as given: the message states it (the deadline minus the start, in
        /// floating point, can come out a hair short — "timed out after 0s" for a 1 s timeout).
        var timeout: Double
        var continuation: CheckedContinuation<EC2Instance?, any Error>
    }

    /// When an instance is next asked about, and the wait that led there.
    struct Due {
        var at: Date
        var interval: Double
    }

    let ec2: EC2Client
    let schedule: PollSchedule
    var waiting: [String: [Waiting]] = [:]
    var due: [String: Due] = [:]
    var polling = false
    /// The poll loop's sleep until the next poll, which a newly waiting instance due earlier cuts short.
    var sleeper: (task: Task<Void, Never>, until: Date)?

    public init(ec2: EC2Client, pollInterval: Double = 2) {
        self.ec2 = ec2
        self.schedule = PollSchedule(cap: pollInterval)
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var instanceId: String
        public var targets: Set<String>
        public var lastState: String?
        public var seconds: Double
        public var description: String {
            "timed out after \(Int(min(max(seconds, 0), 1e15)))s waiting for instance \(instanceId) to become \(targets.sorted().joined(separator: " or ")) (last seen: \(lastState ?? "not found"))"
        }
    }

    /// Returns the instance once its state is one of `targets`; nil when waiting for
    /// `terminated` and the instance is gone altogether. The waiting operation's parallelism slot
    /// is free meanwhile; with `last`, the operation makes no more calls and does not take it back.
    public nonisolated func wait(for id: String, until targets: Set<String>, timeout: Double, last: Bool = false) async throws -> EC2Instance? {
        try await OperationSlots.released(reacquire: !last) { try await self.enqueue(id, until: targets, timeout: timeout) }
    }

    func enqueue(_ id: String, until targets: Set<String>, timeout: Double) async throws -> EC2Instance? {
        try await withCheckedThrowingContinuation { continuation in
            let now = Date()
            waiting[id, default: []].append(Waiting(targets: targets, deadline: now.addingTimeInterval(timeout), timeout: timeout, continuation: continuation))
            if due[id] == nil { due[id] = Due(at: now.addingTimeInterval(schedule.first), interval: schedule.first) }
            if !polling {
                polling = true
                Task { await self.pollLoop() }
            } else if let sleeper, let at = due[id]?.at, at < sleeper.until {
                sleeper.task.cancel()
            }
        }
    }

    var lastStates: [String: String] = [:]

    func pollLoop() async {
        while !waiting.isEmpty {
            let next = due.values.map(\.at).min() ?? Date()
            let wait = next.timeIntervalSinceNow
            if wait > 0 {
                let task = Task { _ = try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                sleeper = (task, next)
                await task.value
                sleeper = nil
                continue
            }
            let ids = waiting.keys.sorted()
            do {
                let found = try await ec2.describeInstances(ids: ids)
                var byId: [String: EC2Instance] = [:]
                for instance in found { byId[instance.instanceId] = instance }
                for id in ids {
                    guard var list = waiting[id] else { continue }
                    let instance = byId[id]
                    if let instance { lastStates[id] = instance.state }
                    list.removeAll { w in
                        if let instance, w.targets.contains(instance.state) {
                            w.continuation.resume(returning: instance)
                            return true
                        }
                        // Gone for good counts as terminated; just after creation it may not be visible yet.
                        if instance == nil, w.targets.contains("terminated") {
                            w.continuation.resume(returning: nil)
                            return true
                        }
                        if Date() >= w.deadline {
                            w.continuation.resume(throwing: Timeout(instanceId: id, targets: w.targets, lastState: lastStates[id], seconds: w.timeout))
                            return true
                        }
                        return false
                    }
                    waiting[id] = list.isEmpty ? nil : list
                }
            } catch {
                for (id, list) in waiting {
                    for w in list where Date() >= w.deadline { w.continuation.resume(throwing: error) }
                    waiting[id] = list.filter { Date() < $0.deadline }
                    if waiting[id]?.isEmpty == true { waiting[id] = nil }
                }
            }
            let polled = Date()
            for id in ids where waiting[id] != nil {
                let interval = schedule.interval(after: due[id]?.interval)
                due[id] = Due(at: polled.addingTimeInterval(interval), interval: interval)
            }
            due = due.filter { waiting[$0.key] != nil }
        }
        polling = false
    }
}
