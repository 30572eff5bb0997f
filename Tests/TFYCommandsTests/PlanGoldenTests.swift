import Foundation
import Testing
import TFYCommands
import TFYCore

/// One fixture directory per case under Fixtures/plan-cases: `case.args` (the configuration's
/// name, then one plan option per line), optionally `prior.args` (the configuration and apply
/// options the prior state was applied with), `prior.taint` (addresses then marked tainted) and
/// `prior.tfstate`; the expected `plan.txt`, `plan.json`, `plan.md` (or `plan.err` when the plan
/// fails) and `exit-code` (with -detailed-exitcode). `RECORD_SNAPSHOTS=1` re-records them all,
/// prior states included: each is what a real `tfy apply` against moto writes
/// (`PriorStateRecorder`).
@Suite(.timeLimit(.minutes(30)))
struct PlanGoldenTests {
    static let fixtures = CommandTests.testsDirectory + "/Fixtures"
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures + "/plan-cases")) ?? []).sorted()
    static var recording: Bool { Snapshot.recording }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func arguments(_ path: String) -> (config: String, options: [String])? {
        guard let text = read(path) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard let config = lines.first else { return nil }
        return (config, Array(lines.dropFirst()))
    }

    static let configs = fixtures + "/plan-configs"

    func tfy(_ arguments: [String]) async -> CommandTests.Run {
        await CommandTests().tfy(arguments, in: Self.configs)
    }

    @Test func thereIsACaseForEveryScenarioTheIssueNames() async {
        #expect(Set(Self.cases).isSuperset(of: [
            "first-create", "scale-up", "scale-down", "change-ami", "change-instance-type", "change-ingress-rule", "tainted",
            "create-before-destroy-group", "removed-resource", "prevent-destroy", "sensitive-user-data", "target", "destroy", "no-changes",
            "foreach-add", "foreach-remove-key", "foreach-change-value", "foreach-unknown-keys", "foreach-target", "foreach-replace",
            "module-foreach-first-create", "module-foreach-remove-key", "module-foreach-target", "module-foreach-unknown-keys",
        ]))
    }

    /// The check that keeps the recorded prior states honest without a moto per case: the plain
    /// cluster, the prior state of most cases, is applied for real and must be byte for byte the
    /// checked-in one. A change in what apply writes (an attribute more or less, another value)
    /// fails here until the goldens are recorded again.
    @Test func priorStateIsWhatARealApplyWrites() async throws {
        let directory = "\(Self.fixtures)/plan-cases/no-changes"
        let recorded = try #require(try await PriorStateRecorder.record(case: directory, configs: Self.configs))
        if Self.recording {
            Issue.record("not checked while recording; run again without RECORD_SNAPSHOTS")
            return
        }
        let difference = Self.firstDifference(checkedIn: Self.read(directory + "/prior.tfstate") ?? "", written: recorded)
        #expect(difference == nil, "no-changes/prior.tfstate is not what tfy apply writes now (\(difference ?? "")); RECORD_SNAPSHOTS=1 swift test re-records every prior state")
    }

    /// Where two files first differ, by line, or nil when they are the same.
    static func firstDifference(checkedIn: String, written: String) -> String? {
        if checkedIn == written { return nil }
        let a = checkedIn.split(separator: "\n", omittingEmptySubsequences: false), b = written.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        func at(_ lines: [Substring]) -> String { line < lines.count ? String(lines[line]).trimmingCharacters(in: .whitespaces).debugDescription : "end of file" }
        return "line \(line + 1): checked in \(at(a)), apply wrote \(at(b))"
    }

    @Test(arguments: cases)
    func planMatchesItsGoldenFiles(_ name: String) async throws {
        let directory = "\(Self.fixtures)/plan-cases/\(name)"
        if Self.recording, let prior = try await PriorStateRecorder.record(case: directory, configs: Self.configs) {
            Snapshot.check(prior, path: directory + "/prior.tfstate", name: "\(name)/prior.tfstate")
        }
        let (config, options) = try #require(Self.arguments(directory + "/case.args"))
        let statePath = FileManager.default.fileExists(atPath: directory + "/prior.tfstate") ? directory + "/prior.tfstate" : directory + "/none.tfstate"
        let base = ["plan", config, "-refresh=false", "-lock=false", "-state", statePath, "-no-color", "-detailed-exitcode"] + options
        let text = await tfy(base)
        var outputs: [(String, String)] = [("exit-code", "\(text.status)\n")]
        if text.status == 1 {
            outputs.append(("plan.err", text.err))
        } else {
            outputs.append(("plan.txt", text.out))
            outputs.append(("plan.json", PlanTimestamp.pinned(await tfy(base + ["-format", "json"]).out)))
            outputs.append(("plan.md", await tfy(base + ["-format", "markdown"]).out))
            // `plan` renders the plan it holds in memory; `show` the saved file. Both must agree exactly.
            // Saved beside a copy of the state: a plan with a secret keeps its stack key beside the
            // state it names, which must not be the fixture's.
            let scratch = NSTemporaryDirectory() + "tfy-golden-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let planFile = scratch + "/plan.tfplan", stateCopy = scratch + "/" + (statePath as NSString).lastPathComponent
            if FileManager.default.fileExists(atPath: statePath) { try FileManager.default.copyItem(atPath: statePath, toPath: stateCopy) }
            let saved = ["plan", config, "-refresh=false", "-lock=false", "-state", stateCopy, "-no-color", "-detailed-exitcode"] + options
            #expect(await tfy(saved + ["-out", planFile]).status == text.status)
            for (file, format) in [("plan.txt", ["-no-color"]), ("plan.json", ["-json"]), ("plan.md", ["-format", "markdown"])] {
                var shown = await tfy(["show", planFile] + format).out
                if file == "plan.json" { shown = PlanTimestamp.pinned(shown) }
                #expect(shown == outputs.first { $0.0 == file }?.1, "\(name): show \(format.joined(separator: " ")) of the saved plan differs from \(file)")
            }
        }
        for (file, actual) in outputs {
            Snapshot.check(actual, path: "\(directory)/\(file)", name: "\(name)/\(file)")
        }
    }

    @Test func savedPlanShowsExactlyAsPlanPrinted() async throws {
        let planFile = NSTemporaryDirectory() + "tfy-show-\(UUID().uuidString).tfplan"
        defer { try? FileManager.default.removeItem(atPath: planFile) }
        let state = "\(Self.fixtures)/plan-cases/scale-up/prior.tfstate"
        let planned = await tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", state, "-no-color", "-var", "machines=5", "-out", planFile])
        #expect(planned.status == 0)
        let shown = await tfy(["show", planFile, "-no-color"])
        #expect(shown.status == 0)
        #expect(planned.out.hasPrefix(shown.out))
        #expect(planned.out.dropFirst(shown.out.count) == "\nSaved the plan to: \(planFile)\n\nTo perform exactly these actions, run the following command to apply:\n    tfy apply \(planFile)\n")
        let shownJSON = PlanTimestamp.pinned(await tfy(["show", "-json", planFile]).out)
        let plannedJSON = PlanTimestamp.pinned(await tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", state, "-var", "machines=5", "-format", "json"]).out)
        #expect(shownJSON == plannedJSON)
    }

    @Test func savedPlansAreDeterministic() async throws {
        let a = NSTemporaryDirectory() + "tfy-a-\(UUID().uuidString).tfplan"
        let b = NSTemporaryDirectory() + "tfy-b-\(UUID().uuidString).tfplan"
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let state = "\(Self.fixtures)/plan-cases/scale-up/prior.tfstate"
        for out in [a, b] {
            let plan = await tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", state, "-var", "machines=5", "-out", out])
            #expect(plan.status == 0, "\(plan.err)")
        }
        // Deterministic but for when each was made.
        let first = PlanTimestamp.pinned(try #require(try? String(contentsOfFile: a, encoding: .utf8)))
        #expect(first == PlanTimestamp.pinned(try #require(try? String(contentsOfFile: b, encoding: .utf8))))
        #expect(first.utf8.count > 1000)
    }

    @Test func sensitiveValuesNeverReachThePlanFile() async throws {
        let directory = NSTemporaryDirectory() + "tfy-secret-\(UUID().uuidString)"
        let planFile = directory + "/plan.tfplan"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A saved plan with sensitive values keeps its stack key beside the state it names.
        let run = await tfy(["plan", "cluster-secrets", "-refresh=false", "-lock=false", "-state", directory + "/none.tfstate", "-out", planFile, "-no-color"])
        #expect(run.status == 0)
        let saved = String(decoding: FileManager.default.contents(atPath: planFile) ?? Data(), as: UTF8.self)
        let shownJSON = await tfy(["show", "-json", planFile]).out
        let shownMarkdown = await tfy(["show", "-format", "markdown", planFile]).out
        for text in [saved, run.out, shownJSON, shownMarkdown] {
            #expect(!text.contains("correct horse"))
            #expect(!text.contains("zk.secret"))
        }
        #expect(saved.contains("\"hmac-sha256\":\""))
        #expect(FileManager.default.fileExists(atPath: directory + "/none.tfstate.key"))
    }
}

@Suite(.timeLimit(.minutes(30)))
struct GraphAndColourTests {
    func tfy(_ arguments: [String], terminal: Bool = false) async -> CommandTests.Run {
        let out = CommandTests.Box(), err = CommandTests.Box()
        let context = CommandContext(environment: [:], workingDirectory: PlanGoldenTests.fixtures + "/plan-configs", isTerminal: terminal,
                                     out: { out.text += $0 }, err: { err.text += $0 })
        let status = await TFYCommandLine.run(arguments, context: context)
        return CommandTests.Run(status: status, out: out.text, err: err.text)
    }

    @Test func graphPrintsDOTWithDependencyEdges() async {
        let run = await tfy(["graph", "cluster", "-type", "plan", "-state", "/nonexistent/none.tfstate"])
        #expect(run.status == 0)
        #expect(run.out == """
            digraph {
              rankdir = "RL";
              node [shape = "box"];
              "aws_instance.master[0]";
              "aws_instance.master[1]";
              "aws_instance.worker[0]";
              "aws_security_group.cluster";
              "aws_instance.master[0]" -> "aws_security_group.cluster";
              "aws_instance.master[1]" -> "aws_security_group.cluster";
              "aws_instance.worker[0]" -> "aws_security_group.cluster";
            }

            """)
        let destroy = await tfy(["graph", "cluster", "-type", "plan-destroy", "-state", PlanGoldenTests.fixtures + "/plan-cases/no-changes/prior.tfstate"])
        #expect(destroy.status == 0)
        #expect(destroy.out.contains("\"aws_security_group.cluster\" -> \"aws_instance.master[0]\";"))
        #expect(!destroy.out.contains("\"aws_instance.master[0]\" -> \"aws_security_group.cluster\";"))
    }

    @Test func colourOnATerminalOnlyAndNeverWithNoColor() async {
        let base = ["plan", "cluster", "-refresh=false", "-lock=false", "-state", "/nonexistent/none.tfstate"]
        let colored = await tfy(base, terminal: true).out
        let plain = await tfy(base + ["-no-color"], terminal: true).out
        let piped = await tfy(base, terminal: false).out
        #expect(colored.contains("\u{1B}[32m+\u{1B}[0m resource \"aws_instance\" \"master\""))
        #expect(!plain.contains("\u{1B}["))
        #expect(!piped.contains("\u{1B}["))
    }

    @Test func corruptStateStopsThePlanAndIsLeftAlone() async throws {
        let path = NSTemporaryDirectory() + "tfy-corrupt-\(UUID().uuidString).tfstate"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data("{\"version\": 1, \"lineage\": \"x\", \"serial\": 3, \"resources\": [".utf8))
        let run = await tfy(["plan", "cluster", "-refresh=false", "-lock=false", "-state", path, "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == "Error: Failed to load state\n\nError reading the state file \"\(path)\": the file is not valid JSON (line 1, column 59: unexpected end of data); it may be truncated or corrupted. The file was not modified.\n\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"version\": 1, \"lineage\": \"x\", \"serial\": 3, \"resources\": [")
    }
}
