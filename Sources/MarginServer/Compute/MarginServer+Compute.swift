import Foundation
import HTTPTypes
import Hummingbird

extension MarginServer {
    /// Runs one computation of the caller's under ``ComputeLimits``: takes the credits its `units` of work cost
    /// (429 `rate_limited`), admits it among the key's computations (429 `too_many_computations`), and runs `body` on
    /// the compute pool (503 `busy` when its queue is full).
    ///
    /// - Parameter units: the work: legs plus positions (a backtest: rows × legs / 100).
    func compute<T: Sendable>(_ context: Context, units: Int, _ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        let caller = try context.caller
        let limits = configuration.compute
        let credits = (Double(max(0, units)) / 100).rounded(.up) * limits.creditsPerHundredUnits
        if credits > 0, let wait = limiter.take(credits, key: caller.keyID) {
            throw APIError(.tooManyRequests, "rate_limited",
                           "this computation costs \(Int(credits)) more credits (\(units) units of work) than the "
                               + "key holds", headers: [.retryAfter: "\(max(1, Int(wait.rounded(.up))))"])
        }
        guard computeAdmission.admit(caller.keyID) else {
            throw APIError(.tooManyRequests, "too_many_computations",
                           "this key already runs \(computeAdmission.limit) computations (the limit per key)",
                           headers: [.retryAfter: "1"])
        }
        defer { computeAdmission.release(caller.keyID) }
        guard let result = try await computePool.run(queueLimit: limits.queueLimit, body) else {
            throw APIError(.serviceUnavailable, "busy",
                           "\(limits.queueLimit) computations are waiting already", headers: [.retryAfter: "1"])
        }
        return result
    }

    /// Refuses a request whose `count` of `what` exceeds `limit` (422 `limit_exceeded`, naming the limit).
    static func checkLimit(_ count: Int, _ limit: Int, what: String, field: String) throws(APIError) {
        guard count <= limit else {
            throw APIError(.unprocessableContent, "limit_exceeded",
                           "\(count) \(what): at most \(limit) per request", field: field)
        }
    }
}
