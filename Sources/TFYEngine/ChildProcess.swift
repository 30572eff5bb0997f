import Foundation

/// A program run to completion without blocking a thread of Swift's concurrency pool: its
/// output (standard output and error together, in order, unless the caller keeps standard
/// error apart) arrives line by line, and the last lines are kept for error messages.
///
/// Each child runs in a process group of its own, so the Ctrl-C a terminal sends to its
/// foreground group reaches tfy alone: a first one lets running scripts finish, and only
/// `terminateAll` (the second one, or tfy ending early) stops them.
public enum ChildProcess {
    struct Result: Sendable {
        var status: Int32
        /// The last `tailLength` lines of output.
        var tail: [String]
        /// The last `tailLength` lines of standard error, when it was kept apart from the output
        /// (`separateErrors`); they never reach `onLine`.
        var errors: [String] = []
    }

    static let tailLength = 200

    /// How long children have to end after SIGTERM before they get SIGKILL.
    public static let terminationGrace: TimeInterval = 2

    /// A child that exits before reading all its input (ssh failing to connect while a script is
    /// being sent) must not kill tfy with SIGPIPE: the write fails instead, and the child's exit
    /// status says what happened.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `executable` with `arguments`, writes `input` to its standard input and closes it.
    /// Returns once the program has exited and its output has ended. `ownProcessGroup: false`
    /// keeps the child in tfy's group, for a program the user drives from the terminal.
    /// `separateErrors` gives standard error a pipe of its own, kept in `Result.errors`: ssh's
    /// own diagnostics (a multiplexing fallback, say) are then not taken for the remote command's
    /// output.
    /// `inputFile`, when given, is streamed to standard input after `input`, in chunks, from
    /// the file as it is then (a file too large to hold in memory).
    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], inputFile: String? = nil,
                    environment: [String: String]? = nil, ownProcessGroup: Bool = true, separateErrors: Bool = false,
                    onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        ChildProcess.ignoreBrokenPipes
        let output = try Self.pipe(), stdin = try Self.pipe()
        let errors: (read: Int32, write: Int32)?
        do { errors = separateErrors ? try Self.pipe() : nil } catch {
            for descriptor in [output.read, output.write, stdin.read, stdin.write] { close(descriptor) }
            throw error
        }
        let pid: pid_t
        do {
            pid = try Children.shared.spawn(executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
                                            stdin: stdin.read, output: output.write, errors: errors?.write ?? output.write,
                                            ownProcessGroup: ownProcessGroup)
        } catch {
            for descriptor in [output.read, output.write, stdin.read, stdin.write] + [errors?.read, errors?.write].compactMap({ $0 }) { close(descriptor) }
            throw error
        }
        // Our copies of the pipe ends the child uses must close, or the reader never sees
        // the end of its output.
        close(output.write)
        close(stdin.read)
        if let errors { close(errors.write) }
        let lines = LineCollector(onLine: onLine)
        let errorLines = LineCollector(onLine: { _ in })
        let writer = FileHandle(fileDescriptor: stdin.write, closeOnDealloc: true)
        let reader = FileHandle(fileDescriptor: output.read, closeOnDealloc: true)
        let errorReader = errors.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) }
        let errorsRead = DispatchSemaphore(value: 0)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                if !input.isEmpty { try? writer.write(contentsOf: Data(input)) }
                if let inputFile, let file = FileHandle(forReadingAtPath: inputFile) {
                    // A failed read or write ends the input early; the reader sees a short input.
                    while let chunk = try? file.read(upToCount: 1 << 20), !chunk.isEmpty, (try? writer.write(contentsOf: chunk)) != nil {}
                    try? file.close()
                }
                try? writer.close()
            }
            Thread.detachNewThread {
                if let errorReader {
                    while let chunk = try? errorReader.read(upToCount: 65536), !chunk.isEmpty { errorLines.append(chunk) }
                    try? errorReader.close()
                    errorLines.finish()
                }
                errorsRead.signal()
            }
            Thread.detachNewThread {
                while let chunk = try? reader.read(upToCount: 65536), !chunk.isEmpty { lines.append(chunk) }
                try? reader.close()
                lines.finish()
                errorsRead.wait()
                let status = Children.shared.wait(pid)
                continuation.resume(returning: Result(status: status, tail: lines.tail, errors: errorLines.tail))
            }
        }
    }

    /// Stops every child still running, for good: SIGTERM to each one's process group, SIGKILL
    /// to those still there after `grace` seconds. No child starts after this.
    public static func terminateAll(grace: TimeInterval = terminationGrace) {
        Children.shared.terminateAll(grace: grace)
    }

    /// A pipe whose ends are not inherited by other children (an inherited write end would keep
    /// a reader from ever seeing the end of its output): made close-on-exec under the lock that
    /// spawning takes, so no child starts in between.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        try Children.shared.withSpawnLock {
            var ends: [Int32] = [0, 0]
            guard Foundation.pipe(&ends) == 0 else { throw ChildProcessError(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
}

/// The children running now, by process ID (each the leader of its own group): spawned and
/// recorded under one lock, so `terminateAll` cannot miss one being started, and removed before
/// they are reaped, so it never signals an ID the system has given to another process.
private final class Children: @unchecked Sendable {
    static let shared = Children()
    private let lock = NSLock()
    private var groups: Set<pid_t> = []
    private var terminating = false

    func withSpawnLock<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }

    func spawn(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Int32, output: Int32,
               errors: Int32, ownProcessGroup: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // tfy ignores SIGINT, SIGTERM and SIGPIPE while it applies; its children must not.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if ownProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        return try lock.withLock {
            if terminating { throw ChildProcessError(description: "tfy is stopping: \((executable as NSString).lastPathComponent) was not started") }
            var pid = pid_t()
            let failure = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            guard failure == 0 else { throw ChildProcessError(description: "cannot run \(executable): \(String(cString: strerror(failure)))") }
            if ownProcessGroup { groups.insert(pid) }
            return pid
        }
    }

    /// Waits for `pid` to exit and reaps it; its exit status, or the signal that ended it.
    func wait(_ pid: pid_t) -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
        lock.withLock { _ = groups.remove(pid) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    func terminateAll(grace: TimeInterval) {
        let running = lock.withLock { terminating = true; return groups }
        for group in running { kill(-group, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        var left = running
        while !left.isEmpty, Date() < deadline {
            left = left.filter { kill(-$0, 0) == 0 }
            if !left.isEmpty { usleep(10_000) }
        }
        for group in left { kill(-group, SIGKILL) }
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
