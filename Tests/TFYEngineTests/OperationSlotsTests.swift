import Foundation
import Testing
@testable import TFYEngine

@Suite(.timeLimit(.minutes(3))) struct OperationSlotsTests {
    /// Whether `body` finishes within two seconds. A deadlock shows as false, not as a hung run:
    /// the body runs in a task of its own that is left behind if it never finishes.
    func finishes(_ body: @escaping @Sendable () async -> Void) async -> Bool {
        let finished = Flag()
        Task.detached { await body(); await finished.set() }
        for _ in 0..<200 {
            if await finished.value { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return false
    }

    @Test func aSlotIsTakenInTurn() async {
        let slots = OperationSlots(limit: 1)
        await slots.acquire()
        let order = Order()
        let waiter = Task { await slots.acquire(); await order.append("second") }
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
                await finishes { await slots.acquire(); await slots.release() }
            }
        }
        #expect(other == true)
        #expect(holder.held)
        // After a last wait the slot stays free: finishing the operation does not release it twice.
        _ = await OperationSlots.$current.withValue(holder) { try? await OperationSlots.released(reacquire: false) { 0 } }
        #expect(!holder.held)
        await holder.finish()
        await slots.acquire()
        let third = await finishes { await slots.acquire() }
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
