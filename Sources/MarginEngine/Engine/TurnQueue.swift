/// The engine's FIFO of turns: exactly one operation holds the turn (an actor is re-entrant across `await`, so
/// without it a second submit could validate against a state the first has not committed yet); the others wait in
/// arrival order. Owned and mutated by ``RiskEngine`` on its thread only; it never suspends itself (the engine
/// suspends in `withCheckedContinuation` and hands the continuation here).
///
/// A waiter is *refusable* when it acknowledges events (a submit): those are refused at once when the operation in
/// flight faults (``refuseRefusable()``), since the engine stops acknowledging then.
struct TurnQueue {
    typealias Waiter = CheckedContinuation<Bool, Never>

    private var taken = false
    private var waiting: [(continuation: Waiter, refusable: Bool)] = []
    private var head = 0

    /// Whether a turn is held.
    var isTaken: Bool { taken }
    /// Operations waiting for the turn.
    var waitingCount: Int { waiting.count - head }

    /// Takes the turn if it is free (`true`); otherwise the caller waits (``enqueue(_:refusable:)``).
    mutating func tryTake() -> Bool {
        guard !taken else { return false }
        taken = true
        return true
    }

    /// Queues a waiter; it is resumed with `true` holding the turn, or `false` when refused.
    mutating func enqueue(_ waiter: Waiter, refusable: Bool) {
        assert(taken, "TurnQueue: a waiter queued while the turn is free")
        waiting.append((waiter, refusable))
    }

    /// Releases the turn: the next waiter (to resume with `true`, holding the turn), or `nil` and the turn free.
    mutating func pass() -> Waiter? {
        assert(taken, "TurnQueue: passing a turn nobody holds")
        guard head < waiting.count else {
            taken = false
            return nil
        }
        let next = waiting[head].continuation
        head += 1
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        }
        return next
    }

    /// Removes every refusable waiter (to resume with `false`); the others keep their place.
    mutating func refuseRefusable() -> [Waiter] {
        let pending = waiting[head...]
        waiting = pending.filter { !$0.refusable }
        head = 0
        return pending.filter(\.refusable).map(\.continuation)
    }
}
