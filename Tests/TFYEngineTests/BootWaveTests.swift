import Foundation
import Testing
import TFYCore
import TFYEngine
import TFYTestSupport

/// Launches are never held back by instances that are still booting: an operation gives its
/// parallelism slot back while it waits for its instance, so N instances at parallelism P boot in
/// one wave, where a waiter that keeps its slot (Terraform's) boots them in ⌈N/P⌉ waves.
@Suite(.timeLimit(.minutes(30))) struct BootWaveTests {
    @Test func aHundredInstancesAtParallelismTenBootInOneWave() async throws {
        // moto's boot-delay mode: every instance stays `pending` until the hundredth has been
        // launched, or until 120 s pass with no launch (long enough that a starved machine's
        // pauses between launches do not reach it). Launches made in waves stop while the first
        // wave boots, and only those 120 s release them; one wave, however slow the machine,
        // keeps launching until the hundredth launch releases them all.
        let world = try await World(motoEnvironment: ["TFY_MOTO_BOOT_SECONDS": "120", "TFY_MOTO_BOOT_AFTER_LAUNCHES": "100"])
        try world.configure("""
            variable:
              stack_tag: {type: string}
            provider:
              aws: {region: us-east-1}
            resource:
              aws_instance:
                node:
                  count: 100
                  ami: ami-1ecae776
                  instance_type: t2.small
            """)
        let applied = await world.tfy(["apply", "cluster", "-auto-approve", "-no-color", "-parallelism", "10"])
        try #require(applied.status == 0, "\(applied.out)\(applied.err)")
        #expect(applied.out.contains("Apply complete! Resources: 100 added, 0 changed, 0 destroyed."))
        let boot = try JSONSerialization.jsonObject(with: try await runProgram("curl", ["-sf", world.motoEndpoint + "/__boot__"])) as? [String: Any]
        #expect(boot?["launched"] as? Int == 100)
        #expect(boot?["released_by"] as? String == "launches", "the instances ran only once the boot delay had passed: the launches came in waves")
        #expect(try await world.liveInstances().count == 100)
    }
}

@Suite(.timeLimit(.minutes(30))) struct PollScheduleTests {
    @Test func theFirstPollComesSoonThenTheWaitsDoubleUpToTheInterval() {
        #expect(PollSchedule(cap: 2).intervals(7) == [0.1, 0.2, 0.4, 0.8, 1.6, 2, 2])
        #expect(PollSchedule(cap: 0.5).intervals(4) == [0.1, 0.2, 0.4, 0.5])
    }

    @Test func anIntervalShorterThanTheFirstWaitIsUsedThroughout() {
        #expect(PollSchedule(cap: 0.05).intervals(3) == [0.05, 0.05, 0.05])
    }
}
