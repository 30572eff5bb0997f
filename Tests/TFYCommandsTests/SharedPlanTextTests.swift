import Foundation
import Testing
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYRender

/// Plans a reviewer can read: a bootstrap's script files show as path, size and digest, a
/// one-line change of one as a one-line diff shown once, and what created instances of one
/// type share shows at the first of them.
@Suite(.timeLimit(.minutes(10)))
struct SharedPlanTextTests {
    /// Ten lines, `line 1` to `line 10`.
    static let script = (1...10).map { "line \($0)\n" }.joined()
    static let edited = script.replacingOccurrences(of: "line 5\n", with: "line five\n")

    static func file(_ path: String, _ content: String) -> Value {
        .map(["path": .string(path), "content": .string(content)])
    }

    static func text(_ changes: [PlannedChange]) -> String {
        let plan = Plan(stack: "s", prior: nil, configHash: "", variables: [:], options: PlanOptions(), changes: changes, outputs: [])
        return PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
    }

    static func bootstrap(_ index: Int?) -> ResourceAddress {
        ResourceAddress(type: "tfy_bootstrap", name: "common", index: index)
    }

    @Test func scriptFilesReadAsTheirPathSizeAndDigest() {
        let after = Value.map([
            "script": Self.file("scripts/setup.sh", Self.script),
            "destroy_scripts": .list([Self.file("leave.sh", "echo bye\n"), Self.file("(sensitive)", "x").marked(true)]),
        ])
        let text = Self.text([PlannedChange(address: Self.bootstrap(nil), action: .create, before: nil, after: after)])
        #expect(text.contains([
            "  + resource \"tfy_bootstrap\" \"common\" {",
            "      + destroy_scripts = [",
            "          + \"leave.sh\" (9 bytes, sha256:07bc42e4),",
            "          + (sensitive value),",
            "        ]",
            "      + script          = \"scripts/setup.sh\" (71 bytes, sha256:e71d970d)",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// One line changed in a ten-line script file: its path, then that line with two lines
    /// either side; the rest counted.
    @Test func aOneLineChangeOfAScriptFileIsAOneLineDiff() {
        let before = Value.map(["id": .string("b1"), "script": Self.file("scripts/setup.sh", Self.script)])
        let after = Value.map(["id": .string("b1"), "script": Self.file("scripts/setup.sh", Self.edited)])
        let text = Self.text([PlannedChange(address: Self.bootstrap(nil), action: .update, before: before, after: after)])
        #expect(text.contains([
            "  ~ resource \"tfy_bootstrap\" \"common\" {",
            "        id     = \"b1\"",
            "      ~ script = \"scripts/setup.sh\" <<-EOT",
            "            # (2 unchanged lines hidden)",
            "            line 3",
            "            line 4",
            "          - line 5",
            "          + line five",
            "            line 6",
            "            line 7",
            "            # (3 unchanged lines hidden)",
            "        EOT",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// Five nodes running one script file: its one-line change is shown once; the other nodes
    /// name the first, in `scripts` lists as in `script`.
    @Test func aScriptFileChangeSharedByFiveInstancesIsShownOnce() {
        let changes = (0..<5).map { (index: Int) in
            PlannedChange(address: Self.bootstrap(index), action: .update,
                          before: .map(["id": .string("b\(index)"), "scripts": .list([Self.file("common.sh", Self.script)])]),
                          after: .map(["id": .string("b\(index)"), "scripts": .list([Self.file("common.sh", Self.edited)])]))
        }
        let text = Self.text(changes)
        #expect(text.components(separatedBy: "+ line five").count == 2, "\(text)")
        #expect(text.contains("          ~ \"common.sh\" <<-EOT # (the same change in tfy_bootstrap.common[1], tfy_bootstrap.common[2], tfy_bootstrap.common[3], tfy_bootstrap.common[4])\n"), "\(text)")
        #expect(text.contains([
            "  # tfy_bootstrap.common[4] will be updated in-place",
            "  ~ resource \"tfy_bootstrap\" \"common\" {",
            "        id      = \"b4\"",
            "      ~ scripts = [",
            "          ~ \"common.sh\" (the same change as in tfy_bootstrap.common[0], sha256:e71d970d -> sha256:25ff04b0),",
            "        ]",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// A state written when `scripts` held text, planned against the same text in a file: the
    /// text becomes the file, and nothing else is said.
    @Test func scriptTextMovedToAFileReadsAsOneLine() {
        let before = Value.map(["id": .string("b1"), "scripts": .list([.string(Self.script)])])
        let after = Value.map(["id": .string("b1"), "scripts": .list([Self.file("setup.sh", Self.script)])])
        let text = Self.text([PlannedChange(address: Self.bootstrap(nil), action: .update, before: before, after: after)])
        #expect(text.contains([
            "      ~ scripts = [",
            "          ~ \"line 1\" … (10 lines, sha256:e71d970d) -> \"setup.sh\" (71 bytes, sha256:e71d970d),",
            "        ]",
        ].joined(separator: "\n")), "\(text)")
    }

