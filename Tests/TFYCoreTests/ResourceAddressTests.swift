import Testing
import TFYCore

@Suite(.timeLimit(.minutes(30)))
struct ResourceAddressTests {
    @Test(arguments: [
        "aws_security_group.cluster",
        "aws_instance.master[1]",
        "aws_instance.node[\"zk\"]",
        "module.workers[0].aws_instance.node[1]",
        "module.net.module.subnets[\"a\"].aws_instance.x",
    ])
    func printsWhatItParses(_ text: String) throws {
        let address = try #require(ResourceAddress(parsing: text))
        #expect(address.description == text)
    }

    @Test func parsesEachPart() throws {
        let address = try #require(ResourceAddress(parsing: "module.workers[2].aws_instance.node[\"zk-1\"]"))
        #expect(address.module == [ModuleStep(name: "workers", key: .int(2))])
        #expect(address.type == "aws_instance")
        #expect(address.name == "node")
        #expect(address.key == .string("zk-1"))
        #expect(address.index == nil)
        #expect(address.resource == "module.workers[2].aws_instance.node")
        #expect(ResourceAddress(parsing: "aws_instance.m[3]") == ResourceAddress(type: "aws_instance", name: "m", index: 3))
    }

    @Test(arguments: ["", "aws_instance", "aws_instance.", "aws_instance.m[", "aws_instance.m[x]", "aws_instance.m[1]x", "aws_instance.m.x",
                      "data.aws_ami.x", "module.a", "module.a[\"b\"", "aws_instance.m[99999999999999999999]", "aws_instance.m[-1]"])
    func rejectsWhatIsNotAnAddress(_ text: String) {
        #expect(ResourceAddress(parsing: text) == nil)
    }

    @Test func sortsIntegerKeysBeforeStringKeysAndRootBeforeModules() {
        let sorted = ["module.a.aws_instance.x", "aws_instance.m[\"b\"]", "aws_instance.m[10]", "aws_instance.m", "aws_instance.m[2]", "aws_instance.m[\"a\"]"]
            .compactMap(ResourceAddress.init(parsing:)).sorted().map(\.description)
        #expect(sorted == ["aws_instance.m", "aws_instance.m[2]", "aws_instance.m[10]", "aws_instance.m[\"a\"]", "aws_instance.m[\"b\"]", "module.a.aws_instance.x"])
    }
}

@Suite(.timeLimit(.minutes(30)))
struct ChangeActionTests {
    @Test func convertsToAndFromTerraformsListForm() {
        let all: [ChangeAction] = [.noOp, .create, .read, .update, .delete, .replace(createFirst: false), .replace(createFirst: true)]
        #expect(all.map(\.actions) == [[.noOp], [.create], [.read], [.update], [.delete], [.delete, .create], [.create, .delete]])
        #expect(all.map { ChangeAction(actions: $0.actions) } == all)
        #expect(ChangeAction(actions: [.update, .delete]) == nil)
        #expect(ChangeAction(actions: []) == nil)
    }

    @Test func saysWhatItCreatesAndDeletes() {
        let all: [ChangeAction] = [.noOp, .create, .read, .update, .delete, .replace(createFirst: false), .replace(createFirst: true)]
        #expect(all.map(\.creates) == [false, true, false, false, false, true, true])
        #expect(all.map(\.deletes) == [false, false, false, false, true, true, true])
    }
}

@Suite(.timeLimit(.minutes(10)))
struct ModulePathTests {
    @Test func parsesModuleInstanceAddresses() {
        #expect(ModuleStep.parsePath("module.workers") == [ModuleStep(name: "workers")])
        #expect(ModuleStep.parsePath("module.workers[0].module.disk[\"a\"]") == [ModuleStep(name: "workers", key: 0), ModuleStep(name: "disk", key: .string("a"))])
        #expect(ModuleStep.parsePath("") == nil)
        #expect(ModuleStep.parsePath("module.workers.aws_instance.node") == nil)
        #expect(ModuleStep.parsePath("module.workers[x]") == nil)
        #expect(ModuleStep.parsePath("module.workers.") == nil)
    }

    /// Terraform's `module` field on each resource: written, read back, and sorted after the
    /// root module's resources.
    @Test func stateKeepsEachResourcesModule() throws {
        var state = State(lineage: "l")
        let inner = try #require(ResourceAddress(parsing: "module.workers[1].aws_instance.node[0]"))
        state.setInstance(inner, StateInstance(indexKey: 0, attributes: ["id": .string("i-2")]))
        state.setInstance(ResourceAddress(type: "aws_instance", name: "node", index: 0), StateInstance(indexKey: 0, attributes: ["id": .string("i-1")]))
        let json = state.json
        #expect(json["resources"]?.arrayValue?.map { $0["module"]?.stringValue } == [nil, "module.workers[1]"])
        let read = try State.decode(Array(json.pretty().utf8)).get()
        #expect(read.instances.map(\.address.description) == ["aws_instance.node[0]", "module.workers[1].aws_instance.node[0]"])
        #expect(read.instance(inner)?.attributes["id"] == .string("i-2"))
        #expect(read.instance(ResourceAddress(type: "aws_instance", name: "node", index: 0))?.attributes["id"] == .string("i-1"))
    }
}
