/// The `-parallelism` limit: at most `limit` operations make calls at once.
///
/// An operation waiting for instances to change state gives its slot back while it waits: the
/// shared waiter polls for all of them with one call, so the wait costs nothing the limit is there
/// to bound. With real EC2, where an instance takes half a minute to boot, a hundred instances at
/// parallelism 10 then boot together instead of in ten consecutive waves.
actor OperationSlots {
    /// The slot of the operation running in this task, if it runs under a limit.
    @TaskLocal static var current: Holder?

    /// One operation's slot: whether it holds it now.
    final class Holder: @unchecked Sendable {
        // Touched only by the operation's own task, one step at a time.
        let slots: OperationSlots
        var held = true
        init(_ slots: OperationSlots) { self.slots = slots }

        /// Gives the slot back at the end of the operation, unless it already has.
        func finish() async {
            if held { await slots.release() }
            held = false
        }
    }

    let limit: Int
    private var used = 0
    private var queue: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// How many operations wait in line for a slot.
    var waiting: Int { queue.count }

    /// True when no operation holds a slot or waits for one: every operation under way is waiting
    /// on something else (an instance's state, a shared call).
    var isIdle: Bool { used == 0 && queue.isEmpty }

    /// Takes a slot, waiting in line for one when all are taken.
    func acquire() async {
        if used < limit {
            used += 1
            return
        }
        await withCheckedContinuation { queue.append($0) }
    }

    func release() {
        if queue.isEmpty {
            used -= 1
        } else {
            queue.removeFirst().resume()
        }
    }

    /// Runs `body` without holding the current task's slot, and takes one again afterwards
    /// unless `reacquire` is false: the operation's last wait has nothing to call after it.
    static func released<T: Sendable>(reacquire: Bool = true, _ body: () async throws -> T) async throws -> T {
        guard let holder = current, holder.held else { return try await body() }
        holder.held = false
        await holder.slots.release()
        // An error ends the operation, which then has nothing more to call: no slot needed.
        let value = try await body()
        if reacquire {
            await holder.slots.acquire()
            holder.held = true
        }
        return value
    }
}
