/// What several test targets share: the helper processes (moto, the fault proxy) and the AWS CLI
/// as an independent client.
import Foundation

/// The python helpers' folder.
package let helperScripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("TFYAWSTests/Fixtures/support").path

package struct HelperError: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}

/// How long a helper may take to print its port: moto imports for seconds on a loaded machine.
package let helperStartTimeout: TimeInterval = 120
/// How long a helper, or a program the tests run, may take to exit once asked or started.
package let programTimeout: TimeInterval = 300

/// A helper process that prints its port and lives until its standard input closes: when the test
/// process exits, however it exits, the helper exits too.
package final class HelperProcess: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let script: String
    /// The helper's standard error, kept for the message when it fails.
    let errorFile = NSTemporaryDirectory() + "tfy-helper-" + UUID().uuidString + ".err"
    package let port: Int

    /// Waits for the port without holding one of Swift's concurrency threads: the line is read on a
    /// thread of its own, so tests that start helpers do not starve the tests already running.
    ///
    /// At most `HelperStarts.limit` helpers start at once (the rest wait their turn, and their
    /// timeout counts from it): a whole suite starting a moto per test at the same moment made
    /// hundreds of Python interpreters import moto together, and on a busy machine none printed
    /// its port within the timeout.
    package init(script: String, arguments: [String] = [], environment: [String: String] = [:], startTimeout: TimeInterval = helperStartTimeout) async throws {
        await HelperStarts.shared.acquire()
        defer { Task { await HelperStarts.shared.release() } }
        self.script = script
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(helperScripts)/\(script)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = input
        process.standardOutput = output
        FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
        let line = await Self.firstLine(of: output.fileHandleForReading, timeout: startTimeout)
        let stderr = { [errorFile] in Self.tail(of: errorFile) }
        guard let line else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HelperError(description: "\(script) printed no port within \(Int(startTimeout)) s; its stderr:\n\(stderr())")
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Self.end(process, input: input)
            throw HelperError(description: "\(script) exited before printing its port (printed \(line.debugDescription)); its stderr:\n\(stderr())")
        }
        self.port = port
    }

    package convenience init(_ script: String, _ arguments: [String] = []) async throws {
        try await self.init(script: script, arguments: arguments)
    }

    /// Closes the helper's input and waits for it to exit; one that does not within `programTimeout` is killed.
    package func stop() {
        Self.end(process, input: input)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: errorFile)
    }

    static func end(_ process: Process, input: Pipe) {
        try? input.fileHandleForWriting.close()
        if !waitForExit(process, timeout: programTimeout) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first line `handle` delivers within `timeout`, or nil when the time runs out ("" when the
    /// handle ends first). Read on a thread of its own; the deadline is a dispatch timer, so no
    /// thread of Swift's concurrency pool waits.
    static func firstLine(of handle: FileHandle, timeout: TimeInterval) async -> String? {
        final class Once: @unchecked Sendable {
            let lock = NSLock()
            var continuation: CheckedContinuation<String?, Never>?
            func finish(_ line: String?) {
                let taken: CheckedContinuation<String?, Never>? = lock.withLock { defer { continuation = nil }; return continuation }
                taken?.resume(returning: line)
            }
        }
        let once = Once()
        return await withCheckedContinuation { continuation in
            once.continuation = continuation
            Thread.detachNewThread {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    data += chunk
                }
                once.finish(String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { once.finish(nil) }
        }
    }

    /// The last 4000 characters of a file, for error messages.
    static func tail(of path: String) -> String {
        String(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).suffix(4000))
    }
}

/// The helpers being started now, at most `limit`: a semaphore whose waiters hold no thread.
actor HelperStarts {
    static let shared = HelperStarts()
    /// Four per core: a start is mostly Python importing moto, on the CPU; more at once only
    /// slows each, fewer leaves tests waiting for their turn.
    static let limit = max(4, 4 * ProcessInfo.processInfo.activeProcessorCount)
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if running < Self.limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot to the first waiter, or frees it.
    func release() {
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
    }
}

/// Waits until `process` exits, at most `timeout` seconds; whether it did.
package func waitForExit(_ process: Process, timeout: TimeInterval) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    // Polled: Process offers no waiting with a deadline, and its termination handler must be set before run().
    while process.isRunning {
        if Date() >= deadline { return false }
        usleep(5_000)
    }
    process.waitUntilExit()
    return true
}

/// Waits until `process` exits, at most `timeout` seconds, on a dispatch thread rather than one of
/// Swift's concurrency threads; one that does not exit in time is killed, and the error names it.
package func waitForExit(_ process: Process, timeout: TimeInterval = programTimeout, name: String) async throws {
    let exited = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        DispatchQueue.global().async {
            let exited = waitForExit(process, timeout: timeout)
            if !exited {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            continuation.resume(returning: exited)
        }
    }
    guard exited else { throw HelperError(description: "\(name) did not exit within \(Int(timeout)) s and was killed") }
}

