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

    /// Buckets held at most before the full ones (a client quiet long enough) are dropped.
    static let maxBuckets = 100_000

    init(_ limit: RateLimit) { self.limit = limit }

    private func prune(_ b: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = limit.creditsPerSecond > 0 ? limit.burst / limit.creditsPerSecond : 3_600
        b = b.filter { now - $0.value.updated < .seconds(refill) }
    }

    /// Takes `cost` credits from `key`'s bucket, or tells how long to wait.
    func take(_ cost: Double, key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { b in
            var bucket = b[key] ?? Bucket(credits: limit.burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.attoseconds) / 1e18
                + Double((now - bucket.updated).components.seconds)
            bucket.credits = min(limit.burst, bucket.credits + max(0, elapsed) * limit.creditsPerSecond)
            bucket.updated = now
            defer {
                b[key] = bucket
                if b.count > Self.maxBuckets { prune(&b, now: now) }
            }
            guard bucket.credits >= cost else {
                return limit.creditsPerSecond > 0 ? (cost - bucket.credits) / limit.creditsPerSecond : 3_600
            }
            bucket.credits -= cost
            return nil
        }
    }
}
