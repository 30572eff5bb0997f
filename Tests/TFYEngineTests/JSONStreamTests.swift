import Foundation
import Testing
import TFYCore

/// `-json`'s stream against moto and the test sshd: golden files of a plan (refresh, drift, a
/// requested replacement), an apply whose bootstraps run and one fails, and a destroy, every
/// line checked against the schema written from Terraform's machine-readable UI reference.
@Suite(.serialized, .timeLimit(.minutes(20))) struct JSONStreamTests {
    static let directory = engineFixtures + "/json-stream"

    static let validator: JSONSchemaValidator = {
        let text = (try? String(contentsOfFile: directory + "/terraform-ui.schema.json", encoding: .utf8)) ?? ""
        return try! JSONSchemaValidator(schema: text)
    }()

    /// Each line parsed, checked against the schema; the lines as values.
    static func messages(_ stream: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [JSONValue] {
        #expect(stream.hasSuffix("\n"), "the stream ends with a whole line", sourceLocation: sourceLocation)
        return stream.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated().compactMap { number, line in
            guard case .success(let value) = JSONValue.parse(Array(line.utf8)) else {
                Issue.record("line \(number + 1) is not JSON: \(line)", sourceLocation: sourceLocation)
                return nil
            }
            let errors = validator.errors(value)
            #expect(errors.isEmpty, "line \(number + 1) breaks the schema: \(errors)\n\(line)", sourceLocation: sourceLocation)
            return value
        }
    }

    static func type(_ message: JSONValue) -> String { message.objectValue?["type"]?.stringValue ?? "" }

    /// What a golden file pins of a stream. Timestamps, elapsed times and the API call counts
    /// (polls depend on timing) are normalised; object IDs become `ID-1`, `ID-2`… in order of
    /// appearance. Operations run in parallel, so within each run of consecutive progress
    /// messages (`apply_*`, `provision_*`, `refresh_*`) the messages are grouped by resource,
    /// in address order, each resource's own messages kept in the order they came.
    static func normalised(_ stream: String, stack: String) -> String {
        let lines = stream.split(separator: "\n").map(String.init)
        var ordered: [String] = []
        var run: [(address: String, line: String)] = []
        func flush() {
            ordered += run.enumerated().sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }.map(\.element.line)
            run = []
        }
        for line in lines {
            guard case .success(let value) = JSONValue.parse(Array(line.utf8)), let hook = value.objectValue?["hook"]?.objectValue else {
                flush()
                ordered.append(line)
                continue
            }
            run.append((hook["resource"]?.objectValue?["addr"]?.stringValue ?? "", line))
        }
        flush()
        var text = ordered.joined(separator: "\n") + "\n"
        var ids: [String] = []
        for line in ordered {
            guard case .success(let value) = JSONValue.parse(Array(line.utf8)), let id = value.objectValue?["hook"]?.objectValue?["id_value"]?.stringValue,
                  !ids.contains(id) else { continue }
            ids.append(id)
        }
        for (n, id) in ids.enumerated() { text = text.replacingOccurrences(of: id, with: "ID-\(n + 1)") }
        let rules: [(String, String)] = [
            (#""@timestamp":"[^"]*""#, #""@timestamp":"TIMESTAMP""#),
            (#""elapsed_seconds":[0-9.]+"#, #""elapsed_seconds":0"#),
            (#"(complete|errored) after [0-9hms]+"#, "$1 after 0s"),
            (#""@message":"API calls: [^"]*""#, #""@message":"API calls: …""#),
            (#""api_calls":\{("[A-Za-z]+":\{"calls":[0-9]+,"retries":[0-9]+\},?)*\}"#, #""api_calls":{}"#),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text.replacingOccurrences(of: stack, with: "STACK")
    }

    static func check(_ stream: String, stack: String, golden name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let actual = normalised(stream, stack: stack)
        let path = directory + "/" + name
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("recorded \(name); run again without RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
            return
        }
        let expected = try? String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs; RECORD_SNAPSHOTS=1 swift test re-records it", sourceLocation: sourceLocation)
    }

    @Test func planStreamShowsRefreshDriftAndEachPlannedChange() async throws {
        let world = try await World()
        world.extraEnvironment = ["TFY_PROGRESS_INTERVAL": "3600"]
        #expect(await world.tfy(["apply", "cluster", "-auto-approve", "-var", "machines=3"]).status == 0)
        let victim = try #require(try await world.liveInstances().first { $0.name == "my-TachyonWorker1" })
        let group = try #require(try await world.securityGroups().first?["GroupId"] as? String)
        _ = try await world.cli(["ec2", "terminate-instances", "--instance-ids", victim.id])
        _ = try await world.cli(["ec2", "authorize-security-group-ingress", "--group-id", group, "--protocol", "tcp", "--port", "22", "--cidr", "203.0.113.0/24"])
        let plan = await world.tfy(["plan", "cluster", "-var", "machines=3", "-replace", "aws_instance.master[1]", "-json", "-detailed-exitcode", "-out", "saved.tfplan"])
        #expect(plan.status == 2, "\(plan.out)\(plan.err)")
        #expect(plan.err == "")
        let messages = Self.messages(plan.out)
        #expect(messages.first.map(Self.type) == "version")
        Self.check(plan.out, stack: world.stack, golden: "plan.jsonl")
        // -out still saves the plan, which show -json prints as the plan document.
        let shown = await world.tfy(["show", "-json", "saved.tfplan"])
        #expect(shown.status == 0 && shown.out.contains("\"resource_changes\""), "\(shown.err)")
    }

    @Test func applyStreamShowsBootstrapsRunningAndOneFailing() async throws {
        let world = try await World.bootstrap(machines: 3)
        world.extraEnvironment = ["TFY_PROGRESS_INTERVAL": "3600"]
        // Outputs, one of them sensitive, for the `outputs` messages.
        let configuration = world.directory + "/bootstrap/main.yml"
        try (try String(contentsOfFile: configuration, encoding: .utf8) + """
            output:
              bootstraps: {value: "${length(tfy_bootstrap.common)}"}
              note: {value: "${var.note}", sensitive: true}

            """).write(toFile: configuration, atomically: true, encoding: .utf8)
        let hosts = try await Hosts(world, count: 3)
        try FileManager.default.createDirectory(atPath: world.directory + "/roots/h1", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: world.directory + "/roots/h1/refuse", contents: Data())
        let failed = await world.tfy(["apply", "bootstrap", "-auto-approve", "-json", "-var", "note=never-shown"] + hosts.arguments)
        #expect(failed.status == 1, "\(failed.out)\(failed.err)")
        #expect(!failed.out.contains("never-shown"))
        let messages = Self.messages(failed.out)
        // As Terraform: a failed apply ends with its errors, without a summary or outputs.
        #expect(messages.last.map(Self.type) == "tfy_api_calls")
        #expect(messages.dropLast().last.map(Self.type) == "diagnostic")
        #expect(!messages.contains { Self.type($0) == "change_summary" && $0.objectValue?["changes"]?.objectValue?["operation"]?.stringValue == "apply" })
        Self.check(failed.out, stack: world.stack, golden: "apply-bootstrap-failure.jsonl")

        try FileManager.default.removeItem(atPath: world.directory + "/roots/h1/refuse")
        let applied = await world.tfy(["apply", "bootstrap", "-auto-approve", "-json", "-var", "note=never-shown"] + hosts.arguments)
        #expect(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(!applied.out.contains("never-shown"))
        let done = Self.messages(applied.out)
        let outputs = try #require(done.first { Self.type($0) == "outputs" && $0.objectValue?["outputs"]?.objectValue?["bootstraps"]?.objectValue?["value"] != nil })
        #expect(outputs.objectValue?["outputs"] == .object([
            "bootstraps": .object(["sensitive": .bool(false), "type": .string("number"), "value": .int(3)]),
            "note": .object(["sensitive": .bool(true)]),
        ]))
        let calls = try #require(done.last?.objectValue?["api_calls"]?.objectValue)
        #expect(calls["RunInstances"] == nil, "the instances exist already: \(calls)")

        // A destroy script's step begins with its first line of output: here, its refusal.
        FileManager.default.createFile(atPath: world.directory + "/roots/h2/keep", contents: Data())
        let refused = await world.tfy(["destroy", "bootstrap", "-auto-approve", "-json", "-var", "note=never-shown"] + hosts.arguments)
        #expect(refused.status == 1, "\(refused.out)\(refused.err)")
        _ = Self.messages(refused.out)
        Self.check(refused.out, stack: world.stack, golden: "destroy-script-failure.jsonl")

        try FileManager.default.removeItem(atPath: world.directory + "/roots/h2/keep")
        let destroyed = await world.tfy(["destroy", "bootstrap", "-auto-approve", "-json", "-var", "note=never-shown"] + hosts.arguments)
        #expect(destroyed.status == 0, "\(destroyed.out)\(destroyed.err)")
        _ = Self.messages(destroyed.out)
        Self.check(destroyed.out, stack: world.stack, golden: "destroy.jsonl")
    }

    @Test func applyAndDestroyRefuseJSONWithoutAutoApprove() async throws {
        let world = try await World()
        for command in ["apply", "destroy"] {
            let run = await world.tfy([command, "cluster", "-json", "-var", "machines=2"])
            #expect(run.status == 1)
            #expect(run.err == "")
            let messages = Self.messages(run.out)
            #expect(messages.map(Self.type) == ["version", "diagnostic"])
            #expect(messages.last?.objectValue?["diagnostic"] == .object([
                "severity": .string("error"), "summary": .string("Plan file or auto-approve required"),
                "detail": .string("tfy cannot ask for interactive approval when -json is set. You can either apply a saved plan file, or enable the -auto-approve option."),
            ]))
            #expect(messages.last?.objectValue?["@message"] == .string("Error: Plan file or auto-approve required"))
        }
        #expect(!FileManager.default.fileExists(atPath: world.statePath), "nothing ran")
        // A saved plan needs no approval.
        #expect(await world.tfy(["plan", "cluster", "-var", "machines=2", "-out", "one.tfplan"]).status == 0)
        let saved = await world.tfy(["apply", "-json", "one.tfplan"])
        #expect(saved.status == 0, "\(saved.out)\(saved.err)")
        // As Terraform: the saved plan's changes are listed, then its apply; no planned summary.
        let types = Self.messages(saved.out).map(Self.type)
        #expect(Array(types.prefix(3)) == ["version", "planned_change", "planned_change"])
        #expect(types.filter { $0 == "change_summary" }.count == 1)
    }
}
