import MarginLedger
import Foundation
import Synchronization

/// The serial executor ``RiskEngine`` runs on: one dedicated thread, so that the engine's CPU-heavy work
/// (re-margining passes of 10–25 ms over 100,000 accounts, recovery, snapshot encoding on the writer) never
/// occupies a thread of Swift's cooperative pool, which a server's request handlers share (two threads on the
/// two-core machines).
///
/// Jobs run in the order they are enqueued, one at a time. The thread sleeps on a semaphore when there is nothing
/// to run and exits once ``finish()`` was called and the queue is empty (the engine calls it when it is
/// deinitialized: no job can be enqueued on an actor that no longer exists).
final class EngineThread: SerialExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `thread` are guarded by their Mutex; `bell` is thread-safe.
    private struct Queue {
        var jobs = JobFIFO<UnownedJob>()
        var finished = false
    }
    private let queue = Mutex(Queue())
    private let bell = DispatchSemaphore(value: 0)
    private let thread = Mutex<pthread_t?>(nil)

    init(name: String = "margin-engine") {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.jobs.append(job) }
        bell.signal()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Traps unless called on the engine's thread (the runtime's check behind `assumeIsolated`).
    func checkIsolated() {
        precondition(isCurrent, "not on the engine's thread")
    }

    /// Whether the calling thread is the engine's.
    var isCurrent: Bool {
        guard let t = thread.withLock({ $0 }) else { return false }
        return pthread_equal(t, pthread_self()) != 0
    }

    /// Lets the thread exit once its queue is empty.
    func finish() {
        queue.withLock { $0.finished = true }
        bell.signal()
    }

    private func run() {
        thread.withLock { $0 = pthread_self() }
        while true {
            bell.wait()
            let next: UnownedJob?? = queue.withLock { q in
                guard let job = q.jobs.next() else { return q.finished ? .some(nil) : nil }
                return job
            }
            switch next {
            case .some(let job?): job.runSynchronously(on: asUnownedSerialExecutor())
            case .some(nil): return
            case nil: continue
            }
        }
    }
}
