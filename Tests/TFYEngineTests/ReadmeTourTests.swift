import Foundation
import Testing
import TFYTestSupport

/// README.md's five-minute tour, as written: `make demo` (examples/tachyon-ft/demo.sh) reads the
/// tour's commands out of the README and runs them one by one against moto and local sshd hosts,
/// so a tour line that stops working, or output the README shows that tfy no longer prints,
/// fails here.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ReadmeTourTests {
    /// The README's text between a heading and the next one.
    static func section(_ heading: String) throws -> String {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "\n## \(heading)\n"), "README.md has no \"\(heading)\" section")
        let rest = readme[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    /// The fenced blocks of `text` that open with "```" + `language`, each as its lines.
    static func blocks(_ text: String, language: String) -> [[String]] {
        var blocks: [(language: String, lines: [String])] = [], current: (language: String, lines: [String])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line.hasPrefix("```") { current = (String(line.dropFirst(3)), []) }
            else if let block = current, line == "```" { blocks.append(block); current = nil }
            else { current?.lines.append(line) }
        }
        return blocks.filter { $0.language == language }.map(\.lines)
    }

    /// The tour's commands, comments removed: what demo.sh runs.
    static func tourCommands() throws -> [String] {
        let block = try #require(blocks(try section("A five-minute tour"), language: "sh").first)
        return block.map { line in
            String(line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// Ids, digests and durations differ from run to run: the README shows one run's.
    static func normalized(_ line: String) -> String {
        line.replacingOccurrences(of: #"after \d+s"#, with: "after Ns", options: .regularExpression)
            .replacingOccurrences(of: #"\[id=[0-9a-z-]+\]"#, with: "[id=ID]", options: .regularExpression)
            .replacingOccurrences(of: #"\x{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
    }

    @Test func theTourIsTheDemo() throws {
        #expect(try Self.tourCommands() == [
            "tfy validate examples/tachyon-ft",
            "tfy plan examples/tachyon-ft -var machines=3 -out plans/demo.tfplan",
            "tfy apply plans/demo.tfplan",
            "tfy plan examples/tachyon-ft -var machines=3 -detailed-exitcode",
            "tfy apply examples/tachyon-ft -var machines=5",
            "tfy -chdir=examples/tachyon-ft output",
            "tfy -chdir=examples/tachyon-ft ssh TachyonMaster -- hostname",
            "tfy destroy -auto-approve examples/tachyon-ft",
        ])
    }

    @Test func theTourRunsAsWrittenAndPrintsWhatTheReadmeShows() async throws {
        let work = "/tmp/tfy-demo-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: work) }
        let demo = try await runProgramAllowingFailure("bash", [repositoryRoot + "/examples/tachyon-ft/demo.sh"],
                                                       environment: ["TFY_DEMO_WORK": work, "tfy_bin": World.executable],
                                                       timeout: 600)
        let output = String(decoding: demo.output, as: UTF8.self)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map { Self.normalized(String($0)) }
        try #require(demo.status == 0, "make demo failed:\n\(output.suffix(4000))\n\(demo.error)")
        #expect(!FileManager.default.fileExists(atPath: work), "the demo left its work directory behind")

        // Every tour command ran, in order, and each step said what the README promises.
        let hostname = try #require(String(decoding: try await runProgram("hostname", []), as: UTF8.self).split(separator: "\n").first)
        let steps: [(command: String, says: [String])] = [
            ("tfy validate examples/tachyon-ft", ["Success! The configuration is valid."]),
            ("tfy plan examples/tachyon-ft -var machines=3 -out plans/demo.tfplan",
             ["Plan: 18 to add, 0 to change, 0 to destroy.", "Saved the plan to: plans/demo.tfplan"]),
            ("tfy apply plans/demo.tfplan", ["Apply complete! Resources: 18 added, 0 changed, 0 destroyed."]),
            ("tfy plan examples/tachyon-ft -var machines=3 -detailed-exitcode", ["No changes. Your infrastructure matches the configuration."]),
            ("tfy apply examples/tachyon-ft -var machines=5",
             ["Plan: 14 to add, 0 to change, 6 to destroy.", "Apply complete! Resources: 14 added, 0 changed, 6 destroyed."]),
            ("tfy -chdir=examples/tachyon-ft output", ["failover_walkthrough = ["]),
            ("tfy -chdir=examples/tachyon-ft ssh TachyonMaster -- hostname", [String(hostname)]),
            ("tfy destroy -auto-approve examples/tachyon-ft", ["Destroy complete! Resources: 26 destroyed."]),
        ]
        #expect(steps.map(\.command) == (try Self.tourCommands()))
        var position = lines.startIndex
        for step in steps {
            for expected in ["$ " + step.command] + step.says {
                guard let found = lines[position...].firstIndex(where: { $0 == expected || $0.hasPrefix("  Enter a value: ") && $0.hasSuffix(expected) })
                else { Issue.record("after line \(position), no line \(expected.debugDescription)"); continue }
                position = found + 1
            }
        }

        // The output the README quotes ("What you see on the way"), line by line in its order;
        // "..." stands for lines left out.
        let quoted = try #require(Self.blocks(try Self.section("A five-minute tour"), language: "").first)
        position = lines.startIndex
        for line in quoted.map(Self.normalized) where line.trimmingCharacters(in: .whitespaces) != "..." {
            guard let found = lines[position...].firstIndex(of: line) else {
                Issue.record("the README shows \(line.debugDescription), which the demo does not print there"); continue
            }
            position = found + 1
        }
    }
}
