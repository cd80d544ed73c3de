import Synchronization

/// A FIFO mutual-exclusion lock for async code: ``enter()`` suspends (never blocks a thread) until the gate is
/// free. Guards a resource whose operations span several awaits (a PostgreSQL transaction on one connection).
final class AsyncGate: Sendable {
    private struct State {
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// Waits for the gate, then holds it until ``leave()``.
    nonisolated(nonsending) func enter() async {
        let entered = state.withLock { s -> Bool in
            guard !s.held else { return false }
            s.held = true
            return true
        }
        if entered { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                guard s.held else {
                    s.held = true
                    return true
                }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Hands the gate to the next waiter (or frees it).
    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiting.isEmpty else {
                s.held = false
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
