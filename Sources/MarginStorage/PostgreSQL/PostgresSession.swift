import Foundation
import Logging
import MarginLedger
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One PostgreSQL connection that reconnects itself: operations run one at a time (``AsyncGate``), each on the
/// current connection, reconnecting first when it was lost (a terminated backend, a restarted server). A session
/// with a `lockKey` holds the journal's advisory lock (`pg_try_advisory_lock`, session level: the server releases
/// it when the connection ends) and takes it again on every reconnect; if another writer took it meanwhile, the
/// operation fails with ``EngineError/journalInUse(_:)``.
///
/// No backoff here: an operation makes at most one connection attempt (bounded by the connect timeout) and fails
/// with a storage error otherwise; the engine's ``StorageFaultPolicy`` paces the retries (exponential backoff),
/// so there is one retry loop, in one place. Every query is bounded by `timeout` (a server that stopped answering:
/// the connection is then closed) and fails as soon as its connection closes (postgres-nio leaves a query written
/// to a just-closed connection unanswered).
final class PostgresSession: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let id: Int
    private let lockKey: Int64?
    private let journal: String
    private let timeout: Duration
    private let logger: Logger
    private let gate = AsyncGate()
    private let current = Mutex<PostgresConnection?>(nil)
    private let closed = Atomic<Bool>(false)
    /// Connections opened after the first (reconnects).
    let reconnects = Atomic<Int>(0)
    private let connections = Atomic<Int>(0)

    init(configuration: PostgresConnection.Configuration, id: Int, lockKey: Int64?, journal: String,
         timeout: Duration, logger: Logger) {
        self.configuration = configuration
        self.id = id
        self.lockKey = lockKey
        self.journal = journal
        self.timeout = timeout
        self.logger = logger
    }

    deinit {
        if let c = current.withLock({ $0 }) { Self.drop(c) }
    }

    /// The connection an operation runs on: its queries fail as soon as the connection closes (postgres-nio
    /// never answers a query written to a connection that has just closed) or after the session's timeout.
    struct Link: Sendable {
        let connection: PostgresConnection
        let timeout: Duration
        let logger: Logger

        func query(_ query: PostgresQuery) async throws -> PostgresQueryResult {
            guard !connection.isClosed else { throw ConnectionLost() }
            let future: EventLoopFuture<PostgresQueryResult> = connection.query(query, logger: logger)
            return try await PostgresSession.within(timeout, future, unlessClosed: connection.closeFuture)
        }
    }

    /// The connection closed before the query's answer arrived.
    struct ConnectionLost: Error, CustomStringConvertible {
        var description: String { "the connection closed" }
    }

    /// Runs `body` on the connection (reconnecting first if it was lost), alone on it.
    nonisolated(nonsending) func run<T>(_ what: String, _ body: (Link) async throws -> T)
        async throws(EngineError) -> T
    {
        await gate.enter()
        defer { gate.leave() }
        guard !closed.load(ordering: .acquiring) else { throw EngineError.storage("postgres: the store is closed") }
        let connection = try await connected()
        do {
            return try await body(Link(connection: connection, timeout: timeout, logger: logger))
        } catch let error as EngineError {
            throw error
        } catch {
            if error is TimedOut {
                // The connection's state is unknown: close it, the next operation reconnects.
                Self.drop(connection)
                throw EngineError.storage("postgres \(what): \(error) (connection closed)")
            }
            if connection.isClosed {
                throw EngineError.storage("postgres \(what): connection lost (\(Self.describe(error)))")
            }
            throw EngineError.storage("postgres \(what): \(Self.describe(error))")
        }
    }

    /// Closes the connection (releasing the advisory lock); later operations fail.
    nonisolated(nonsending) func close() async {
        await gate.enter()
        defer { gate.leave() }
        closed.store(true, ordering: .releasing)
        if let c = current.withLock({ c -> PostgresConnection? in defer { c = nil }; return c }) {
            // Release the advisory lock explicitly: the server ends a closed session a little later, and a writer
            // opening right after this returns must find the journal free.
            if let key = lockKey, !c.isClosed {
                var binds = PostgresBindings()
                binds.append(key)
                _ = try? await Link(connection: c, timeout: timeout, logger: logger)
                    .query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock($1)", binds: binds))
            }
            let closing: EventLoopFuture<Void> = c.close()
            try? await closing.get()
        }
    }

    /// The current connection's server process id (tests terminate it to simulate a lost connection).
    nonisolated(nonsending) func backendPID() async throws(EngineError) -> Int32 {
        try await run("backend pid") { link in
            try await link.query("SELECT pg_backend_pid()").first?.decode(Int32.self) ?? 0
        }
    }

    private nonisolated(nonsending) func connected() async throws(EngineError) -> PostgresConnection {
        if let c = current.withLock({ $0 }) {
            if !c.isClosed { return c }
            current.withLock { $0 = nil }
        }
        let c: PostgresConnection
        let connecting: EventLoopFuture<PostgresConnection> = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger)
        do {
            c = try await Self.within(timeout, connecting)
        } catch {
            // A connection that completes after the deadline is closed at once.
            connecting.whenSuccess { Self.drop($0) }
            throw EngineError.storage("postgres connect: \(Self.describe(error))")
        }
        if let key = lockKey {
            let locked: Bool
            do {
                var binds = PostgresBindings()
                binds.append(key)
                let rows = try await Link(connection: c, timeout: timeout, logger: logger)
                    .query(PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock($1)", binds: binds))
                locked = try rows.first?.decode(Bool.self) ?? false
            } catch {
                Self.drop(c)
                throw EngineError.storage("postgres lock: \(Self.describe(error))")
            }
            guard locked else {
                Self.drop(c)
                throw EngineError.journalInUse("\(journal) is held by another engine (advisory lock \(key) taken)")
            }
        }
        if connections.wrappingAdd(1, ordering: .relaxed).oldValue > 0 {
            reconnects.wrappingAdd(1, ordering: .relaxed)
        }
        current.withLock { $0 = c }
        return c
    }

    /// The value of `future`, or a timeout error once `timeout` has passed (the future is not cancelled: a
    /// caller that gives up must close what it would have produced).
    static func within<T: Sendable>(_ timeout: Duration, _ future: EventLoopFuture<T>,
                                    unlessClosed closed: EventLoopFuture<Void>? = nil) async throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        // Both callbacks run on `loop`, so `done` needs no lock.
        let done = LoopBound(false, loop: loop)
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                           + timeout.components.attoseconds / 1_000_000_000)) {
            guard !done.value else { return }
            done.value = true
            promise.fail(TimedOut(timeout: timeout))
        }
        future.whenComplete { result in
            guard !done.value else { return }
            done.value = true
            timer.cancel()
            promise.completeWith(result)
        }
        closed?.hop(to: loop).whenComplete { _ in
            guard !done.value else { return }
            done.value = true
            timer.cancel()
            promise.fail(ConnectionLost())
        }
        return try await promise.futureResult.get()
    }

    /// An operation that did not complete in time.
    struct TimedOut: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }

    /// Closes `c` without waiting (its pending queries fail). `c` is kept alive until it is closed (postgres-nio
    /// asserts that a connection is closed before it is deinitialized).
    static func drop(_ c: PostgresConnection) {
        let _: EventLoopFuture<Void> = c.close()
        c.closeFuture.whenComplete { _ in withExtendedLifetime(c) {} }
    }

    /// A PostgreSQL error as one line (the server's message when there is one).
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return "\(e.code): \(message)" }
            return "\(e.code)"
        }
        return String(reflecting: error)
    }
}

/// A value only touched on one event loop.
private final class LoopBound<Value>: @unchecked Sendable {
    // @unchecked: every access happens on `loop` (checked in debug builds).
    private var stored: Value
    private let loop: any EventLoop

    init(_ value: Value, loop: any EventLoop) {
        stored = value
        self.loop = loop
    }

    var value: Value {
        get {
            loop.preconditionInEventLoop()
            return stored
        }
        set {
            loop.preconditionInEventLoop()
            stored = newValue
        }
    }
}
