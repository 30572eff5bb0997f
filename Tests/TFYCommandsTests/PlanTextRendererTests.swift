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
        let before = Value.map(["id": .string("i-1"), "tags": .map(["Name": .string("web"), "Note\u{1B}[1m": .string("x")])])
        let after = Value.map(["id": .string("i-1"), "tags": .map(["Name": .string(forged), "Note\u{1B}[1m": .string("x")]),
                               "user_data": .string("line one\n\u{1B}]0;owned\u{7}\u{9B}31m\u{202E}txt.sh\n")])
        let plan = Plan(stack: "s", prior: nil, configHash: "", variables: [:], options: PlanOptions(),
                        changes: [PlannedChange(address: address, action: .update, before: before, after: after)], outputs: [])
        let text = PlanTextRenderer(color: false, resourceTypes: .standard).render(plan)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0.value == 0x202E }, "\(text)")
        #expect(text.contains(#"~ "Name" = "web" -> "\x1b[2J\x1b[H\rApply complete! Resources: 0 added\x07""#), "\(text)")
        #expect(text.contains(#"\x1b]0;owned\x07\u{9b}31m\u{202e}txt.sh"#), "\(text)")
    }
}
