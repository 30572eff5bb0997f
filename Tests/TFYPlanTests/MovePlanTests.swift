import Testing
import TFYConfig
import TFYCore
import TFYPlan

/// `moved` statements are applied to the prior state before planning (chains followed, a missing
/// source ignored, a taken destination left alone with Terraform's warning), and `import` blocks
/// the configuration cannot carry out are refused where they are written.
@Suite(.timeLimit(.minutes(10)))
struct MovePlanTests {
    static func state(_ instances: [(String, String)]) -> State {
        var state = State(lineage: "l")
        for (address, id) in instances {
            let parsed = ResourceAddress(parsing: address)!
            state.setInstance(parsed, StateInstance(indexKey: parsed.key, attributes: ["id": .string(id), "ami": .string("ami-1"), "instance_type": .string("t2.small")]))
        }
        return state
    }

    static func config(_ resources: String, moved: String = "", imports: String = "") -> Configuration {
        load(["main.yml": "resource:\n  aws_instance:\n\(resources)" + (moved.isEmpty ? "" : "moved:\n\(moved)") + (imports.isEmpty ? "" : "import:\n\(imports)")])
    }

    /// Each change as `address action [previous]`.
    static func summary(_ plan: Plan?) -> [String] {
        (plan?.changes ?? []).map { "\($0.address) \($0.actions.map(\.rawValue).joined(separator: ","))" + ($0.previousAddress.map { " from \($0)" } ?? "") }
    }

    @Test func aChainOfMovesEndsAtItsLastDestination() {
        let configuration = Self.config("    c: {ami: ami-1, instance_type: t2.small}\n",
                                        moved: "  - {from: aws_instance.a, to: aws_instance.b}\n  - {from: aws_instance.b, to: aws_instance.c}\n")
        let (planned, diagnostics) = plan(configuration, prior: Self.state([("aws_instance.a", "i-1")]))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(Self.summary(planned) == ["aws_instance.c no-op from aws_instance.a"])
        #expect(planned?.changes.first?.before?.mapValue?["id"] == .string("i-1"))
    }

    @Test func aMoveWhoseSourceIsNotInTheStateDoesNothing() {
        let configuration = Self.config("    c: {ami: ami-1, instance_type: t2.small}\n", moved: "  - {from: aws_instance.a, to: aws_instance.c}\n")
        let (planned, diagnostics) = plan(configuration, prior: Self.state([("aws_instance.c", "i-3")]))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(Self.summary(planned) == ["aws_instance.c no-op"])
        #expect(planned?.hasChanges == false)
    }

    @Test func removingCountMovesTheFirstInstanceToTheNoKeyAddress() {
        let configuration = Self.config("    n: {ami: ami-1, instance_type: t2.small}\n", moved: "  - {from: \"aws_instance.n[0]\", to: aws_instance.n}\n")
        let (planned, diagnostics) = plan(configuration, prior: Self.state([("aws_instance.n[0]", "i-0"), ("aws_instance.n[1]", "i-1")]))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(Self.summary(planned) == ["aws_instance.n no-op from aws_instance.n[0]", "aws_instance.n[1] delete"])
    }

    @Test func aDestinationTheStateHoldsIsLeftAloneWithTerraformsWarning() {
        let configuration = Self.config("    new: {ami: ami-1, instance_type: t2.small}\n", moved: "  - {from: aws_instance.old, to: aws_instance.new}\n")
        let (planned, diagnostics) = plan(configuration, prior: Self.state([("aws_instance.new", "i-n"), ("aws_instance.old", "i-o")]))
        #expect(Self.summary(planned) == ["aws_instance.new no-op", "aws_instance.old delete"])
        #expect(planned?.warnings.map(\.summary) == ["Unresolved resource instance address changes"])
        #expect(diagnostics.warnings.first?.detail == "tfy tried to adjust resource instance addresses in the prior state based on change information recorded in the configuration, but some adjustments did not succeed due to existing objects already at the intended addresses:\n  - aws_instance.old could not move to aws_instance.new\n\ntfy has planned to destroy these objects. If tfy's proposed changes aren't appropriate, you must first resolve the conflicts using the \"tfy state\" subcommands and then create a new plan.")
    }

    @Test func aDestroyPlanDestroysMovedObjectsAtTheirNewAddress() {
        let configuration = Self.config("    b: {ami: ami-1, instance_type: t2.small}\n", moved: "  - {from: aws_instance.a, to: aws_instance.b}\n")
        var options = PlanOptions()
        options.destroy = true
        let (planned, _) = plan(configuration, prior: Self.state([("aws_instance.a", "i-1")]), options: options)
        #expect(Self.summary(planned) == ["aws_instance.b delete from aws_instance.a"])
    }

    @Test func importsTheConfigurationCannotCarryOutAreLocated() {
        let configuration = Self.config("    web: {count: 2, ami: ami-1, instance_type: t2.small}\n",
                                        imports: "  - {to: \"aws_instance.web[3]\", id: i-3}\n  - {to: aws_instance.db, id: i-4}\n  - {to: \"aws_instance.web[0]\", id: i-5}\n")
        let (planned, diagnostics) = plan(configuration, prior: Self.state([("aws_instance.web[1]", "i-5")]))
        #expect(planned == nil)
        #expect(diagnostics.errors.map { "\($0.location.map(String.init(describing:)) ?? "") \($0.summary): \($0.detail)" } == [
            "main.yml:5:5 Configuration for import target does not exist: The configuration for the given import target aws_instance.web[3] does not exist. All target instances must have an associated configuration to be imported.",
            "main.yml:6:5 Configuration for import target does not exist: The configuration for the given import target aws_instance.db does not exist. All target instances must have an associated configuration to be imported.",
            "main.yml:7:5 Object already managed by tfy: i-5 is already in the state as aws_instance.web[1], so it cannot be imported as aws_instance.web[0] too.",
        ])
    }
}

/// Moves into `for_each` keys, once `for_each` exists: `count` to `for_each` without a destroy.
@Suite(.timeLimit(.minutes(10)))
struct MoveToForEachKeysTests {
    @Test func countIndexesMoveToForEachKeys() {
        let configuration = load(["main.yml": """
            resource:
              aws_instance:
                n:
                  for_each: {zk: a, web: b}
                  ami: ami-1
                  instance_type: t2.small
            moved:
              - {from: "aws_instance.n[0]", to: 'aws_instance.n["zk"]'}
              - {from: "aws_instance.n[1]", to: 'aws_instance.n["web"]'}

            """])
        let (planned, diagnostics) = plan(configuration, prior: MovePlanTests.state([("aws_instance.n[0]", "i-0"), ("aws_instance.n[1]", "i-1")]))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(MovePlanTests.summary(planned) == [#"aws_instance.n["web"] no-op from aws_instance.n[1]"#, #"aws_instance.n["zk"] no-op from aws_instance.n[0]"#])
        #expect(planned?.changes.map { $0.before?.mapValue?["id"] } == [.string("i-1"), .string("i-0")])
    }
}