    /// Three nodes created with the same connection and script and environments that differ in
    /// one name: the second and third show that name and say where the rest is. Their secrets
    /// (each node's own) read as the first's do, and the notes say they were not compared.
    @Test func whatCreatedInstancesShareIsShownAtTheFirst() {
        let changes = (0..<3).map { (index: Int) in
            PlannedChange(address: Self.bootstrap(index), action: .create, before: nil, after: .map([
                "connection": .map(["host": .unknown, "user": .string("ec2-user")]),
                "environment": .map(["NODE_NAME": .string("node\(index)"), "TOKEN": .sensitive(.string("secret-\(index)")),
                                     "ROLE": .string("worker"), "STAGE": .string("/var/tmp")]),
                "script": Self.file("common.sh", Self.script),
                "id": .unknown,
                "user_data": .sensitive(.string("secret-data-\(index)")),
            ]))
        }
        let text = Self.text(changes)
        #expect(!text.contains("secret-"), "\(text)")
        #expect(text.contains([
            "  # tfy_bootstrap.common[0] will be created",
            "  + resource \"tfy_bootstrap\" \"common\" {",
            "      + connection  = {",
            "          + host = (known after apply)",
            "          + user = \"ec2-user\"",
            "        }",
            "      + environment = {",
            "          + \"NODE_NAME\" = \"node0\"",
            "          + \"ROLE\"      = \"worker\"",
            "          + \"STAGE\"     = \"/var/tmp\"",
            "          + \"TOKEN\"     = (sensitive value)",
            "        }",
            "      + id          = (known after apply)",
            "      + script      = \"common.sh\" (71 bytes, sha256:e71d970d)",
            "      + user_data   = (sensitive value)",
            "    }",
        ].joined(separator: "\n")), "\(text)")
        // Each node's own secret reads `(sensitive value)` too: the note does not say it is the same.
        #expect(text.contains([
            "  # tfy_bootstrap.common[2] will be created",
            "  + resource \"tfy_bootstrap\" \"common\" {",
            "      + environment = {",
            "          + \"NODE_NAME\" = \"node2\"",
            "            # (3 elements as in tfy_bootstrap.common[0]; sensitive values not compared)",
            "        }",
            // Both ids read "(known after apply)" and will differ, and the secrets were not compared: the note says so.
            "        # (connection, id, script and user_data as in tfy_bootstrap.common[0]; values known after apply are its own; sensitive values not compared)",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// An update shows every change it makes in every instance: only what is created or
    /// destroyed whole is shared.
    @Test func updatesShowEveryChangeInEveryInstance() {
        let changes = (0..<2).map { (index: Int) in
            PlannedChange(address: ResourceAddress(type: "aws_instance", name: "node", index: index), action: .update,
                          before: .map(["id": .string("i-\(index)"), "instance_type": .string("t2.small")]),
                          after: .map(["id": .string("i-\(index)"), "instance_type": .string("t2.large")]))
        }
        let text = Self.text(changes)
        #expect(text.components(separatedBy: "~ instance_type = \"t2.small\" -> \"t2.large\"").count == 3, "\(text)")
        #expect(!text.contains(" as in "), "\(text)")
    }

    /// From configuration to text: three nodes that ran `script: common.sh` and one line of it
    /// edited. Each node is replaced (the default triggers digest the text); the diff of that
    /// one line is shown once, at the first node, and the others name it.
    @Test func editingOneLineOfASharedScriptFilePlansAOneLineDiffOnce() throws {
        let directory = NSTemporaryDirectory() + "tfy-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "resource:\n  tfy_bootstrap:\n    node:\n      count: 3\n      connection: {host: \"10.0.0.${count.index}\"}\n      script: common.sh\n"
            .write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
        func plan(_ script: String, prior: State?) throws -> PlanOutcome {
            try script.write(toFile: directory + "/common.sh", atomically: true, encoding: .utf8)
            let configuration = try #require(ConfigurationLoader(resourceTypes: .standard).load(directory: directory).0)
            let (outcome, diagnostics) = Planner.planWithValues(PlanRequest(configuration: configuration, variables: [:], prior: prior, options: PlanOptions(), files: FileReader(currentDirectory: directory)))
            #expect(diagnostics.errors.isEmpty, "\(diagnostics.errors)")
            return try #require(outcome)
        }
        // The state the first plan's apply records.
        let first = try plan(Self.script, prior: nil)
        var state = State(lineage: "l")
        state.resources = [StateResource(type: "tfy_bootstrap", name: "node", instances: (0..<3).map { index in
            var attributes = first.plannedValues[ResourceAddress(type: "tfy_bootstrap", name: "node", index: index)]!
            attributes["id"] = .string("b\(index)")
            return StateInstance(indexKey: .int(index), attributes: attributes)
        })]
        let second = try plan(Self.edited, prior: state)
        #expect(second.plan.changes.map(\.action) == Array(repeating: .replace(createFirst: false), count: 3))
        let text = PlanTextRenderer(color: false, resourceTypes: .standard).render(second.plan)
        #expect(text.components(separatedBy: "- line 5").count == 2 && text.components(separatedBy: "+ line five").count == 2, "\(text)")
        #expect(text.contains([
            "  # tfy_bootstrap.node[0] must be replaced",
            "-/+ resource \"tfy_bootstrap\" \"node\" {",
            "      ~ id       = \"b0\" -> (known after apply)",
            "      ~ script   = \"common.sh\" <<-EOT # (the same change in tfy_bootstrap.node[1], tfy_bootstrap.node[2])",
            "            # (2 unchanged lines hidden)",
            "            line 3",
            "            line 4",
            "          - line 5",
            "          + line five",
            "            line 6",
            "            line 7",
            "            # (3 unchanged lines hidden)",
            "        EOT",
        ].joined(separator: "\n")), "\(text)")
        for index in [1, 2] {
            #expect(text.contains("      ~ script   = \"common.sh\" (the same change as in tfy_bootstrap.node[0], sha256:e71d970d -> sha256:25ff04b0)\n"), "\(index)")
        }
    }

    /// Two instances created with secrets as a real plan holds them (digests under the stack
    /// key): whether the secrets are equal or not, the second instance reads the same, so the
    /// plan never tells that two secrets are the same, or that they differ; its note says the
    /// secrets were not compared, so it does not claim them the same either.
    @Test func whetherTwoSecretsAreEqualIsNotShown() throws {
        let key = try #require(StackKey(bytes: Array(repeating: 7, count: 32)))
        func secondBlock(_ secrets: (String, String)) -> String {
            let changes = [secrets.0, secrets.1].enumerated().map { index, secret in
                PlannedChange(address: Self.bootstrap(index), action: .create, before: nil, after: .map([
                    "connection": .map(["host": .string("10.0.0.1"), "user": .string("ec2-user")]),
                    "environment": .map(["ROLE": .string("worker"), "STAGE": .string("/var/tmp"),
                                         "TOKEN": SensitiveDigest.of(.string(secret), key: key)]),
                    "inline": .list([SensitiveDigest.of(.string("echo \(secret)"), key: key)]),
                ]))
            }
            let text = Self.text(changes)
            return String(text[text.range(of: "  # tfy_bootstrap.common[1] will be created")!.lowerBound...])
        }
        let same = secondBlock(("hunter2", "hunter2")), different = secondBlock(("hunter2", "swordfish"))
        #expect(same == different, "equal secrets:\n\(same)\ndifferent secrets:\n\(different)")
        #expect(same.contains([
            "  + resource \"tfy_bootstrap\" \"common\" {",
            "        # (connection, environment and inline as in tfy_bootstrap.common[0]; sensitive values not compared)",
            "    }",
        ].joined(separator: "\n")), "\(same)")
    }

    /// The five-node Tachyon plan (kept current by ExamplePlansTests) stays short enough to review.
    @Test func theTachyonPlanIsUnderThreeHundredLines() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/plans/tachyon-ft.txt", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(lines < 300, "plans/tachyon-ft.txt has \(lines) lines")
        #expect(text.contains("Plan: 16 to add, 0 to change, 0 to destroy."))
    }
}
