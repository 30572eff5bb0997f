import Testing
import TFYCore
import TFYRender

/// The state's `show -json` written as it is made, one resource at a time: the same bytes as the
/// whole tree, with Terraform's order of the root module's resources and data sources.
@Suite(.timeLimit(.minutes(5)))
struct StateJSONRendererTests {
    static func instance(_ name: String) -> StateInstance {
        StateInstance(indexKey: nil, attributes: ["id": .string(name)])
    }

    /// Root resources on both sides of `data.` in address order, a module's resource, a data source.
    static var state: State {
        var state = State(lineage: "l-1")
        state.resources = [
            StateResource(type: "aws_instance", name: "a", instances: [instance("i-a")]),
            StateResource(type: "tfy_bootstrap", name: "b", instances: [instance("b-1")]),
            StateResource(module: [ModuleStep(name: "workers", key: .string("x"))], type: "aws_instance", name: "w", instances: [instance("i-w")]),
        ]
        var data = StateResource(type: "aws_ami", name: "image", instances: [instance("ami-1")])
        data.mode = "data"
        state.dataResources = [data]
        return state
    }

    @Test func writtenAsMadeItIsTheWholeTreeInTerraformsOrder() {
        var written = ""
        StateJSONRenderer.write(Self.state, resourceTypes: .standard) { written += $0 }
        let tree = StateJSONRenderer.document(Self.state, resourceTypes: .standard)
        #expect(written == tree.pretty())
        let root = tree["values"]?["root_module"]
        #expect(root?["resources"]?.arrayValue?.map { $0["address"]?.stringValue } == ["aws_instance.a", "data.aws_ami.image", "tfy_bootstrap.b"])
        #expect(root?["child_modules"]?.arrayValue?.map { $0["address"]?.stringValue } == [#"module.workers["x"]"#])
        #expect(root?["child_modules"]?.arrayValue?.first?["resources"]?.arrayValue?.first?["address"]?.stringValue == #"module.workers["x"].aws_instance.w"#)
    }

    @Test func onlyModuleResourcesLeaveTheRootWithoutResources() {
        var state = State(lineage: "l-1")
        state.resources = [StateResource(module: [ModuleStep(name: "m")], type: "aws_instance", name: "w", instances: [Self.instance("i-w")])]
        var written = ""
        StateJSONRenderer.write(state, resourceTypes: .standard) { written += $0 }
        let tree = StateJSONRenderer.document(state, resourceTypes: .standard)
        #expect(written == tree.pretty())
        #expect(tree["values"]?["root_module"]?.objectValue.map { Array($0.keys) } == ["child_modules"])
    }
}
