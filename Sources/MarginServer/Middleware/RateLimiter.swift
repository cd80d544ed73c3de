import Foundation
import Synchronization

/// Per-key token buckets (``RateLimit``): `take` answers `nil` when the request may go, or the seconds until the
/// bucket holds enough credits (the `Retry-After`). Buckets are in memory (a restart refills them).
final class RateLimiter: Sendable {
    private struct Bucket {
        var credits: Double
        var updated: ContinuousClock.Instant
    }

    private let limit: RateLimit
    private let buckets = Mutex<[String: Bucket]>([:])

    init(_ limit: RateLimit) { self.limit = limit }

    /// Takes `cost` credits from `key`'s bucket, or tells how long to wait.
    func take(_ cost: Double, key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { b in
            var bucket = b[key] ?? Bucket(credits: limit.burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.attoseconds) / 1e18
                + Double((now - bucket.updated).components.seconds)
            bucket.credits = min(limit.burst, bucket.credits + max(0, elapsed) * limit.creditsPerSecond)
            bucket.updated = now
            defer { b[key] = bucket }
            guard bucket.credits >= cost else {
                return limit.creditsPerSecond > 0 ? (cost - bucket.credits) / limit.creditsPerSecond : 3_600
            }
            bucket.credits -= cost
            return nil
        }
    }
}
