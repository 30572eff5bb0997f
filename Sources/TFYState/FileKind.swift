import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What is at a path, looked at without following a symbolic link there.
///
/// tfy reads state only from a regular file and replaces only a regular file or a missing path:
/// an atomic rename over a FIFO, a device or a symbolic link would swap it for a regular file,
/// and a dangling link read as "no state" would launch a whole cluster again.
enum FileKind: Sendable, Equatable {
    case missing
    case regular
    case symbolicLink(target: String)
    /// Anything else, as a noun: "a directory", "a FIFO (named pipe)", …
    case special(String)
    /// `lstat` failed for a reason other than the path not existing.
    case unexaminable(reason: String)

    init(path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            self = errno == ENOENT ? .missing : .unexaminable(reason: String(cString: strerror(errno)))
            return
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFLNK: self = .symbolicLink(target: (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        case S_IFDIR: self = .special("a directory")
        case S_IFIFO: self = .special("a FIFO (named pipe)")
        case S_IFCHR: self = .special("a character device")
        case S_IFBLK: self = .special("a block device")
        case S_IFSOCK: self = .special("a socket")
        default: self = .special("a special file")
        }
    }

    /// "a directory", "a symbolic link to "TARGET"": what a refusal names; nil for a regular
    /// file or a missing path.
    var noun: String? {
        switch self {
        case .missing, .regular, .unexaminable: return nil
        case .symbolicLink(let target): return "a symbolic link to \"\(target)\""
        case .special(let noun): return noun
        }
    }

    /// Why the symbolic link at `path` leads to no file, as a clause (", which does not exist"),
    /// or "" when it leads to one.
    static func brokenLinkClause(_ path: String) -> String {
        var status = stat()
        guard stat(path, &status) != 0 else { return "" }
        switch errno {
        case ENOENT: return ", which does not exist"
        case ELOOP: return ", which loops back on itself"
        case let code: return ", which cannot be followed (\(String(cString: strerror(code))))"
        }
    }
}
