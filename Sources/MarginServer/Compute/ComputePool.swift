import CThreadPlacement
import Foundation
import MarginEngine
import Synchronization

/// The threads the service's computations run on (``ComputeLimits/threads``), each at a lower scheduling priority
/// (nice + ``niceIncrement``) than the engine's writer thread and the threads serving requests, so that a burst of
/// costly computations takes only CPU the engine and `/healthz` leave: work waits in a FIFO of at most
/// ``ComputeLimits/queueLimit`` jobs. One pool per thread count per process (``shared(threads:)``): computations
/// share the machine's CPUs whichever server asks, and the threads live as long as the process.
final class ComputePool: Sendable {
    /// How much lower the pool's threads run (nice value increment).
    static let niceIncrement: Int32 = 10

    private let queue = Mutex(JobFIFO<@Sendable () -> Void>())
    /// The pool's threads (``isCurrent``).
    private let threads = Mutex<[pthread_t]>([])
    private let bell = DispatchSemaphore(value: 0)
    private static let pools = Mutex<[Int: ComputePool]>([:])

    private init(threads: Int) {
        for i in 0..<threads {
            let thread = Thread { [self] in run() }
            thread.name = "margin-calc-\(i)"  // pthread names: at most 15 bytes
            thread.start()
        }
    }

    /// The process's pool of `threads` threads (at least 1), started on first use.
    static func shared(threads: Int) -> ComputePool {
        let n = max(1, threads)
        return pools.withLock { p in
            if let pool = p[n] { return pool }
            let pool = ComputePool(threads: n)
            p[n] = pool
            return pool
        }
    }

    /// Runs `body` on a pool thread and returns its result, or `nil` at once when `queueLimit` jobs already wait
    /// (the caller answers 503).
    func run<T: Sendable>(queueLimit: Int, _ body: @escaping @Sendable () throws -> T) async throws -> T? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T?, any Error>) in
            let queued = queue.withLock { q -> Bool in
                guard q.count < max(1, queueLimit) else { return false }
                q.append {
                    do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
                }
                return true
            }
            if queued { bell.signal() } else { c.resume(returning: nil) }
        }
    }

    /// Jobs waiting for a thread.
    var waiting: Int { queue.withLock { $0.count } }

    /// Whether the calling thread is one of the pool's.
    var isCurrent: Bool { threads.withLock { $0.contains { pthread_equal($0, pthread_self()) != 0 } } }

    private func run() {
        threads.withLock { $0.append(pthread_self()) }
        _ = tp_lower_priority(Self.niceIncrement)
        while true {
            bell.wait()
            queue.withLock { $0.next() }?()
        }
    }
}
