import CoreMetrics
import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import Synchronization

/// One WebSocket subscriber's outbox: discrete events (health transitions, liquidation events) in a bounded queue,
/// and the account's margin conflated to the latest. Producers never wait: a margin update replaces an unsent one
/// (counted, and reported in the next margin message as `"conflated"`); an event beyond the queue's bound marks
/// the client as too slow, and its writer sends a notice and closes the connection. The engine is never held up.
/// Revoking the client's API key (``revoke()``) makes its writer close the connection at once (code 4401).
final class StreamClient: Sendable {
    /// `nil`: every account's health transitions (admins and viewers).
    let account: String?
    /// The id of the API key that opened the stream.
    let keyID: String
    private let capacity: Int
    private let doorbell: AsyncStream<Void>.Continuation
    let wakeups: AsyncStream<Void>

    private struct Outbox {
        var events: [JSONValue] = []
        var margin: JSONValue?
        var conflated = 0
        var overflowed = false
        var revoked = false
        var finished = false
    }

    private let outbox = Mutex(Outbox())

    init(account: String?, keyID: String, capacity: Int) {
        self.account = account
        self.keyID = keyID
        self.capacity = capacity
        (wakeups, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a discrete event (or marks the client too slow).
    func push(_ event: JSONValue) {
        outbox.withLock { o in
            guard !o.overflowed, !o.finished else { return }
            if o.events.count >= capacity { o.overflowed = true } else { o.events.append(event) }
        }
        doorbell.yield()
    }

    /// Sets the latest margin (replacing an unsent one).
    func setMargin(_ message: JSONValue) {
        outbox.withLock { o in
            if o.margin != nil { o.conflated += 1 }
            o.margin = message
        }
        doorbell.yield()
    }

    /// Marks the client's key revoked: its writer closes the connection (4401) at its next wake-up, which this is.
    func revoke() {
        outbox.withLock { $0.revoked = true }
        doorbell.yield()
    }

    /// What to write now: queued events, the latest margin with how many were conflated, whether the client
    /// fell too far behind, and whether its key was revoked (nothing more is written then).
    func take() -> (events: [JSONValue], margin: JSONValue?, conflated: Int, overflowed: Bool, revoked: Bool) {
        outbox.withLock { o in
            defer {
                o.events = []
                o.margin = nil
                o.conflated = 0
            }
            return (o.events, o.margin, o.conflated, o.overflowed, o.revoked)
        }
    }

    /// Ends the writer loop.
    func finish() {
        outbox.withLock { $0.finished = true }
        doorbell.finish()
    }
}

/// Fans the engine's health transitions (and, once they exist, liquidation events) out to the stream clients:
/// one subscription to the engine, a bounded outbox per client.
final class StreamHub: Sendable {
    private let clients = Mutex<[ObjectIdentifier: StreamClient]>([:])
    private let metrics: ServiceMetrics

    init(metrics: ServiceMetrics) { self.metrics = metrics }

    func add(_ client: StreamClient) {
        let n = clients.withLock { c in
            c[ObjectIdentifier(client)] = client
            return c.count
        }
        metrics.gauge("margin_stream_clients").record(n)
    }

    func remove(_ client: StreamClient) {
        let n = clients.withLock { c in
            c[ObjectIdentifier(client)] = nil
            return c.count
        }
        metrics.gauge("margin_stream_clients").record(n)
    }

    /// Publishes an event about `accounts` to the clients of those accounts and to the all-accounts clients
    /// (every client once).
    func publish(_ event: JSONValue, accounts: [String]) {
        let targets = clients.withLock { c in
            c.values.filter { client in client.account.map { accounts.contains($0) } ?? true }
        }
        for t in targets { t.push(event) }
    }

    /// Consumes the engine's health transitions and liquidation notices (margin calls, liquidation steps and
    /// ends, takeovers, deleveraging, alerts) until the engine shuts down or the task is cancelled.
    func run(engine: RiskEngine) async {
        let changes = await engine.healthChanges()
        let notices = await engine.liquidationNotices()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await change in changes {
                    self.publish(StreamMessage.health(change), accounts: [change.account])
                }
            }
            group.addTask {
                for await notice in notices {
                    self.publish(StreamMessage.liquidation(notice), accounts: notice.accounts)
                }
            }
        }
    }

    /// Revokes every client opened with the key `keyID` (``StreamClient/revoke()``).
    func revoke(keyID: String) {
        let targets = clients.withLock { c in c.values.filter { $0.keyID == keyID } }
        for t in targets { t.revoke() }
    }

    func finishAll() {
        let all = clients.withLock { c in
            defer { c = [:] }
            return Array(c.values)
        }
        for c in all { c.finish() }
    }
}

/// The stream's messages (docs/SERVICE.md, "Streams").
enum StreamMessage {
    static func subscribed(account: String?, sequence: UInt64) -> JSONValue {
        .object([("type", .string("subscribed")), ("account", account.map(JSONValue.string) ?? .null),
                 ("sequence", .double(Double(sequence)))])
    }

    static func margin(_ u: AccountUpdate, conflated: Int = 0) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("type", .string("margin")), ("account", .string(u.account)), ("sequence", .double(Double(u.sequence))),
            ("equity", .finite(u.margin.equity)), ("initialMargin", .finite(u.margin.initialMargin)),
            ("maintenanceMargin", .finite(u.margin.maintenanceMargin)), ("health", .string(u.margin.health.rawValue)),
            ("riskAvailable", .bool(u.margin.isRiskAvailable)), ("conflated", .double(Double(conflated))),
        ]
        if let i = u.margin.unpricedInstrument { pairs.append(("unpricedInstrument", .string(i))) }
        return .object(pairs)
    }

    static func health(_ h: HealthChange) -> JSONValue {
        .object([("type", .string("health")), ("account", .string(h.account)), ("from", .string(h.from.rawValue)),
                 ("to", .string(h.to.rawValue)), ("equity", .finite(h.equity)),
                 ("maintenanceMargin", .finite(h.maintenanceMargin)), ("initialMargin", .finite(h.initialMargin))])
    }

    /// A liquidation action as journaled: `{"type": "liquidation", "kind": "marginCall" | …, "sequence", "event"}`.
    static func liquidation(_ n: LiquidationNotice) -> JSONValue {
        .object([("type", .string("liquidation")), ("kind", .string(n.kind)), ("sequence", .double(Double(n.sequence))),
                 ("accounts", .array(n.accounts.map(JSONValue.string))), ("event", n.event.json)])
    }

    static func notice(_ reason: String) -> JSONValue {
        .object([("type", .string("notice")), ("reason", .string(reason))])
    }
}

extension JSONValue {
    /// A margin message with its `conflated` count set.
    func settingConflated(_ n: Int) -> JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs.map { $0.key == "conflated" ? ($0.key, .double(Double(n))) : $0 })
    }
}
