import MarginLedger
import Foundation

/// Where the engine is in its life, for a readiness probe (`/readyz`) and the status line: only ``ready``
/// acknowledges events.
///
/// ```
///   recovering ──open──▶ ready ──append fails──▶ faulted ──journal resolved──▶ ready
///        │                 │                        │
///        └─fails─▶ (open throws)                    └─policy stop, retries exhausted, fatal─▶ stopped(fault)
///                          └────────────close─────────────────────────────────────────────▶ stopped(nil)
/// ```
public enum EngineStatus: Hashable, Sendable, CustomStringConvertible {
    /// Loading the latest snapshot and replaying the journal after it.
    case recovering
    /// Acknowledging events.
    case ready
    /// The journal could not append: nothing is acknowledged (submits fail fast with the fault), and the engine
    /// retries with backoff (``StorageFaultPolicy/retry(_:)``).
    case faulted(StorageFault)
    /// Terminal: stopped on a storage fault (`fault` non-nil: ``StorageFaultPolicy/stop``, retries exhausted, or a
    /// fatal divergence such as another writer), or closed (`nil`).
    case stopped(StorageFault?)

    /// Whether the engine acknowledges events (a readiness probe's answer).
    public var isReady: Bool { self == .ready }

    /// The storage fault the engine is in or stopped on, if any.
    public var fault: StorageFault? {
        switch self {
        case .faulted(let f): return f
        case .stopped(let f): return f
        case .recovering, .ready: return nil
        }
    }

    /// `ready`, `recovering`, `faulted for 2.1 s (retry 3): <reason>`, `stopped: <reason>` or `stopped`.
    public var description: String {
        switch self {
        case .recovering: return "recovering"
        case .ready: return "ready"
        case .faulted(let f):
            let age = String(format: "%.1f", max(0, Date().timeIntervalSince(f.since)))
            return "faulted for \(age) s (retry \(f.attempts)): \(f.reason)"
        case .stopped(let f?): return "stopped on a storage fault: \(f.reason)"
        case .stopped(nil): return "stopped"
        }
    }
}

/// A storage fault the engine is in (or stopped on).
public struct StorageFault: Hashable, Sendable {
    /// What failed, as the store reported it (`sqlite append: … database or disk is full`).
    public var reason: String
    /// When the first failure of this fault happened (wall clock).
    public var since: Date
    /// Retries made so far (0 right after the failure).
    public var attempts: Int

    public init(reason: String, since: Date = Date(), attempts: Int = 0) {
        self.reason = reason
        self.since = since
        self.attempts = attempts
    }
}

/// What the engine does after a journal append failed (see ``EngineStatus``). The default is `.retry()`: 50 ms
/// doubling up to 5 s, until the fault clears.
public enum StorageFaultPolicy: Hashable, Sendable {
    /// Stop: the engine checks once whether the failed batch is in the journal anyway (an ambiguous commit),
    /// answers its submitter accordingly, and stops for good (``EngineStatus/stopped(_:)``).
    case stop
    /// Retry with exponential backoff until the journal takes the batch (or `backoff.attempts` run out): each
    /// attempt first reads the journal's last sequence, commits the batch if it is already there, appends it
    /// again if the journal still ends before it, and stops on anything else (another writer).
    case retry(Backoff = Backoff())
}

/// Exponential backoff: `initial`, `initial × multiplier`, … capped at `maximum`.
public struct Backoff: Hashable, Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Retries before giving up and stopping (`nil`: until the fault clears or the engine is closed).
    public var attempts: Int?

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5), multiplier: Double = 2,
                attempts: Int? = nil) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.multiplier = max(1, multiplier)
        self.attempts = attempts.map { max(0, $0) }
    }

    /// The wait before retry number `attempt` (1-based).
    public func delay(attempt: Int) -> Duration {
        let seconds = initial.seconds * pow(multiplier, Double(max(0, attempt - 1)))
        return seconds >= maximum.seconds ? maximum : .nanoseconds(Int64(seconds * 1e9))
    }
}
