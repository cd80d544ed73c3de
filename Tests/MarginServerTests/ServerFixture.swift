import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import MarginSimulation
import MarginTestSupport
import MarginStorage
import NIOCore
import Testing

/// A small engine (a seeded population of a few accounts) served over a real loopback connection
/// (HummingbirdTesting `.live`), with the admin key and helpers for JSON requests.
struct ServerFixture: Sendable {
    static let adminKey = "mk.admin.test-admin-key-0123456789abcdefghijklmnop"

    let engine: RiskEngine
    let server: MarginServer
    let metrics: MetricsSetup

    /// The genesis every test starts from: 12 accounts × 4 positions, 20 options per underlying.
    static func genesis() -> EngineState {
        Population.genesis(market: SimulatedMarket(seed: 7), optionsPerUnderlying: 20, accounts: 12,
                           positionsPerAccount: 4, seed: 8)
    }

    static func open(store: any JournalStore = InMemoryJournal(), genesis: EngineState = genesis(),
                     configuration: ServerConfiguration = testConfiguration()) async throws -> ServerFixture {
        let engine = try await RiskEngine.open(store: store, genesis: genesis)
        let metrics = MetricsSetup()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = await MarginServer(engine: engine, adminKey: adminKey, configuration: configuration,
                                        metrics: metrics, logger: logger)
        return ServerFixture(engine: engine, server: server, metrics: metrics)
    }

    static func testConfiguration() -> ServerConfiguration {
        var c = ServerConfiguration()
        c.port = 0
        c.rateLimit = RateLimit(creditsPerSecond: 100_000, burst: 100_000)
        c.addressRateLimit = RateLimit(creditsPerSecond: 100_000, burst: 100_000)
        return c
    }

    /// Runs `body` against the live server (and the stream fan-out), then closes the engine.
    func run(close: Bool = true, _ body: @Sendable (TestClient) async throws -> Void) async throws {
        let streams = Task { await server.runStreams() }
        let app = server.makeApplication()
        try await app.test(.live) { client in
            try await body(TestClient(client: client))
        }
        streams.cancel()
        server.finishStreams()
        if close { await engine.close() }
    }

    /// The journal's records (to compare before and after a refused request).
    func journal() async throws -> [JournalRecord] {
        try await engine.journalRecords(after: 0, limit: 1_000_000)
    }

    /// An existing account's name.
    func account(_ i: Int = 0) async -> String {
        await engine.state.accounts.keys.sorted()[i]
    }

    /// Creates a key of `role` (bound to `account` for owners) with the admin key.
    func key(_ role: String, account: String? = nil, client: TestClient) async throws -> String {
        var body = "{\"role\":\"\(role)\""
        if let account { body += ",\"account\":\"\(account)\"" }
        body += "}"
        let r = try await client.call(.post, "/v1/keys", key: Self.adminKey, body: body)
        #expect(r.status == .created, "\(r.text)")
        return try #require(r.json?["key"] as? String)
    }
}

/// A response: status, headers, body text and its JSON (Foundation objects).
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: [String: any Sendable]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: any Sendable]
    }
}

/// JSON calls over the live test client.
struct TestClient: Sendable {
    let client: any TestClientProtocol

    var port: Int { client.port ?? 0 }

    /// One request. Writes (POST, PUT, DELETE) carry `idempotencyKey`, or a fresh one when it is `nil` and
    /// `autoIdempotencyKey` holds (the server requires one on writes).
    func call(_ method: HTTPRequest.Method, _ path: String, key: String? = ServerFixture.adminKey,
              body: String? = nil, idempotencyKey: String? = nil, autoIdempotencyKey: Bool = true,
              headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        let isWrite = method == .post || method == .put || method == .delete
        let idempotency = idempotencyKey ?? (isWrite && autoIdempotencyKey ? "auto-\(UUID().uuidString)" : nil)
        if let idempotency { headers[HTTPField.Name("Idempotency-Key")!] = idempotency }
        let response = try await client.execute(uri: path, method: method, headers: headers,
                                                body: body.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
}
