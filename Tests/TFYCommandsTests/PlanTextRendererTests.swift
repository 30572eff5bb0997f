import Testing
import TFYCore
import TFYEngine
import TFYRender

@Suite(.timeLimit(.minutes(10)))
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
}
