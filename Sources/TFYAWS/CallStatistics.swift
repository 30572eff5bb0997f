import Foundation

/// Counts calls per action (and their retries), so tfy can report how many API calls a run made.
public final class CallStatistics: @unchecked Sendable {
    public struct Entry: Sendable, Hashable {
        public var calls = 0
        public var attempts = 0
        public var seconds = 0.0
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    func record(action: String, attempts: Int, seconds: Double) {
        lock.withLock {
            entries[action, default: Entry()].calls += 1
            entries[action, default: Entry()].attempts += attempts
            entries[action, default: Entry()].seconds += seconds
        }
    }

    public var snapshot: [String: Entry] { lock.withLock { entries } }

    public var totalCalls: Int { snapshot.values.reduce(0) { $0 + $1.calls } }

    /// `API calls: DescribeInstances 3, RunInstances 1 (2 retries)`, actions sorted.
    public var summary: String {
        let items = snapshot.sorted { $0.key < $1.key }.map { action, entry in
            let retries = entry.attempts - entry.calls
            return "\(action) \(entry.calls)" + (retries > 0 ? " (\(retries) retr\(retries == 1 ? "y" : "ies"))" : "")
        }
        return "API calls: " + (items.isEmpty ? "none" : items.joined(separator: ", "))
    }
}
