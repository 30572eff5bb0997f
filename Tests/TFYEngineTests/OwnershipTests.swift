import Foundation
import Testing
import TFYCore
import TFYState
import TFYTestSupport

/// The ownership rules (DESIGN §3): another stack's objects are never read, changed or deleted;
/// `state rm` forgets for real; the state follows what refresh found.
@Suite(.timeLimit(.minutes(30)))
struct OwnershipTests {
    /// Three instances and nothing else, so what refresh drops is all that changes in the state.
    static func boxes(stack: String) -> String {
        """
        stack: \(stack)
        provider:
          aws: {region: us-east-1}
        resource:
          aws_instance:
            box:
              count: 3
              ami: ami-1ecae776
              instance_type: t2.small
              tags: {Name: "box${count.index}"}

        """
    }

    /// A world with stack `world.stack` in `boxes/` and stack `<world.stack>b` in `b/`.
    static func twoStacks() async throws -> World {
        let world = try await World()
        for (dir, stack) in [("boxes", world.stack), ("b", world.stack + "b")] {
            try FileManager.default.createDirectory(atPath: world.directory + "/" + dir, withIntermediateDirectories: true)
            try boxes(stack: stack).write(toFile: world.directory + "/\(dir)/main.yml", atomically: true, encoding: .utf8)
        }
        world.stateConfiguration = "boxes"
        return world
    }

    /// Instance ID → (state, tags), as the AWS CLI sees them.
    static func instances(_ world: World, _ ids: [String]) async throws -> [String: (state: String, tags: [String: String])] {
        let json = try await world.cli(["ec2", "describe-instances", "--instance-ids"] + ids)
        var result: [String: (state: String, tags: [String: String])] = [:]
        for instance in ((json["Reservations"] as? [[String: Any]]) ?? []).flatMap({ ($0["Instances"] as? [[String: Any]]) ?? [] }) {
            let tags = (instance["Tags"] as? [[String: String]] ?? []).reduce(into: [String: String]()) { $0[$1["Key"]!] = $1["Value"]! }
            result[instance["InstanceId"] as! String] = ((instance["State"] as? [String: Any])?["Name"] as? String ?? "", tags)
        }
        return result
    }

    @Test func destroyWithAnotherStacksStateIsRefusedBeforeAnyCall() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances().values.sorted()
        #expect(ids.count == 3)
        // Nothing answers at this endpoint: the refusal must come before any EC2 call.
        let refusing = try RefusingPort()
        world.endpoint = "http://127.0.0.1:\(refusing.port)"
        world.extraEnvironment = ["AWS_MAX_ATTEMPTS": "1"]
        let run = await world.tfy(["destroy", "-state", "boxes/state/\(world.stack).tfstate", "b", "-auto-approve", "-no-color"])
        #expect(run.status == 1)
        #expect(run.err == """
            Error: State belongs to another stack

            The state file \(world.statePath) records stack "\(world.stack)", but the configuration in b is stack "\(world.stack)b". tfy never uses one stack's state with another stack's configuration, so it stopped before reading or changing anything in EC2. Use stack "\(world.stack)b"'s own state file, or run this from stack "\(world.stack)"'s configuration.


            """)
        #expect(try await Self.instances(world, ids).values.map(\.state) == ["running", "running", "running"])
    }

    @Test func destroyWithAnOlderStateOfAnotherStackTouchesNothing() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        // A state written before states recorded their stack: only the objects' tags tell.
        var json = try #require(JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: world.statePath)))).get().objectValue)
        json["stack"] = nil
        try JSONValue.object(json).pretty().write(toFile: world.statePath, atomically: true, encoding: .utf8)
        let written = try Data(contentsOf: URL(fileURLWithPath: world.statePath))
        #expect(ids.count == 3)
        let run = await world.tfy(["destroy", "-state", "boxes/state/\(world.stack).tfstate", "b", "-auto-approve", "-no-color"])
        #expect(run.status == 1)
        let listed = ids.keys.sorted().map { "\($0) (\(ids[$0]!))" }.joined(separator: ", ")
        #expect(run.err == """
            Error: The state holds another stack's objects

            The state file \(world.statePath) is used with stack "\(world.stack)b", but the objects it records are tagged tfy:stack=\(world.stack): \(listed). tfy never reads, changes or deletes another stack's objects, so it stopped before changing anything. Use stack "\(world.stack)b"'s own state file, or run this from stack "\(world.stack)"'s configuration.


            """)
        #expect(try await Self.instances(world, ids.values.sorted()).values.map(\.state) == ["running", "running", "running"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.statePath)) == written, "the state is not rewritten")
    }

    @Test func stateRmRemovesTheOwnershipTagsSoDestroyKeepsTheInstance() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let kept = try #require(ids["aws_instance.box[1]"])
        let removed = await world.tfy(["state", "rm", "aws_instance.box[1]", "-chdir", "boxes"])
        #expect(removed.status == 0, "\(removed.err)")
        #expect(removed.out == "Removed aws_instance.box[1]\nRemoved the tfy:stack and tfy:address tags of \(kept), so no later run adopts it.\nSuccessfully removed 1 resource instance(s).\n")
        let destroyed = await world.tfy(["destroy", "boxes", "-auto-approve", "-no-color"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        let live = try await Self.instances(world, ids.values.sorted())
        #expect(live[kept]?.state == "running")
        #expect(live[kept]?.tags == ["Name": "box1"])
        #expect(live[ids["aws_instance.box[0]"]!]?.state == "terminated")
        #expect(live[ids["aws_instance.box[2]"]!]?.state == "terminated")
    }

    /// `tfy import` is the inverse of `state rm`: the object gets this stack's tags back and the
    /// state records it, so destroy manages it again. Another stack's object is refused untouched.
    @Test func importTagsTheObjectAndRecordsItAndRefusesAnotherStacks() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        #expect(await world.tfy(["apply", "b", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let id = try #require(ids["aws_instance.box[1]"])
        #expect(await world.tfy(["state", "rm", "aws_instance.box[1]", "-chdir", "boxes"]).status == 0)
        #expect(try await Self.instances(world, [id])[id]?.tags == ["Name": "box1"])

        let imported = await world.tfy(["import", "aws_instance.box[1]", id, "-chdir", "boxes"])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out == """
            aws_instance.box[1]: Importing from ID "\(id)"...
            Tagged \(id) with tfy:stack=\(world.stack) and tfy:address=aws_instance.box[1].

