import Foundation
import Testing

/// Golden files: compares a rendering with the file that pins it, or, with `RECORD_SNAPSHOTS=1`,
/// writes the file anew and records an issue, so a recording run is never mistaken for a
/// passing one.
enum Snapshot {
    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    /// Checks `actual` against the file at `path`; `name` says which golden file in messages.
    static func check(_ actual: String, path: String, name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if recording {
            _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("recorded \(name); run again without RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
            return
        }
        let expected = try? String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; RECORD_SNAPSHOTS=1 swift test re-records it", sourceLocation: sourceLocation)
    }
}
