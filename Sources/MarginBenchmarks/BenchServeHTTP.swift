import ArgumentParser
import Foundation
import Logging
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import MarginSimulation
import NIOCore
import NIOHTTP1
import NIOPosix

// The HTTP side of `margin-bench serve`: requests, payloads, and keep-alive connections to the server under test.

/// One prepared request of the load: method, path, body, its idempotency key.
struct BenchRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var body: [UInt8]
    var idempotencyKey: String?
}

/// The bodies of the load: two-sided trades among the demo population's accounts and providers at the genesis
/// marks, and index updates continuing the simulated market's walk (BTC and ETH in turn), as the API takes them
/// (the journal's event JSON without its `type`).
struct BenchPayloads {
    let flow: TradeFlow
    private let markets: [String: UnderlyingMarket]
    private var market: SimulatedMarket
    private var rng: SplitMix64
    private var ticks = 0

    init(genesis: EngineState, seed: UInt64) {
        flow = TradeFlow(state: genesis)
        markets = genesis.markets
        market = SimulatedMarket(seed: seed)
        rng = SplitMix64(seed: seed &+ 4_242)
    }

    /// Request `k` of stage `stage`: even ones trades, odd ones market updates.
    mutating func request(_ k: Int, stage: Int) -> BenchRequest {
        let key = "bench-\(stage)-\(k)"
        if k % 2 == 0, let trade = flow.trade(markets: markets, rng: &rng) {
            return BenchRequest(method: .POST, path: "/v1/trades", body: Self.body(trade), idempotencyKey: key)
        }
        let update = market.step(ticks % market.underlyings.count, seconds: 0.05)
        ticks += 1
        return BenchRequest(method: .POST, path: "/v1/market", body: Self.body(.market(update)), idempotencyKey: key)
    }

    /// Trade `k` of stage `stage` alone (the trade-only stages), or a market update when the flow has no trade.
    mutating func trade(_ k: Int, stage: String) -> BenchRequest {
        guard let trade = flow.trade(markets: markets, rng: &rng) else { return request(2 * k + 1, stage: 0) }
        return BenchRequest(method: .POST, path: "/v1/trades", body: Self.body(trade),
                            idempotencyKey: "bench-\(stage)-\(k)")
    }

    /// `count` trades of the batch endpoint and the ingest stream, each with its id (`bench-<stage>-<k>`), as JSON
    /// objects' texts.
    mutating func identifiedTrades(_ count: Int, stage: String, from first: Int) -> [String] {
        (0..<count).compactMap { i in
            guard let trade = flow.trade(markets: markets, rng: &rng), case .object(let pairs) = trade.json else {
                return nil
            }
            let fields = [("id", JSONValue.string("bench-\(stage)-\(first + i)"))]
                + pairs.filter { $0.key != "type" }.map { ($0.key, $0.value) }
            return JSONValue.object(fields).serialized(pretty: false)
        }
    }

    /// The event's JSON without `type`, compact.
    static func body(_ event: EngineEvent) -> [UInt8] {
        guard case .object(let pairs) = event.json else { return Array(event.payload.utf8) }
        return Array(JSONValue.object(pairs.filter { $0.key != "type" }).serialized(pretty: false).utf8)
    }
}

/// Where the benchmark's requests go: the loopback port and the admin key.
struct BenchTarget: Sendable {
    let port: Int
    let key: String

    /// A keep-alive HTTP/1.1 connection to the server, run by `body` and closed after it.
    func withConnection<T: Sendable>(_ body: (inout BenchConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = BenchConnection(target: self, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Polls `GET /readyz` until it answers 200 (at most 120 s).
    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline {
            let ready = try? await withConnection { c in
                try await c.send(BenchRequest(method: .GET, path: "/readyz", body: [], idempotencyKey: nil)).status
            }
            if ready == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure(message: "the server was not ready within 120 s")
    }
}

/// One open connection: sends a request and reads its whole answer (status and body).
struct BenchConnection {
    let target: BenchTarget
    var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    /// Sends `request` and waits for the end of its response.
    mutating func send(_ request: BenchRequest) async throws -> (status: Int, body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "127.0.0.1:\(target.port)")
        headers.add(name: "Authorization", value: "Bearer \(target.key)")
        headers.add(name: "Content-Length", value: "\(request.body.count)")
        if !request.body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
        if let key = request.idempotencyKey { headers.add(name: "Idempotency-Key", value: key) }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path, headers: headers)
        try await outbound.write(.head(head))
        if !request.body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: request.body)))) }
        try await outbound.write(.end(nil))
        var status = 0
        var body = ByteBuffer()
        while let part = try await inbound.next() {
            switch part {
            case .head(let h): status = Int(h.status.code)
            case .body(var b): body.writeBuffer(&b)
            case .end: return (status, body)
            }
        }
        throw BenchFailure(message: "the server closed the connection mid-answer")
    }
}