/// A program's end: its status, standard output and standard error.
package struct ProgramResult: Sendable {
    package var status: Int32
    package var output: Data
    package var error: String
}

/// Runs a program found on PATH to its end (killed after `timeout` seconds); its status and output.
/// The wait happens on a dispatch thread: the AWS CLI takes a second or more to start on a loaded
/// machine, and a test waiting on one of Swift's two concurrency threads would stall the others.
package func runProgramAllowingFailure(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                                      timeout: TimeInterval = programTimeout) async throws -> ProgramResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runProgramBlocking(program, arguments, environment: environment, timeout: timeout) })
        }
    }
}

private func runProgramBlocking(_ program: String, _ arguments: [String], environment: [String: String], timeout: TimeInterval) throws -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe()
    // Standard error goes to a file: a full pipe nobody reads would block the program.
    let errorFile = NSTemporaryDirectory() + "tfy-program-" + UUID().uuidString + ".err"
    FileManager.default.createFile(atPath: errorFile, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorFile) }
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: errorFile)
    try process.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let box = Box()
    let read = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.data = output.fileHandleForReading.readDataToEndOfFile()
        read.signal()
    }
    let command = ([program] + arguments).joined(separator: " ")
    guard waitForExit(process, timeout: timeout) else {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw HelperError(description: "\(command) did not exit within \(Int(timeout)) s and was killed; its stderr:\n\(HelperProcess.tail(of: errorFile))")
    }
    read.wait()
    return ProgramResult(status: process.terminationStatus, output: box.data, error: HelperProcess.tail(of: errorFile))
}

/// Runs a program found on PATH to its end; its standard output, or an error naming it (with its
/// standard error) when it fails.
@discardableResult
package func runProgram(_ program: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Data {
    let result = try await runProgramAllowingFailure(program, arguments, environment: environment)
    guard result.status == 0 else {
        throw HelperError(description: "\(program) \(arguments.joined(separator: " ")) exited \(result.status): \(result.error)")
    }
    return result.output
}

/// Runs the AWS CLI against `endpoint` and returns its JSON answer: an independent client's view.
/// A command that prints nothing (a delete) answers `[:]`; one that fails, or prints something
/// other than a JSON object, throws.
@discardableResult
package func awsCLI(_ endpoint: String, _ arguments: [String], accessKey: String = "AKIDTESTING", secret: String = "testing-secret") async throws -> [String: Any] {
    let data = try await runProgram("aws", awsArguments(endpoint, arguments), environment: awsEnvironment(accessKey, secret))
    if data.isEmpty { return [:] }
    guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw HelperError(description: "aws \(arguments.joined(separator: " ")) printed no JSON object: \(String(decoding: data.prefix(2000), as: UTF8.self))")
    }
    return json
}

/// An S3 object's bytes as the AWS CLI reads them, or nil when there is no such key; any other
/// failure of the read throws, with the CLI's standard error.
package func awsS3Object(_ endpoint: String, bucket: String, key: String, accessKey: String = "AKIDTESTING", secret: String = "testing-secret") async throws -> Data? {
    let file = NSTemporaryDirectory() + "tfy-s3-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: file) }
    let arguments = ["s3api", "get-object", "--bucket", bucket, "--key", key, file]
    let result = try await runProgramAllowingFailure("aws", awsArguments(endpoint, arguments), environment: awsEnvironment(accessKey, secret))
    if result.status != 0 {
        if result.error.contains("(NoSuchKey)") { return nil }
        throw HelperError(description: "aws \(arguments.joined(separator: " ")) exited \(result.status): \(result.error)")
    }
    guard let data = FileManager.default.contents(atPath: file) else {
        throw HelperError(description: "aws \(arguments.joined(separator: " ")) succeeded but wrote no \(file)")
    }
    return data
}

func awsArguments(_ endpoint: String, _ arguments: [String]) -> [String] {
    ["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"] + arguments
}

func awsEnvironment(_ accessKey: String, _ secret: String) -> [String: String] {
    ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secret, "AWS_PAGER": ""]
}

/// Waits until `condition` yields a value and returns it; throws, naming `what`, after `timeout`
/// seconds. This is how tests wait for an event in another process or service (a lock file or an
/// S3 object appearing, a line in a child's output, a state file's serial): none of them can notify
/// this process, so the condition is re-checked every 20 ms. The interval only bounds how late
/// the event is noticed; no test depends on how long anything takes.
package func eventually<T>(_ what: String, timeout: TimeInterval = 60, _ condition: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else { throw HelperError(description: "\(what) did not happen within \(Int(timeout)) s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
