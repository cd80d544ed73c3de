import Foundation
import Synchronization

/// The computations of each API key running or waiting now, bounded by ``ComputeLimits/perKeyConcurrency``.
final class ComputeAdmission: Sendable {
    private let running = Mutex<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    /// Admits one more computation of `key`, or answers `false` when it has ``limit`` already.
    func admit(_ key: String) -> Bool {
        running.withLock { r in
            let n = r[key] ?? 0
            guard n < limit else { return false }
            r[key] = n + 1
            return true
        }
    }

    /// Ends one computation of `key`.
    func release(_ key: String) {
        running.withLock { r in
            let n = (r[key] ?? 1) - 1
            r[key] = n > 0 ? n : nil
        }
    }

    /// How many computations `key` has now.
    func count(_ key: String) -> Int { running.withLock { $0[key] ?? 0 } }
}