            Import successful!

            The resources that were imported are shown above. These resources are now in
            your tfy state and will henceforth be managed by tfy.

            """)
        #expect(try await Self.instances(world, [id])[id]?.tags == ["Name": "box1", "tfy:stack": world.stack, "tfy:address": "aws_instance.box[1]"])
        #expect(try world.stateInstances() == ids)
        #expect(await world.tfy(["plan", "boxes", "-detailed-exitcode"]).status == 0)

        // An address the state tracks, and an object of stack b, are refused; nothing changes.
        let state = try Data(contentsOf: URL(fileURLWithPath: world.statePath))
        let again = await world.tfy(["import", "aws_instance.box[1]", id, "-chdir", "boxes"])
        #expect(again.status == 1)
        #expect(again.err.contains("Error: Resource already managed by tfy\n\nThe state already tracks aws_instance.box[1] (\(id)). To import another object to it, first forget that one with: tfy state rm aws_instance.box[1]\n"), "\(again.err)")
        let other = try #require(try await world.liveInstances().isEmpty ? nil : Self.stackBInstance(world))
        #expect(await world.tfy(["state", "rm", "aws_instance.box[2]", "-chdir", "boxes", "-keep-tags"]).status == 0)
        let foreign = await world.tfy(["import", "aws_instance.box[2]", other, "-chdir", "boxes"])
        #expect(foreign.status == 1)
        #expect(foreign.err.contains("Error: Object belongs to another stack\n\n\(other) is tagged tfy:stack=\(world.stack)b as aws_instance.box[0]; this configuration is stack \"\(world.stack)\". tfy never takes another stack's objects. To move it, first run tfy state rm in stack \"\(world.stack)b\".\n"), "\(foreign.err)")
        #expect(try await Self.instances(world, [other])[other]?.tags == ["Name": "box0", "tfy:stack": world.stack + "b", "tfy:address": "aws_instance.box[0]"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.statePath)) != state)
        #expect(try world.stateInstances()["aws_instance.box[2]"] == nil)

        // Destroy manages the imported instance again.
        #expect(await world.tfy(["destroy", "boxes", "-auto-approve"]).status == 0)
        #expect(try await Self.instances(world, [id])[id]?.state == "terminated")
    }

    /// The ID of stack b's aws_instance.box[0], from b's state.
    static func stackBInstance(_ world: World) throws -> String {
        let path = world.directory + "/b/state/\(world.stack)b.tfstate"
        let state = try #require(try LocalStateStore(path: path).read())
        return try #require(state.instance(ResourceAddress(type: "aws_instance", name: "box", index: 0))?.attributes["id"]?.stringValue)
    }

    @Test func stateRmWithKeepTagsLeavesTheInstanceForTheNextRunToAdopt() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let removed = await world.tfy(["state", "rm", "-keep-tags", "aws_instance.box[1]", "-chdir", "boxes"])
        #expect(removed.out == "Removed aws_instance.box[1]\nSuccessfully removed 1 resource instance(s).\n")
        #expect(try await Self.instances(world, [ids["aws_instance.box[1]"]!]).values.first?.tags == ["Name": "box1", "tfy:stack": world.stack, "tfy:address": "aws_instance.box[1]"])
        // The next plan shows the adoption; applying it records the instance again.
        let plan = await world.tfy(["plan", "boxes", "-detailed-exitcode", "-no-color"])
        #expect(plan.status == 2, "\(plan.out)")
        #expect(plan.out.contains("  # aws_instance.box[1] will be adopted (found by its tags, \(ids["aws_instance.box[1]"]!))\n"), "\(plan.out)")
        #expect(plan.out.contains("\nPlan: 1 to adopt, 0 to add, 0 to change, 0 to destroy.\n"), "\(plan.out)")
        let applied = await world.tfy(["apply", "boxes", "-auto-approve", "-no-color"])
        #expect(applied.out.contains("Apply complete! Resources: 1 adopted, 0 added, 0 changed, 0 destroyed."), "\(applied.out)")
        #expect(try world.stateInstances() == ids)
        #expect(await world.tfy(["plan", "boxes", "-detailed-exitcode"]).status == 0)
    }

    @Test func destroyAfterOutsideDeletionsLeavesAnEmptyState() async throws {
        let world = try await Self.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        _ = try await world.cli(["ec2", "terminate-instances", "--instance-ids"] + world.stateInstances().values.sorted())
        let destroyed = await world.tfy(["destroy", "boxes", "-auto-approve", "-no-color"])
        #expect(destroyed.status == 0, "\(destroyed.err)")
        let list = await world.tfy(["state", "list", "-chdir", "boxes"])
        #expect(list.status == 0)
        #expect(list.out == "")
    }
}
