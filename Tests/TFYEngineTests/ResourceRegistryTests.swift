import Foundation
import Testing
import TFYAWS
import TFYConfig
import TFYCore
import TFYEngine
import TFYPlan
import TFYState

/// What the widget provider was asked to do, and the widgets it holds, in memory.
actor WidgetWorld {
    private(set) var calls: [String] = []
    private(set) var widgets: [String: [String: Value]] = [:]

    func log(_ call: String) { calls.append(call) }
    func put(_ id: String, _ attributes: [String: Value]?) { widgets[id] = attributes }
    func forgetCalls() { calls = [] }
}

/// A resource type that exists only in this file: registering it is all it takes for the loader,
/// planner, executor and refresher to handle it.
struct WidgetResource: ManagedResourceType {
    let world: WidgetWorld

    let schema = ResourceSchema(type: "tfy_test_widget", body: ObjectSchema([
        "size": Attribute(.number, .required),
        "color": Attribute(.string, .optional, forcesReplacement: true),
        "note": Attribute(.string, .optional),
        "label": Attribute(.string, .optionalComputed),
        "id": Attribute(.string, .computed),
    ]))

    var derivedAttributeNames: Set<String> { ["label"] }

    func derivedValue(_ name: String, configured: [String: Value]) -> Value {
        .string("size \(Value.format(number: configured["size"]?.numberValue ?? 0))")
    }

    func provider(context: EngineContext, output: @escaping @Sendable (ResourceAddress, String) -> Void) -> any ResourceProvider {
        WidgetProvider(world: world)
    }
}

struct WidgetProvider: ResourceProvider {
    let world: WidgetWorld

    static func describe(_ attributes: [String: Value]) -> String {
        ["size", "color", "note", "label"].map { "\($0)=\(attributes[$0]?.stringValue ?? attributes[$0]?.numberValue.map(Value.format(number:)) ?? "null")" }.joined(separator: " ")
    }

    func refresh(_ entries: [(address: ResourceAddress, instance: StateInstance)], prior: State, into result: inout Refresher.Result) async throws(AWSError) {
        await world.log("refresh " + entries.map(\.address.description).joined(separator: ","))
        for (address, instance) in entries {
            let live = await world.widgets[instance.attributes["id"]?.stringValue ?? ""]
            result.record(address, instance, live)
        }
    }

    func create(_ address: ResourceAddress, desired: [String: Value], record: Recorder) async throws -> [String: Value] {
        await world.log("create \(address) \(Self.describe(desired))")
        var attributes = desired
        attributes["id"] = .string("w-\(address)")
        await world.put("w-\(address)", attributes)
        return attributes
    }

    func update(_ address: ResourceAddress, prior: [String: Value], desired: [String: Value]) async throws -> [String: Value] {
        await world.log("update \(address) \(Self.describe(desired))")
        var attributes = desired
        attributes["id"] = prior["id"]
        await world.put(prior["id"]?.stringValue ?? "", attributes)
        return attributes
    }

    func delete(_ address: ResourceAddress, prior: [String: Value]) async throws {
        await world.log("delete \(address) \(Self.describe(prior))")
        await world.put(prior["id"]?.stringValue ?? "", nil)
    }
}

