import Testing
import TFYCore
import TFYPlan

extension ApplyScheduler {
    /// Starts every node it hands out, in order.
    mutating func startAll() -> [ApplyGraph.Node] {
        var started: [ApplyGraph.Node] = []
        while let node = start() { started.append(node) }
        return started
    }
}

@Suite(.timeLimit(.minutes(10)))
struct ApplySchedulerTests {
    /// sg ← m[0], m[1] ← boot (diamond), plus an unrelated key pair.
    static let diamond = ApplyGraph([
        change("aws_security_group.g", .create),
        change("aws_instance.m[0]", .create, on: ["aws_security_group.g"]),
        change("aws_instance.m[1]", .create, on: ["aws_security_group.g"]),
        change("tfy_bootstrap.b", .create, on: ["aws_instance.m"]),
        change("aws_key_pair.k", .create),
    ])

    @Test func readyNodesStartDeletesFirstThenByAddress() {
        var scheduler = ApplyScheduler(ApplyGraph([
            change("aws_security_group.z", .create),
            change("aws_instance.old", .delete),
            change("aws_instance.a", .update),
            change("aws_instance.m", .replace(createFirst: false)),
        ]))
        #expect(scheduler.startAll() == [delete("aws_instance.m"), delete("aws_instance.old"), apply("aws_instance.a"), apply("aws_security_group.z")])
        #expect(scheduler.running.count == 4)
        scheduler.finished(delete("aws_instance.m"), success: true)
        #expect(scheduler.startAll() == [apply("aws_instance.m")])
    }

    @Test func aDiamondJoinsOnlyWhenBothSidesFinished() {
        var scheduler = ApplyScheduler(Self.diamond)
        #expect(scheduler.startAll() == [apply("aws_key_pair.k"), apply("aws_security_group.g")])
        scheduler.finished(apply("aws_security_group.g"), success: true)
        #expect(scheduler.startAll() == [apply("aws_instance.m[0]"), apply("aws_instance.m[1]")])
        scheduler.finished(apply("aws_instance.m[1]"), success: true)
        #expect(scheduler.startAll() == [])
        scheduler.finished(apply("aws_instance.m[0]"), success: true)
        #expect(scheduler.startAll() == [apply("tfy_bootstrap.b")])
        scheduler.finished(apply("tfy_bootstrap.b"), success: true)
        scheduler.finished(apply("aws_key_pair.k"), success: true)
        #expect(scheduler.remaining.isEmpty)
        #expect(scheduler.succeeded == Self.diamond.nodes)
        #expect(scheduler.skipped.isEmpty)
    }

    @Test func aFailureSkipsExactlyItsTransitiveDependentsOnceEach() {
        var scheduler = ApplyScheduler(Self.diamond)
        _ = scheduler.startAll()
        // The group fails: both instances and, through them, the bootstrap (once) are skipped.
        #expect(scheduler.finished(apply("aws_security_group.g"), success: false)
                == [apply("aws_instance.m[0]"), apply("aws_instance.m[1]"), apply("tfy_bootstrap.b")])
        #expect(scheduler.skipped == [apply("aws_instance.m[0]"): apply("aws_security_group.g"),
                                      apply("aws_instance.m[1]"): apply("aws_security_group.g"),
                                      apply("tfy_bootstrap.b"): apply("aws_security_group.g")])
        #expect(scheduler.failed == [apply("aws_security_group.g")])
        // The independent branch still finishes.
        #expect(scheduler.remaining == [apply("aws_key_pair.k")])
        scheduler.finished(apply("aws_key_pair.k"), success: true)
        #expect(scheduler.remaining.isEmpty)
        #expect(scheduler.succeeded == [apply("aws_key_pair.k")])
    }

    @Test func aFailureOnOneSideOfADiamondSkipsTheJoinButNotTheOtherSide() {
        var scheduler = ApplyScheduler(Self.diamond)
        _ = scheduler.startAll()
        scheduler.finished(apply("aws_security_group.g"), success: true)
        #expect(scheduler.startAll() == [apply("aws_instance.m[0]"), apply("aws_instance.m[1]")])
        #expect(scheduler.finished(apply("aws_instance.m[0]"), success: false) == [apply("tfy_bootstrap.b")])
        // Already skipped: the other side's failure skips nothing more.
        #expect(scheduler.finished(apply("aws_instance.m[1]"), success: false) == [])
        #expect(scheduler.skipped == [apply("tfy_bootstrap.b"): apply("aws_instance.m[0]")])
        #expect(scheduler.failed == [apply("aws_instance.m[0]"), apply("aws_instance.m[1]")])
        #expect(scheduler.remaining == [apply("aws_key_pair.k")])
    }

    @Test func anInterruptStopsHandingOutNodesAndLeavesTheRestRemaining() {
        var scheduler = ApplyScheduler(Self.diamond)
        #expect(scheduler.start() == apply("aws_key_pair.k"))
        scheduler.interrupt()
        #expect(!scheduler.canStart)
        #expect(scheduler.start() == nil)
        scheduler.finished(apply("aws_key_pair.k"), success: true)
        #expect(scheduler.start() == nil)
        #expect(scheduler.running.isEmpty)
        #expect(scheduler.remaining == Self.diamond.nodes.subtracting([apply("aws_key_pair.k")]))
    }

    @Test func aDestroyRunsDependentsFirst() {
        var scheduler = ApplyScheduler(ApplyGraph([
            change("aws_security_group.g", .delete),
            change("aws_instance.m[0]", .delete, on: ["aws_security_group.g"]),
            change("aws_instance.m[1]", .delete, on: ["aws_security_group.g"]),
        ]))
        #expect(scheduler.startAll() == [delete("aws_instance.m[0]"), delete("aws_instance.m[1]")])
        scheduler.finished(delete("aws_instance.m[0]"), success: true)
        #expect(scheduler.startAll() == [])
        scheduler.finished(delete("aws_instance.m[1]"), success: true)
        #expect(scheduler.startAll() == [delete("aws_security_group.g")])
    }
}
