import Foundation
import Testing
import TFYCommands

/// Every command's help, pinned by a golden file under Snapshots/help (`RECORD_SNAPSHOTS=1`
/// re-records them): each lists only the options its command takes, with its own descriptions.
@Suite(.timeLimit(.minutes(5)))
struct HelpGoldenTests {
    /// Every command and subcommand, as typed.
    static let commands: [[String]] = [
        [], ["validate"], ["plan"], ["apply"], ["destroy"], ["refresh"], ["show"], ["output"],
        ["state"], ["state", "list"], ["state", "show"], ["state", "mv"], ["state", "rm"], ["state", "pull"], ["state", "push"], ["state", "migrate"],
        ["import"], ["force-unlock"], ["graph"], ["ssh"], ["version"],
    ]

    static let directory = CommandTests.testsDirectory + "/Snapshots/help"

    static func fileName(_ command: [String]) -> String { (command.isEmpty ? "tfy" : command.joined(separator: "-")) + ".txt" }

    func tfy(_ arguments: [String]) async -> CommandTests.Run { await CommandTests().tfy(arguments) }

    @Test(arguments: commands)
    func helpMatchesItsGoldenFile(_ command: [String]) async {
        let run = await tfy(command + ["--help"])
        #expect(run.status == 0)
        #expect(run.err == "")
        Snapshot.check(run.out, path: "\(Self.directory)/\(Self.fileName(command))", name: "Snapshots/help/\(Self.fileName(command))")
        // Asked for any other way, the same text.
        #expect(await tfy(command + ["-h"]).out == run.out)
        #expect(await tfy(command + ["-help"]).out == run.out)
        if !command.isEmpty { #expect(await tfy(["help"] + command).out == run.out) }
    }

    /// No option is listed twice, and no default is said twice ("(default true)" beside
    /// "(default: true)").
    @Test(arguments: commands)
    func noOptionOrDefaultIsRepeated(_ command: [String]) async {
        let text = await tfy(command + ["--help"]).out
        let options = text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.drop { $0 == " " }
            guard line.hasPrefix("  -"), let name = trimmed.split(separator: " ").first else { return nil }
            return String(name)
        }
        #expect(Set(options).count == options.count, "\(options)")
        #expect(!text.contains("(default true)") && !text.contains("(default false)"), "\(text)")
    }

    /// A golden file for every command, and none for a command that is gone.
    @Test func everyGoldenFileBelongsToACommand() throws {
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: Self.directory))
        #expect(files == Set(Self.commands.map(Self.fileName)))
    }

    /// The root help lists exactly the commands above.
    @Test func theCommandListIsComplete() async {
        let text = await tfy(["--help"]).out
        let listed = text.components(separatedBy: "SUBCOMMANDS:\n").last!.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  See ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(Set(listed) == Set(Self.commands.compactMap { $0.count == 1 ? $0[0] : nil }), "\(listed)")
    }
}
