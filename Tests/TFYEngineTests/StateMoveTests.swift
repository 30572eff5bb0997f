import Foundation
import Testing
import TFYCore
import TFYTestSupport

/// `tfy state mv` records objects under another address without touching them, and moves their
/// `tfy:address` tags with them.
@Suite(.timeLimit(.minutes(30)))
struct StateMoveTests {
    @Test func anInstanceMovesWithItsAddressTagAndIsLeftRunning() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let id = try #require(ids["aws_instance.box[1]"])
        let moved = await world.tfy(["state", "mv", "aws_instance.box[1]", "aws_instance.kept", "-chdir", "boxes"])
        #expect(moved.status == 0, "\(moved.err)")
        #expect(moved.out == "Move \"aws_instance.box[1]\" to \"aws_instance.kept\"\nSet the tfy:address tag of \(id) to the new address.\nSuccessfully moved 1 object(s).\n")
        #expect(try world.stateInstances() == ["aws_instance.box[0]": ids["aws_instance.box[0]"]!, "aws_instance.kept": id, "aws_instance.box[2]": ids["aws_instance.box[2]"]!])
        #expect(try await OwnershipTests.instances(world, [id])[id]?.tags == ["Name": "box1", "tfy:stack": world.stack, "tfy:address": "aws_instance.kept"])
        #expect(try await OwnershipTests.instances(world, [id])[id]?.state == "running")
    }

    @Test func aResourceMovesEveryInstanceKeepingKeys() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let ids = try world.stateInstances()
        let moved = await world.tfy(["state", "mv", "aws_instance.box", "aws_instance.crate", "-chdir", "boxes"])
        #expect(moved.status == 0, "\(moved.err)")
        let sorted = (0..<3).map { ids["aws_instance.box[\($0)]"]! }
        #expect(moved.out == """
            Move "aws_instance.box[0]" to "aws_instance.crate[0]"
            Move "aws_instance.box[1]" to "aws_instance.crate[1]"
            Move "aws_instance.box[2]" to "aws_instance.crate[2]"
            Set the tfy:address tag of \(sorted.joined(separator: ", ")) to the new address.
            Successfully moved 3 object(s).

            """)
        #expect(try world.stateInstances() == ["aws_instance.crate[0]": sorted[0], "aws_instance.crate[1]": sorted[1], "aws_instance.crate[2]": sorted[2]])
        #expect(try await OwnershipTests.instances(world, [sorted[2]])[sorted[2]]?.tags["tfy:address"] == "aws_instance.crate[2]")
    }

    @Test func refusalsLeaveStateAndTagsAlone() async throws {
        let world = try await OwnershipTests.twoStacks()
        #expect(await world.tfy(["apply", "boxes", "-auto-approve"]).status == 0)
        let written = try Data(contentsOf: URL(fileURLWithPath: world.statePath))
        let missing = await world.tfy(["state", "mv", "aws_instance.nope", "aws_instance.crate", "-chdir", "boxes", "-no-color"])
        #expect(missing.status == 1)
        #expect(missing.err == "Error: Invalid source address\n\nCannot move aws_instance.nope: does not match anything in the current state.\n\n")
        let taken = await world.tfy(["state", "mv", "aws_instance.box[0]", "aws_instance.box[2]", "-chdir", "boxes", "-no-color"])
        #expect(taken.status == 1)
        #expect(taken.err == "Error: Invalid target address\n\nCannot move to aws_instance.box[2]: there is already a resource instance at that address in the current state.\n\n")
        let otherType = await world.tfy(["state", "mv", "aws_instance.box[0]", "aws_security_group.box", "-chdir", "boxes", "-no-color"])
        #expect(otherType.status == 1)
        #expect(otherType.err == "Error: Invalid state move request\n\nCannot move aws_instance.box[0] to aws_security_group.box: resource types don't match.\n\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.statePath)) == written)
    }
}
