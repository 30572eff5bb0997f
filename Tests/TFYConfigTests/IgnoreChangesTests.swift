import Testing
import TFYConfig
import TFYCore

/// `lifecycle.ignore_changes` entries: attribute names with static keys and indexes, as in
/// Terraform, and how each keeps its part of the prior value.
@Suite(.timeLimit(.minutes(10)))
struct IgnoreChangesTests {
    @Test func entriesAreReadAsPaths() throws {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_instance:
                m:
                  ami: a
                  instance_type: t
                  lifecycle:
                    ignore_changes:
                      - ami
                      - tags["Name"]
                      - tags.Owner
                      - 'root_block_device[0].volume_size'
            """])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics)")
        let lifecycle = try #require(outcome.evaluated?.configuration.resources.first?.lifecycle)
        #expect(lifecycle.ignoreChanges == [
            AttributePath(attribute: "ami"),
            AttributePath(attribute: "tags", steps: [.key("Name")]),
            AttributePath(attribute: "tags", steps: [.key("Owner")]),
            AttributePath(attribute: "root_block_device", steps: [.index(0), .key("volume_size")]),
        ])
        #expect(lifecycle.ignoreChanges.map(\.description) == ["ami", "tags[\"Name\"]", "tags[\"Owner\"]", "root_block_device[0][\"volume_size\"]"])
    }

    @Test func anEntryThatIsNotAStaticPathIsALocatedError() {
        let outcome = evaluate(["main.yml": """
            resource:
              aws_instance:
                m:
                  ami: a
                  instance_type: t
                  lifecycle: {ignore_changes: ['tags[var.k]', 'ami + 1']}
            """])
        #expect(errorLines(outcome.diagnostics) == ["6:41 Invalid ignore_changes", "6:51 Invalid ignore_changes"])
        #expect(outcome.diagnostics.errors.first?.detail == "An ignore_changes entry must be an attribute name, optionally followed by map keys and list indexes written as literals, such as tags[\"Name\"] or root_block_device[0].volume_size.")
    }

    @Test func aPathKeepsOnlyItsPartOfThePriorValue() {
        let tags = AttributePath(attribute: "tags", steps: [.key("Name")])
        let prior: Value = .map(["Name": .string("old"), "Env": .string("dev")])
        // The key is taken from the prior value; the rest follows the configuration.
        #expect(tags.keepingPrior(planned: .map(["Name": .string("new"), "Env": .string("prod")]), prior: prior) == .map(["Name": .string("old"), "Env": .string("prod")]))
        // A key the configuration leaves out stays as it is; one the prior value lacks is not added.
        #expect(tags.keepingPrior(planned: .map(["Env": .string("prod")]), prior: prior) == .map(["Name": .string("old"), "Env": .string("prod")]))
        #expect(tags.keepingPrior(planned: .map(["Name": .string("new")]), prior: .map([:])) == .map([:]))
        #expect(tags.keepingPrior(planned: .null, prior: prior) == .map(["Name": .string("old")]))
        // Marks stay where they were.
        #expect(tags.keepingPrior(planned: .sensitive(.map(["Name": .string("new")])), prior: prior) == .sensitive(.map(["Name": .string("old")])))
        // Lists by index, when both have the element; [0] of a single nested block is the block.
        let second = AttributePath(attribute: "l", steps: [.index(1)])
        #expect(second.keepingPrior(planned: .list([.number(1), .number(2)]), prior: .list([.number(0), .number(9)])) == .list([.number(1), .number(9)]))
        #expect(second.keepingPrior(planned: .list([.number(1), .number(2)]), prior: .list([.number(0)])) == .list([.number(1), .number(2)]))
        let size = AttributePath(attribute: "root_block_device", steps: [.index(0), .key("volume_size")])
        #expect(size.keepingPrior(planned: .map(["volume_size": .number(50), "volume_type": .string("gp3")]), prior: .map(["volume_size": .number(20), "volume_type": .string("gp2")]))
                == .map(["volume_size": .number(20), "volume_type": .string("gp3")]))
    }
}
