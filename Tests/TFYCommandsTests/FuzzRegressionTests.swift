import Foundation
import Testing
import TFYFuzzing

/// Every input a fuzzing campaign found to crash, hang or exhaust memory (fuzz/README.md), replayed
/// through the entry point that found it. Each must finish, and say what it says today: the output
/// beside it, `NAME.expected`, pins the diagnostic (RECORD_SNAPSHOTS=1 writes it anew).
@Suite(.timeLimit(.minutes(10)))
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/regressions").path

    struct Input: CustomTestStringConvertible, Sendable {
        var target: FuzzTarget
        var name: String
        var path: String { "\(FuzzRegressionTests.root)/\(target.rawValue)/\(name)" }
        var testDescription: String { "\(target.rawValue)/\(name)" }
    }

    static var inputs: [Input] {
        FuzzTarget.allCases.flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(target.rawValue)")) ?? [])
                .filter { !$0.hasSuffix(".expected") && !$0.hasPrefix(".") }
                .sorted()
                .map { Input(target: target, name: $0) }
        }
    }

    @Test func everyTargetKeepsItsFindings() {
        // The directories exist even when empty, so a renamed target cannot silently drop its inputs.
        for target in FuzzTarget.allCases {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: "\(Self.root)/\(target.rawValue)", isDirectory: &isDirectory) && isDirectory.boolValue,
                    "fuzz/regressions/\(target.rawValue) is missing")
        }
    }

    @Test(arguments: inputs)
    func replays(_ input: Input) throws {
        let bytes = try #require(FileManager.default.contents(atPath: input.path))
        let output = input.target.run([UInt8](bytes)).replacingOccurrences(of: FuzzTarget.directory, with: "<fuzz directory>")
        Snapshot.check(output, path: input.path + ".expected", name: "fuzz/regressions/\(input.testDescription).expected")
    }
}
