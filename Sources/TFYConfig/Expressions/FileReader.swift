import Foundation

/// Reads files for `file()` and `templatefile()`, relative to the configuration directory.
public struct FileReader: Sendable {
    public var currentDirectory: String
    /// Files larger than this are refused, so a stray `file("/dev/zero")` cannot exhaust memory.
    public var sizeLimit = 16 * 1024 * 1024

    public init(currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.currentDirectory = currentDirectory
    }

    public enum Failure: Error, Sendable { case missing, tooLarge, unreadable(String) }

    public func read(_ path: String, relativeTo directory: String) -> Result<[UInt8], Failure> {
        let expanded = path.hasPrefix("~/") ? NSString(string: path).expandingTildeInPath : path
        let full = expanded.hasPrefix("/") ? expanded : (directory as NSString).appendingPathComponent(expanded)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return .failure(.missing)
        }
        guard let handle = FileHandle(forReadingAtPath: full) else { return .failure(.unreadable("permission denied")) }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
            guard data.count <= sizeLimit else { return .failure(.tooLarge) }
            return .success([UInt8](data))
        } catch {
            return .failure(.unreadable("\(error)"))
        }
    }
}
