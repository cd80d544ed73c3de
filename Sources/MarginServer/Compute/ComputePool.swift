import CThreadPlacement
import Foundation
import MarginEngine
import Synchronization

/// The threads the service's computations run on (``ComputeLimits/threads``), each at a lower scheduling priority
/// (nice + ``niceIncrement``) than the engine's writer thread and the threads serving requests, so that a burst of
/// costly computations takes only CPU the engine and `/healthz` leave: work waits in a FIFO of at most
/// ``ComputeLimits/queueLimit`` jobs. Each server has its own pool; ``finish()`` (the server's deinit) lets its
/// threads exit once the queue is empty.
final class ComputePool: Sendable {
    /// How much lower the pool's threads run (nice value increment).
    static let niceIncrement: Int32 = 5

    private struct Queue {
        var jobs = JobFIFO<@Sendable () -> Void>()
        var finished = false
    }

    private let queue = Mutex(Queue())
    private let threadCount: Int
    /// The pool's threads (``isCurrent``).
    private let threads = Mutex<[pthread_t]>([])
    private let bell = DispatchSemaphore(value: 0)

    /// Starts `threads` threads (at least 1).
    init(threads: Int) {
        threadCount = max(1, threads)
        for i in 0..<threadCount {
            let thread = Thread { [self] in run() }
            thread.name = "margin-calc-\(i)"  // pthread names: at most 15 bytes
            thread.start()
        }
    }

    /// Lets the threads exit once the queue is empty (idempotent); later jobs are refused.
    func finish() {
        let first = queue.withLock { q -> Bool in
            defer { q.finished = true }
            return !q.finished
        }
        if first { for _ in 0..<threadCount { bell.signal() } }
    }

    /// Runs `body` on a pool thread and returns its result, or `nil` at once when `queueLimit` jobs already wait
    /// (the caller answers 503).
    func run<T: Sendable>(queueLimit: Int, _ body: @escaping @Sendable () throws -> T) async throws -> T? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T?, any Error>) in
            let queued = queue.withLock { q -> Bool in
                guard q.jobs.count < max(1, queueLimit), !q.finished else { return false }
                q.jobs.append {
                    do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
                }
                return true
            }
            if queued { bell.signal() } else { c.resume(returning: nil) }
        }
    }

    /// Jobs waiting for a thread.
    var waiting: Int { queue.withLock { $0.jobs.count } }

    /// Whether the calling thread is one of the pool's.
    var isCurrent: Bool { threads.withLock { $0.contains { pthread_equal($0, pthread_self()) != 0 } } }

    private func run() {
        threads.withLock { $0.append(pthread_self()) }
        _ = tp_lower_priority(Self.niceIncrement)
        while true {
            bell.wait()
            let next: (@Sendable () -> Void)?? = queue.withLock { q in
                guard let job = q.jobs.next() else { return q.finished ? .some(nil) : nil }
                return job
            }
            switch next {
            case .some(let job?): job()
            case .some(nil): return
            case nil: continue
            }
        }
    }
}
