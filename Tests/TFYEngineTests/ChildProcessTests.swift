import Foundation
import Testing
@testable import TFYEngine

@Suite(.timeLimit(.minutes(30))) struct ChildProcessTests {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var all: [String] = []
        func add(_ line: String) { lock.withLock { all.append(line) } }
    }

    @Test func outputArrivesLineByLineAndTheTailKeepsTheLast200() async throws {
        let lines = Lines()
        let result = try await ChildProcess.run("/usr/bin/seq", ["1", "300"]) { lines.add($0) }
        #expect(result.status == 0)
        #expect(lines.all == (1...300).map(String.init))
        #expect(result.tail == (101...300).map(String.init))
    }

    /// A child that exits without reading its input (ssh that could not connect) leaves tfy
    /// running, with the child's status — not killed by SIGPIPE.
    @Test func aChildThatIgnoresItsInputDoesNotKillUs() async throws {
        let result = try await ChildProcess.run("/bin/sh", ["-c", "echo gone; exit 3"], input: [UInt8](repeating: 65, count: 4 << 20))
        #expect(result.status == 3)
        #expect(result.tail == ["gone"])
    }
}

extension ChildProcessTests {
    /// Standard error kept apart reaches neither `onLine` nor the output's tail.
    @Test func standardErrorKeptApartIsNotOutput() async throws {
        let lines = Lines()
        let result = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo diagnostic >&2; echo more"], separateErrors: true) { lines.add($0) }
        #expect(result.status == 0)
        #expect(lines.all == ["out", "more"])
        #expect(result.tail == ["out", "more"])
        #expect(result.errors == ["diagnostic"])
    }
}
