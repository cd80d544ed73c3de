import MarginLedger
import CThreadPlacement
import Foundation
import Synchronization

/// The re-margining pass's second thread: it shares the parallel parts of a pass (pricing stale instrument arrays,
/// the full sweep) with the writer on the machine's other core.
///
/// Waking a sleeping thread costs tens of microseconds, a large part of the 1 ms budget for the accounts nearest
/// liquidation. So the writer calls ``prime()`` as soon as an event arrives (before validation and the journal
/// append); the helper then spins for up to ``spin`` waiting for work, and goes back to sleep when none comes. A
/// ``run(parts:_:)`` splits a job into numbered parts that the writer and the helper take from one atomic ticket
/// counter; the writer always takes parts too, so a job completes even if the helper never wakes (the result does
/// not depend on who ran which part: every part writes disjoint memory).
///
/// Tickets carry the job's generation in their upper 32 bits, so a helper that is late for one job can never take
/// a part of the next one.
///
/// The helper is kept off the writer's CPU (``prime()``): woken from the writer, the scheduler would otherwise often
/// queue it on the writer's own CPU, where it runs only when the writer stops, so the pass ran on one core (measured
/// on the breach benchmark: the helper took no part in 6 of 10 passes).
final class PassHelper: Sendable {
    /// How long the helper spins for work after ``prime()`` or its last part before sleeping.
    let spin: Duration

    private struct Job: @unchecked Sendable {
        let generation: Int
        let parts: Int
        /// Runs part `i` on worker `w` (called only with a ticket of this generation, so never after the job
        /// completed).
        let body: @Sendable (_ part: Int, _ worker: Int) -> Void
    }

    private let posted = Atomic<Int>(0)          // generation of the latest job
    private let tickets = Atomic<Int>(0)         // generation << 32 | next part
    private let finished = Atomic<Int>(0)        // parts of the current job finished
    private let deadline = Atomic<Int64>(0)      // spin until (ns on `clock`)
    private let sleeping = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let job = Mutex<Job?>(nil)
    private let bell = DispatchSemaphore(value: 0)
    /// The helper's thread (set when it starts) and the CPU it was last kept off (−1: none yet).
    private let thread = Mutex<pthread_t?>(nil)
    private let keptOff = Atomic<Int>(-1)
    private let clock = ContinuousClock()
    private let origin = ContinuousClock.now

    /// Starts the helper thread (sleeping until the first ``prime()``).
    init(spin: Duration = .milliseconds(3)) {
        self.spin = spin
        let thread = Thread { [self] in loop() }
        thread.name = "margin-pass-helper"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    /// Stops the thread (it exits at its next wake-up).
    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        bell.signal()
    }

    /// Wakes the helper (if asleep) and keeps it spinning for ``spin``: call when an event arrives, from the
    /// writer's thread. First keeps the helper off the CPU the writer runs on (one system call when the writer has
    /// moved since the last time), so that the two run in parallel.
    func prime() {
        deadline.store(now() + nanoseconds(spin), ordering: .sequentiallyConsistent)
        keepOffCallersCPU()
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { bell.signal() }
    }

    /// Restricts the helper's thread to the process's CPUs except the caller's (nothing on one CPU, or off Linux).
    private func keepOffCallersCPU() {
        let cpu = Int(tp_current_cpu())
        guard cpu >= 0, cpu != keptOff.load(ordering: .relaxed), let t = thread.withLock({ $0 }) else { return }
        if tp_place_away(UInt(t), Int32(cpu)) == 0 { keptOff.store(cpu, ordering: .relaxed) }
    }

    /// Lets the helper go back to sleep now instead of spinning out ``spin``: call when the pass is over and the
    /// writer goes on alone (health events, liquidation follow-ups), so that the helper's spin does not take the
    /// core that the writer's subscribers (and other threads) need. The next ``prime()`` wakes it again.
    func relax() {
        deadline.store(0, ordering: .sequentiallyConsistent)
    }

