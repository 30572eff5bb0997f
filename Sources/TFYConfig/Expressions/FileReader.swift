import Foundation

/// Reads files for `file()`, `templatefile()` and bootstrap `files.source`, relative to the
/// configuration directory.
///
/// Only regular files are read: a FIFO would block forever, a device such as `/dev/zero` never
/// ends, and a directory has no contents. The file is checked with `stat` before it is opened,
/// opened non-blocking (so a FIFO swapped in between cannot block the open), and checked again
/// with `fstat` on the descriptor actually read.
public struct FileReader: Sendable {
    public var currentDirectory: String
    /// Files larger than this are refused (`EvaluationBudget.fileBytes`).
    public var sizeLimit = EvaluationBudget.standard.fileBytes

    public init(currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.currentDirectory = currentDirectory
    }

    public enum Failure: Error, Sendable, Equatable {
        case missing
        case tooLarge
        /// Something other than a regular file: its kind, such as "a directory".
        case notRegularFile(String)
        case unreadable(String)

        /// The end of a sentence that starts with the file's name: "is a FIFO (named pipe), not
        /// a regular file", for the files a command names (configuration, variables, plan, state).
        public func reason(limit: Int) -> String {
            switch self {
            case .missing: return "does not exist"
            case .tooLarge: return "is larger than \(EvaluationBudget.describe(bytes: limit)), the most tfy reads from such a file"
            case .notRegularFile(let kind): return "is \(kind), not a regular file"
            case .unreadable(let why): return "cannot be read (\(why))"
            }
        }
    }

    /// Largest saved plan or state file a command reads: far above 100,000 instances' worth.
    public static let documentBytes = 1024 * 1024 * 1024

    /// A reader of files named on the command line or found in the configuration directory,
    /// bounded by `limit` bytes: a FIFO, a device or a huge file given by mistake is an error
    /// instead of a hang or an exhausted memory.
    public static func commandFiles(limit: Int, currentDirectory: String = FileManager.default.currentDirectoryPath) -> FileReader {
        var reader = FileReader(currentDirectory: currentDirectory)
        reader.sizeLimit = limit
        return reader
    }

    /// `read` of `path` as given (absolute, or relative to `currentDirectory`).
    public func read(_ path: String) -> Result<[UInt8], Failure> {
        read(path, relativeTo: currentDirectory)
    }

    /// The absolute path `path` names, `~/` expanded and relative paths taken from `directory`.
    public func resolve(_ path: String, relativeTo directory: String) -> String {
        let expanded = path.hasPrefix("~/") ? NSString(string: path).expandingTildeInPath : path
        let full = expanded.hasPrefix("/") ? expanded : (directory as NSString).appendingPathComponent(expanded)
        return (full as NSString).standardizingPath
    }

    public func read(_ path: String, relativeTo directory: String) -> Result<[UInt8], Failure> {
        let full = resolve(path, relativeTo: directory)
        var status = stat()
        guard stat(full, &status) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .failure(.missing) : .failure(.unreadable(String(cString: strerror(errno))))
        }
        if let failure = check(status) { return .failure(failure) }
        let descriptor = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        // The path may have been replaced between stat and open: judge what was opened.
        guard fstat(descriptor, &status) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if let failure = check(status) { return .failure(failure) }
        // Reading at most one byte more than the limit bounds a file that grows while it is read.
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        do {
            let data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
            guard data.count <= sizeLimit else { return .failure(.tooLarge) }
            return .success([UInt8](data))
        } catch {
            return .failure(.unreadable("\(error)"))
        }
    }

    /// Whether a regular file is at `path` (of any size: it is not read): nil when nothing is
    /// there, the failure when something other than a regular file is (`fileexists()`).
    public func exists(_ path: String, relativeTo directory: String) -> Result<Bool, Failure> {
        var status = stat()
        guard stat(resolve(path, relativeTo: directory), &status) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .success(false) : .failure(.unreadable(String(cString: strerror(errno))))
        }
        if status.st_mode & S_IFMT == S_IFREG { return .success(true) }
        return .failure(check(status) ?? .notRegularFile("a special file"))
    }

    /// Why a file with `status` cannot be read, or nil when it can.
    private func check(_ status: stat) -> Failure? {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return Int(status.st_size) > sizeLimit ? .tooLarge : nil
        case S_IFDIR: return .notRegularFile("a directory")
        case S_IFIFO: return .notRegularFile("a FIFO (named pipe)")
        case S_IFCHR: return .notRegularFile("a character device")
        case S_IFBLK: return .notRegularFile("a block device")
        case S_IFSOCK: return .notRegularFile("a socket")
        default: return .notRegularFile("a special file")
        }
    }
}
