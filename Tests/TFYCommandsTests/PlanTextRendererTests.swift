import Testing
import TFYCore
import TFYEngine
import TFYRender

@Suite(.timeLimit(.minutes(30)))
struct PlanTextRendererTests {
    /// A multi-line string reads as a heredoc; a changed one as a line diff inside it.
    @Test func multiLineStringsAreHeredocsAndTheirChangesLineDiffs() {
        let address = ResourceAddress(type: "tfy_bootstrap", name: "b", index: nil)
        let before = Value.map(["id": .string("b1"), "environment": .map(["HOSTS": .string("10.1.0.1 a\n10.1.0.2 b\n"), "ROLE": .string("x")])])
        let after = Value.map(["id": .string("b1"), "environment": .map(["HOSTS": .string("10.1.0.1 a\n10.1.0.3 b\n10.1.0.4 c\n"), "ROLE": .string("x")])])
        let plan = Plan(stack: "s", prior: nil, configHash: "", variables: [:], options: PlanOptions(),
                        changes: [PlannedChange(address: address, action: .update, before: before, after: after)], outputs: [])
        let text = PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
        #expect(text.contains("""
              ~ environment = {
                  ~ "HOSTS" = <<-EOT
                        10.1.0.1 a
                      - 10.1.0.2 b
                      + 10.1.0.3 b
                      + 10.1.0.4 c
                    EOT
                    # (1 unchanged element hidden)
                }
        """), "\(text)")
    }

    /// Values from outside tfy (a tag edited by hand, a file's lines) cannot drive the terminal:
    /// an escape sequence that would clear the screen and forge "Apply complete!" is printed as
    /// escapes, in quoted values, map keys and heredoc lines alike.
    @Test func controlCharactersFromLiveValuesArePrintedAsEscapes() {
        let address = ResourceAddress(type: "aws_instance", name: "web", index: nil)
        let forged = "\u{1B}[2J\u{1B}[H\rApply complete! Resources: 0 added\u{7}"
        let before = Value.map(["id": .string("i-1"), "tags": .map(["Name": .string("web"), "Note\u{1B}[1m": .string("x")]),
                                "user_data": .string("line one\nline two\n")])
        let after = Value.map(["id": .string("i-1"), "tags": .map(["Name": .string(forged), "Note\u{1B}[1m": .string("x")]),
                               "user_data": .string("line one\n\u{1B}]0;owned\u{7}\u{9B}31m\u{202E}txt.sh\n")])
        let plan = Plan(stack: "s", prior: nil, configHash: "", variables: [:], options: PlanOptions(),
                        changes: [PlannedChange(address: address, action: .update, before: before, after: after)], outputs: [])
        let text = PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0.value == 0x202E }, "\(text)")
        #expect(text.contains(#"~ "Name" = "web" -> "\x1b[2J\x1b[H\rApply complete! Resources: 0 added\x07""#), "\(text)")
        #expect(text.contains(#"\x1b]0;owned\x07\u{9b}31m\u{202e}txt.sh"#), "\(text)")
    }
    static let bootstrap = ResourceAddress(type: "tfy_bootstrap", name: "b", index: nil)
    /// Ten lines, `line 1` to `line 10`.
    static let script = (1...10).map { "line \($0)\n" }.joined()

    static func text(_ changes: [PlannedChange]) -> String {
        let plan = Plan(stack: "s", prior: nil, configHash: "", variables: [:], options: PlanOptions(), changes: changes, outputs: [])
        return PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
    }

    /// A script created reads as one line: its first line, its length and its digest.
    @Test func createdScriptsReadAsTheirFirstLineLengthAndDigest() {
        let after = Value.map(["inline": .list([.string("#!/bin/bash\necho one\necho two\n")])])
        let text = Self.text([PlannedChange(address: Self.bootstrap, action: .create, before: nil, after: after)])
        #expect(text.contains([
            "  + resource \"tfy_bootstrap\" \"b\" {",
            "      + inline = [",
            "          + \"#!/bin/bash\" … (3 lines, sha256:38ad420f),",
            "        ]",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// One line changed in a ten-line script: that line, two lines either side, the rest counted.
    @Test func aOneLineScriptChangeIsAOneLineDiff() {
        let before = Value.map(["id": .string("b1"), "inline": .list([.string(Self.script)])])
        let after = Value.map(["id": .string("b1"), "inline": .list([.string(Self.script.replacingOccurrences(of: "line 5\n", with: "line five\n"))])])
        let text = Self.text([PlannedChange(address: Self.bootstrap, action: .update, before: before, after: after)])
        #expect(text.contains([
            "  ~ resource \"tfy_bootstrap\" \"b\" {",
            "        id     = \"b1\"",
            "      ~ inline = [",
            "          ~ <<-EOT",
            "                # (2 unchanged lines hidden)",
            "                line 3",
            "                line 4",
            "              - line 5",
            "              + line five",
            "                line 6",
            "                line 7",
            "                # (3 unchanged lines hidden)",
            "            EOT,",
            "        ]",
            "    }",
        ].joined(separator: "\n")), "\(text)")
    }

    /// The same script change on three instances is shown in full once, naming the others;
    /// they refer back to it by address and digests.
    @Test func aScriptChangeSharedByThreeInstancesIsShownOnce() {
        let changes = (0..<3).map { (index: Int) in
            PlannedChange(address: ResourceAddress(type: "tfy_bootstrap", name: "b", index: index), action: .update,
                          before: .map(["id": .string("b\(index)"), "inline": .list([.string(Self.script)])]),
                          after: .map(["id": .string("b\(index)"), "inline": .list([.string(Self.script.replacingOccurrences(of: "line 5\n", with: "line five\n"))])]))
        }
        let text = Self.text(changes)
        #expect(text.components(separatedBy: "+ line five").count == 2, "\(text)")
        #expect(text.contains("          ~ <<-EOT # (the same change in tfy_bootstrap.b[1], tfy_bootstrap.b[2])\n"), "\(text)")
        for index in [1, 2] {
            #expect(text.contains([
                "  # tfy_bootstrap.b[\(index)] will be updated in-place",
                "  ~ resource \"tfy_bootstrap\" \"b\" {",
                "        id     = \"b\(index)\"",
                "      ~ inline = [",
                "          ~ (the same change as in tfy_bootstrap.b[0], sha256:e71d970d -> sha256:25ff04b0),",
                "        ]",
                "    }",
            ].joined(separator: "\n")), "\(text)")
        }
    }

    /// A sensitive script is never summarised or diffed: no line, length or digest of it shows.
    @Test func sensitiveScriptsStaySensitiveValues() {
        let before = Value.map(["id": .string("b1"), "inline": .list([.sensitive(.string(Self.script))])])
        let after = Value.map(["id": .string("b1"), "inline": .list([.sensitive(.string(Self.script.replacingOccurrences(of: "line 5\n", with: "line five\n")))])])
        let text = Self.text([PlannedChange(address: Self.bootstrap, action: .update, before: before, after: after)])
        #expect(text.contains("(sensitive value)"), "\(text)")
        for secret in ["line 1", "line 5", "line five", "sha256", "EOT"] { #expect(!text.contains(secret), "\(text)") }
    }
}
