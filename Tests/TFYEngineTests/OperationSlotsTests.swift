import Foundation
import Testing
@testable import TFYEngine

@Suite(.timeLimit(.minutes(30))) struct OperationSlotsTests {
    /// Whether `body` finishes within `seconds`: a deadlock shows as false after the deadline, not
    /// as a run hung until the suite's time limit. The deadline is a timer racing the body; the
    /// test never polls.
    func finishes(within seconds: Int, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await body(); return true }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Returns once `count` operations wait in line for a slot. No deadline of its own: on a
    /// starved pool the waiter may be scheduled late, and a lock that never queues it shows as
    /// the suite's time limit.
    func waitUntil(_ slots: OperationSlots, hasWaiting count: Int) async -> Bool {
        while await slots.waiting != count {
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    @Test func aSlotIsTakenInTurn() async {
        let slots = OperationSlots(limit: 1)
        await slots.acquire()
        let order = Order()
        let waiter = Task { await slots.acquire(); await order.append("second") }
        // The waiter is in line: a broken lock would have let it through instead.
        #expect(await waitUntil(slots, hasWaiting: 1))
        await order.append("first")
        await slots.release()
        await waiter.value
        #expect(await order.items == ["first", "second"])
        #expect(await slots.waiting == 0)
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
        // The slot is taken once: a third operation waits in line (a double release would let it in).
        let third = Flag()
        let waiter = Task { await slots.acquire(); await third.set() }
        #expect(await waitUntil(slots, hasWaiting: 1))
        #expect(await third.value == false)
        await slots.release()
        await waiter.value
        #expect(await third.value)
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
