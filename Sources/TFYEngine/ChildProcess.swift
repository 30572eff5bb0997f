import Foundation

/// A program run to completion without blocking a thread of Swift's concurrency pool: its
/// output (standard output and error together, in order) arrives line by line, and the last
/// lines are kept for error messages.
enum ChildProcess {
    struct Result: Sendable {
        var status: Int32
        /// The last `tailLength` lines of output.
        var tail: [String]
    }

    static let tailLength = 200

    /// A child that exits before reading all its input (ssh failing to connect while a script is
    /// being sent) must not kill tfy with SIGPIPE: the write fails instead, and the child's exit
    /// status says what happened.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `executable` with `arguments`, writes `input` to its standard input and closes it.
    /// Returns once the program has exited and its output has ended.
    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
                    onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        ChildProcess.ignoreBrokenPipes
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        let lines = LineCollector(onLine: onLine)
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            // Our copies of the pipe ends the child uses must close, or the reader never sees
            // the end of its output.
            try? output.fileHandleForWriting.close()
            try? stdin.fileHandleForReading.close()
            let writer = stdin.fileHandleForWriting
            Thread.detachNewThread {
                if !input.isEmpty { try? writer.write(contentsOf: Data(input)) }
                try? writer.close()
            }
            let reader = output.fileHandleForReading
            Thread.detachNewThread {
                while let chunk = try? reader.read(upToCount: 65536), !chunk.isEmpty { lines.append(chunk) }
                lines.finish()
                process.waitUntilExit()
                continuation.resume(returning: Result(status: process.terminationStatus, tail: lines.tail))
            }
        }
    }
}

/// Splits output into lines as it arrives.
private final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []
    private var kept: [String] = []
    private let onLine: @Sendable (String) -> Void

    init(onLine: @escaping @Sendable (String) -> Void) { self.onLine = onLine }

    func append(_ data: Data) {
        let complete: [String] = lock.withLock {
            pending.append(contentsOf: data)
            var lines: [String] = []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
            return lines
        }
        for line in complete { emit(line) }
    }

    func finish() {
        let last: String? = lock.withLock {
            defer { pending = [] }
            return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
        }
        if let last { emit(last) }
    }

    private func emit(_ raw: String) {
        let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
        lock.withLock {
            kept.append(line)
            if kept.count > ChildProcess.tailLength { kept.removeFirst(kept.count - ChildProcess.tailLength) }
        }
        onLine(line)
    }

    var tail: [String] { lock.withLock { kept } }
}