@Suite(.timeLimit(.minutes(30))) struct ResourceRegistryTests {
    let directory = NSTemporaryDirectory() + "tfy-widgets-" + UUID().uuidString
    let world = WidgetWorld()
    var registry: ResourceRegistry { ResourceRegistry([WidgetResource(world: world)]) }
    /// No EC2 behind it: a widget never calls AWS.
    var engine: EngineContext {
        EngineContext(ec2: EC2Client(configuration: AWSConfiguration(credentials: AWSCredentials(accessKeyId: "", secretAccessKey: ""), region: "", endpoint: "")),
                      region: "", stack: "widgets")
    }

    func write(_ yaml: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try yaml.write(toFile: directory + "/main.yml", atomically: true, encoding: .utf8)
    }

    func plan(prior: State?) throws -> PlanRequest {
        let (loaded, diagnostics) = ConfigurationLoader(resourceTypes: registry.catalog).load(directory: directory)
        #expect(diagnostics.errors.isEmpty, "\(diagnostics)")
        return PlanRequest(configuration: try #require(loaded), variables: [:], prior: prior, options: PlanOptions())
    }

    func apply(_ request: PlanRequest, _ plan: Plan, prior: State) async throws -> (ApplyResult, State) {
        let store = LocalStateStore(path: directory + "/widgets.tfstate")
        let executor = Executor(context: engine, recorder: StateRecorder(state: prior, store: store), planning: request, parallelism: 1,
                                registry: registry, events: { _ in })
        let result = await executor.run(plan)
        return (result, try #require(try store.read()))
    }

    static let config = """
        stack: widgets
        resource:
          tfy_test_widget:
            small: {size: 1}
            big:
              count: 2
              size: "${tfy_test_widget.small.size + count.index + 1}"
              color: COLOR
              note: "after ${tfy_test_widget.small.id}"
        output:
          big_ids: {value: "${tfy_test_widget.big[*].id}"}
        """

    @Test func aTypeDefinedOnlyInItsFileIsPlannedAppliedAndRefreshedThroughTheRegistry() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try write(Self.config.replacingOccurrences(of: "COLOR", with: "blue"))

        // Create: the derived label is planned, the note waits for small's ID.
        let request = try plan(prior: nil)
        let (outcome, diagnostics) = Planner.planWithValues(request)
        #expect(diagnostics.errors.isEmpty, "\(diagnostics)")
        let created = try #require(outcome).plan
        #expect(created.changes.map(\.address.description) == ["tfy_test_widget.big[0]", "tfy_test_widget.big[1]", "tfy_test_widget.small"])
        #expect(created.changes.map(\.action) == [.create, .create, .create])
        #expect(created.changes.last?.after?.mapValue?["label"] == .string("size 1"))
        #expect(created.changes.first?.after?.mapValue?["note"] == .unknown)

        let (result, state) = try await apply(request, created, prior: State(lineage: "widgets-lineage"))
        #expect(result.errors.isEmpty && result.added == 3 && result.changed == 0 && result.destroyed == 0)
        let calls = await world.calls
        // small first (the big ones refer to its ID), then both big ones in any order.
        #expect(calls.first == "create tfy_test_widget.small size=1 color=null note=null label=size 1")
        #expect(calls.sorted() == [
            "create tfy_test_widget.big[0] size=2 color=blue note=after w-tfy_test_widget.small label=size 2",
            "create tfy_test_widget.big[1] size=3 color=blue note=after w-tfy_test_widget.small label=size 3",
            "create tfy_test_widget.small size=1 color=null note=null label=size 1",
        ])
        #expect(state.instances.map { "\($0.address) \($0.instance.attributes["id"]?.stringValue ?? "-") \($0.instance.dependencies)" } == [
            "tfy_test_widget.big[0] w-tfy_test_widget.big[0] [\"tfy_test_widget.small\"]",
            "tfy_test_widget.big[1] w-tfy_test_widget.big[1] [\"tfy_test_widget.small\"]",
            "tfy_test_widget.small w-tfy_test_widget.small []",
        ])
        #expect(state.outputs["big_ids"]?.value == .list([.string("w-tfy_test_widget.big[0]"), .string("w-tfy_test_widget.big[1]")]))

        // Refresh asks the widget provider, once, for all widgets; one was removed outside tfy.
        await world.forgetCalls()
        await world.put("w-tfy_test_widget.big[1]", nil)
        let refreshed = try await Refresher(context: engine, registry: registry).refresh(state)
        #expect(await world.calls == ["refresh tfy_test_widget.big[0],tfy_test_widget.big[1],tfy_test_widget.small"])
        #expect(refreshed.drift.map(\.address.description) == ["tfy_test_widget.big[1]"])
        #expect(refreshed.drift.map(\.action) == [.delete])

        // A forcing attribute replaces, a plain one updates, a widget gone is created again.
        try write(Self.config.replacingOccurrences(of: "COLOR", with: "red").replacingOccurrences(of: "{size: 1}", with: "{size: 1, note: hello}"))
        await world.forgetCalls()
        let again = try plan(prior: refreshed.state)
        let changed = try #require(Planner.planWithValues(again).0).plan
        #expect(changed.changes.map(\.address.description) == ["tfy_test_widget.big[0]", "tfy_test_widget.big[1]", "tfy_test_widget.small"])
        #expect(changed.changes.map(\.action) == [.replace(createFirst: false), .create, .update])
        #expect(changed.changes.first?.replacePaths == [["color"]])
        let (second, final) = try await apply(again, changed, prior: refreshed.state)
        #expect(second.errors.isEmpty && second.added == 2 && second.changed == 1 && second.destroyed == 1)
        #expect(await world.calls.sorted() == [
            "create tfy_test_widget.big[0] size=2 color=red note=after w-tfy_test_widget.small label=size 2",
            "create tfy_test_widget.big[1] size=3 color=red note=after w-tfy_test_widget.small label=size 3",
            "delete tfy_test_widget.big[0] size=2 color=blue note=after w-tfy_test_widget.small label=size 2",
            "update tfy_test_widget.small size=1 color=null note=hello label=size 1",
        ])
        #expect(final.instances.map { "\($0.address) \($0.instance.attributes["color"]?.stringValue ?? "-") \($0.instance.attributes["note"]?.stringValue ?? "-")" } == [
            "tfy_test_widget.big[0] red after w-tfy_test_widget.small",
            "tfy_test_widget.big[1] red after w-tfy_test_widget.small",
            "tfy_test_widget.small - hello",
        ])
        #expect(await world.widgets.keys.sorted() == ["w-tfy_test_widget.big[0]", "w-tfy_test_widget.big[1]", "w-tfy_test_widget.small"])
    }
}