    /// Runs `body(part, worker)` for every part in `0 ..< parts` on the writer (worker 0) and, if awake, the helper
    /// (worker 1); returns when every part has finished. Parts are handed out one at a time, so the faster thread
    /// takes more of them and the writer never waits for more than the part the helper is running: many small
    /// parts keep a slow or descheduled helper from holding the writer up. Parts must write disjoint memory (the
    /// worker index is for per-thread scratch); `body` may capture pointers valid for the duration of this call.
    /// - Returns: how many of the parts the helper ran.
    @discardableResult
    func run(parts: Int, _ body: @escaping @Sendable (_ part: Int, _ worker: Int) -> Void) -> Int {
        guard parts > 0 else { return 0 }
        let generation = posted.load(ordering: .relaxed) &+ 1
        finished.store(0, ordering: .relaxed)
        job.withLock { $0 = Job(generation: generation, parts: parts, body: body) }
        tickets.store(generation << 32, ordering: .releasing)
        posted.store(generation, ordering: .releasing)
        prime()
        var mine = 0
        while let part = take(generation, parts) {
            body(part, 0)
            mine += 1
            finished.add(1, ordering: .releasing)
        }
        // The helper may still be running its last part.
        while finished.load(ordering: .acquiring) < parts { spinPause() }
        job.withLock { $0 = nil }
        return parts - mine
    }

    /// The next part of job `generation`, or `nil` when all are taken (or a newer job was posted).
    private func take(_ generation: Int, _ parts: Int) -> Int? {
        var current = tickets.load(ordering: .acquiring)
        while current >> 32 == generation && current & 0xFFFF_FFFF < parts {
            let (exchanged, original) = tickets.compareExchange(expected: current, desired: current + 1,
                                                                 ordering: .acquiringAndReleasing)
            if exchanged { return current & 0xFFFF_FFFF }
            current = original
        }
        return nil
    }

    private func loop() {
        thread.withLock { $0 = pthread_self() }
        var seen = 0
        while !stopped.load(ordering: .sequentiallyConsistent) {
            // Spin while primed, taking parts of any new job.
            while now() < deadline.load(ordering: .sequentiallyConsistent) {
                let generation = posted.load(ordering: .acquiring)
                if generation != seen, let current = job.withLock({ $0 }), current.generation == generation {
                    seen = generation
                    while let part = take(generation, current.parts) {
                        current.body(part, 1)
                        finished.add(1, ordering: .releasing)
                    }
                    // Keep spinning for the next job, unless the writer has relaxed the helper meanwhile (0).
                    var until = deadline.load(ordering: .sequentiallyConsistent)
                    while until != 0 {
                        let (exchanged, observed) = deadline.compareExchange(
                            expected: until, desired: max(until, now() + nanoseconds(spin)),
                            ordering: .sequentiallyConsistent)
                        if exchanged { break }
                        until = observed
                    }
                } else {
                    spinPause()
                }
                if stopped.load(ordering: .relaxed) { return }
            }
            // Sleep, unless a prime raced in (then either we clear the flag ourselves, or the writer did and its
            // signal is pending: consume it).
            sleeping.store(true, ordering: .sequentiallyConsistent)
            if now() < deadline.load(ordering: .sequentiallyConsistent) {
                if sleeping.exchange(false, ordering: .sequentiallyConsistent) { continue }
            }
            bell.wait()
        }
    }

    private func now() -> Int64 { nanoseconds(origin.duration(to: clock.now)) }

    private func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds &* 1_000_000_000 &+ d.components.attoseconds / 1_000_000_000
    }

    /// One wait of a spin: a short busy pause, then `sched_yield`, so that a spinning thread that the scheduler
    /// put on the same core as the thread it waits for (the writer woke the helper there, or the helper runs the
    /// writer's last part) hands the core over instead of holding it for its time slice (milliseconds: the
    /// latency the spin exists to avoid). Alone on its core, the yield returns at once.
    @inline(__always)
    private func spinPause() {
        for _ in 0..<32 { _ = stopped.load(ordering: .relaxed) }
        sched_yield()
    }
}
