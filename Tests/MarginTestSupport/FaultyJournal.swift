import MarginEngine
import MarginLedger
import Synchronization

/// A ``JournalStore`` whose appends (and, optionally, reads) fail on demand: a full disk or a lost connection,
/// without one. Wraps an ``InMemoryJournal`` (``inner``), which holds what was really written.
///
/// ```swift
/// let journal = FaultyJournal()
/// journal.failAppends(after: 3)            // the 4th append and every later one fail…
/// journal.heal()                           // …until healed
/// journal.failNextAppend(.afterWrite)      // written, yet the call throws: an ambiguous commit
/// ```
public final class FaultyJournal: JournalStore {
    /// How an append fails.
    public enum Failure: Sendable {
        /// Nothing is written (a full disk, a refused connection).
        case beforeWrite
        /// The batch is written, then the call throws (the connection died after the commit).
        case afterWrite
    }

    private struct Plan {
        /// Appends that still succeed before failures start (`nil`: no failure planned).
        var successesLeft: Int?
        /// Fail only one append, then heal.
        var once = false
        var failure = Failure.beforeWrite
        var message = "disk full"
        /// Reads (last sequence, records) fail while appends fail.
        var reads = false
        var attempts = 0
        var failures = 0
        var delay: Duration?
    }
    private let plan = Mutex(Plan())
    /// What was really written.
    public let inner: InMemoryJournal

    public init(inner: InMemoryJournal = InMemoryJournal()) { self.inner = inner }

    /// From the `after + 1`-th append on, every append fails (and every read too if `reads`) until ``heal()``.
    public func failAppends(after: Int = 0, _ failure: Failure = .beforeWrite, message: String = "disk full",
                            reads: Bool = false) {
        plan.withLock { p in
            p.successesLeft = max(0, after)
            p.once = false
            p.failure = failure
            p.message = message
            p.reads = reads
        }
    }

    /// The next append fails once, then appends succeed again.
    public func failNextAppend(_ failure: Failure = .beforeWrite, message: String = "disk full") {
        plan.withLock { p in
            p.successesLeft = 0
            p.once = true
            p.failure = failure
            p.message = message
            p.reads = false
        }
    }

    /// Appends and reads succeed again.
    public func heal() { plan.withLock { $0.successesLeft = nil } }

    /// Appends attempted, and how many of them failed.
    public var appends: (attempts: Int, failures: Int) { plan.withLock { ($0.attempts, $0.failures) } }

    /// Whether appends currently fail.
    public var isFailing: Bool { plan.withLock { $0.successesLeft == 0 } }

    /// Every append first waits this long (a slow disk or server: the engine's actor is re-entrant meanwhile).
    public func delayAppends(by delay: Duration?) { plan.withLock { $0.delay = delay } }

    public nonisolated(nonsending) func append(_ records: [JournalRecord]) async throws(EngineError) {
        if let delay = plan.withLock({ $0.delay }) { try? await Task.sleep(for: delay) }
        let failure = plan.withLock { p -> (Failure, String)? in
            p.attempts += 1
            guard let left = p.successesLeft else { return nil }
            guard left == 0 else {
                p.successesLeft = left - 1
                return nil
            }
            p.failures += 1
            if p.once { p.successesLeft = nil }
            return (p.failure, p.message)
        }
        guard let (kind, message) = failure else {
            try inner.append(records)
            return
        }
        if kind == .afterWrite { try inner.append(records) }
        throw EngineError.storage(message)
    }

    public func records(after sequence: UInt64, limit: Int) throws(EngineError) -> [JournalRecord] {
        try checkReads()
        return try inner.records(after: sequence, limit: limit)
    }

    public func lastSequence() throws(EngineError) -> UInt64 {
        try checkReads()
        return try inner.lastSequence()
    }

    public func saveSnapshot(_ snapshot: SnapshotRecord) throws(EngineError) {
        try checkReads()
        try inner.saveSnapshot(snapshot)
    }

    public func latestSnapshot() throws(EngineError) -> SnapshotRecord? {
        try checkReads()
        return try inner.latestSnapshot()
    }

    private func checkReads() throws(EngineError) {
        if let message = plan.withLock({ $0.successesLeft == 0 && $0.reads ? $0.message : nil }) {
            throw EngineError.storage(message)
        }
    }
}
