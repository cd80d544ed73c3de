import MarginLedger
import Foundation
import Synchronization

/// One account's margin as of a journal sequence, as published to its watchers.
public struct AccountUpdate: Hashable, Sendable {
    public var account: String
    /// The journal sequence the margin is as of.
    public var sequence: UInt64
    public var margin: AccountMargin
}

/// Per-account change feeds (``RiskEngine/watch(account:)``): after every commit the driver reads the margin of
/// each watched account (O(watched accounts), a dictionary lookup each; nothing when nobody watches) and yields it
/// to its watchers when it changed. Each watcher's stream buffers only the newest update: a slow consumer is
/// conflated (it skips to the latest margin) and never holds the engine up.
final class AccountWatchers: Sendable {
    private struct Watcher {
        var continuation: AsyncStream<AccountUpdate>.Continuation
    }

    private struct Table {
        var watchers: [String: [Int: Watcher]] = [:]
        var last: [String: AccountMargin] = [:]
        var next = 0
    }

    private let table = Mutex(Table())
    private let count = Atomic<Int>(0)

    /// Registers a watcher of `account`, starting with `current` when known.
    func watch(_ account: String, current: AccountUpdate?) -> AsyncStream<AccountUpdate> {
        let (stream, continuation) = AsyncStream.makeStream(of: AccountUpdate.self, bufferingPolicy: .bufferingNewest(1))
        let id = table.withLock { t in
            let id = t.next
            t.next += 1
            t.watchers[account, default: [:]][id] = Watcher(continuation: continuation)
            if let current { t.last[account] = current.margin }
            return id
        }
        count.add(1, ordering: .relaxed)
        if let current { continuation.yield(current) }
        continuation.onTermination = { [weak self] _ in self?.remove(account, id) }
        return stream
    }

    private func remove(_ account: String, _ id: Int) {
        let removed = table.withLock { t -> Bool in
            guard t.watchers[account]?.removeValue(forKey: id) != nil else { return false }
            if t.watchers[account]?.isEmpty == true {
                t.watchers[account] = nil
                t.last[account] = nil
            }
            return true
        }
        if removed { count.subtract(1, ordering: .relaxed) }
    }

    /// Publishes the watched accounts whose margin changed (called by the driver after a commit).
    func publish(from core: EngineCore) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        let sequence = core.state.sequence
        table.withLock { t in
            for (account, watchers) in t.watchers {
                guard let margin = core.margin(of: account), t.last[account] != margin else { continue }
                t.last[account] = margin
                let update = AccountUpdate(account: account, sequence: sequence, margin: margin)
                for w in watchers.values { w.continuation.yield(update) }
            }
        }
    }

    /// Ends every feed (the engine shuts down).
    func finishAll() {
        let all = table.withLock { t -> [Watcher] in
            defer { t.watchers = [:]; t.last = [:] }
            return t.watchers.values.flatMap { $0.values }
        }
        for w in all { w.continuation.finish() }
    }
}

extension RiskEngine {
    /// The margin of `account` as it changes: the current one first (when the account exists), then each change
    /// after a commit, conflated (the stream keeps only the newest update: a slow consumer skips to the latest).
    /// Ends when the engine shuts down or the consumer stops iterating.
    public func watch(account: String) async -> AsyncStream<AccountUpdate> {
        await untilDurable()
        let sequence = core.state.sequence
        let current = core.margin(of: account).map { AccountUpdate(account: account, sequence: sequence, margin: $0) }
        return watchers.watch(account, current: current)
    }
}
