import Foundation
import Testing
@testable import TFYEngine

@Suite(.timeLimit(.minutes(10))) struct OperationSlotsTests {
    /// Whether `body` finishes within `seconds`. A deadlock shows as false, not as a hung run: the
    /// body runs in a task of its own that is left behind if it never finishes. Returns as soon as
    /// it finishes: a loaded machine only makes an expected finish take longer, so those wait a
    /// minute; "never finishes" cannot be observed, so those watch for a wrong finish for 2 s.
    func finishes(within seconds: Int, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let finished = Flag()
        Task.detached { await body(); await finished.set() }
        // A wall-clock deadline, not a count of polls: on a starved pool each poll resumes late.
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if await finished.value { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return await finished.value
    }

    @Test func aSlotIsTakenInTurn() async {
        let slots = OperationSlots(limit: 1)
        await slots.acquire()
        let order = Order()
        let waiter = Task { await slots.acquire(); await order.append("second") }
        // OperationSlots does not show its queue, so the waiter's queuing cannot be observed: the
        // pause gives a broken lock time to let it through first. A correct one passes whatever
        // the timing. (An observable `waiting` count on OperationSlots would make this an event.)
        try? await Task.sleep(nanoseconds: 100_000_000)
        await order.append("first")
        await slots.release()
        await waiter.value
        #expect(await order.items == ["first", "second"])
    }

    @Test func anOperationWaitingGivesItsSlotBack() async {
        let slots = OperationSlots(limit: 1)
        let holder = OperationSlots.Holder(slots)
        await slots.acquire()
        // While the only slot's holder waits, another operation can take the slot and finish.
        let other = await OperationSlots.$current.withValue(holder) {
            try? await OperationSlots.released {
                await finishes(within: 60) { await slots.acquire(); await slots.release() }
            }
        }
        #expect(other == true)
        #expect(holder.held)
        // After a last wait the slot stays free: finishing the operation does not release it twice.
        _ = await OperationSlots.$current.withValue(holder) { try? await OperationSlots.released(reacquire: false) { 0 } }
        #expect(!holder.held)
        await holder.finish()
        await slots.acquire()
        let third = await finishes(within: 2) { await slots.acquire() }
        #expect(third == false)
    }
}

actor Order {
    var items: [String] = []
    func append(_ item: String) { items.append(item) }
}

actor Flag {
    var value = false
    func set() { value = true }
}
