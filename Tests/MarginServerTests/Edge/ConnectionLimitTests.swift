import Foundation
@testable import MarginServer
import NIOCore
import NIOEmbedded
import MarginTestSupport
import Testing

/// Finding 1 of issue 19 in process (the flood under a lowered `ulimit -n` runs `margin serve` as a child:
/// `ServeEdgeTests` in MarginCLITests): idle, partial-head and partial-body connections are closed on their
/// timeouts, and at the connection cap the oldest idle or partial connection makes room (``ConnectionRoster``).
@Suite("Connection limits and timeouts")
struct ConnectionLimitTests {
    static func configuration(_ edit: (inout ConnectionLimits) -> Void) -> ServerConfiguration {
        var c = ServerFixture.testConfiguration()
        edit(&c.connections)
        return c
    }

    /// Waits (up to the connection's receive timeout) for the server to close `connection`; whether it did, and
    /// what it sent.
    static func closed(_ connection: RawConnection) async -> (closed: Bool, text: String) {
        let (text, closed) = await connection.read()
        return (closed, text)
    }

    @Test("an idle connection is closed after the idle timeout; a partial head is 408 after the header timeout")
    func idleAndHeaderTimeouts() async throws {
        let fixture = try await ServerFixture.open(configuration: Self.configuration {
            $0.idleTimeout = .milliseconds(300)
            $0.headerTimeout = .milliseconds(300)
        })
        try await fixture.run { client in
            let idle = try #require(RawConnection(port: client.port, receiveTimeout: 10))
            let partial = try #require(RawConnection(port: client.port, receiveTimeout: 10))
            partial.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            // `closed` is true only when the server closed the connection (EOF); the client's own receive timeout
            // (10 s) gives false. No wall-clock bound: these machines are shared.
            #expect(await Self.closed(idle).closed)
            let p = await Self.closed(partial)
            #expect(p.closed)
            #expect(RawConnection.status(p.text) == 408, "\(p.text)")
            // A kept-alive connection goes idle after its answer, and is closed in turn.
            let kept = try #require(RawConnection(port: client.port, receiveTimeout: 3))
            kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawConnection.status(await kept.response()) == 200)
            #expect(await Self.closed(kept).closed)
        }
    }

    @Test("a body that stops arriving is closed after the body timeout")
    func bodyTimeout() async throws {
        let fixture = try await ServerFixture.open(configuration: Self.configuration {
            $0.bodyTimeout = .milliseconds(300)
        })
        try await fixture.run { client in
            let slow = try #require(RawConnection(port: client.port, receiveTimeout: 10))
            slow.send("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerFixture.adminKey)\r\n"
                      + "Idempotency-Key: slow-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"acc")
            // `closed` is true only when the server closed the connection (EOF); the client's own receive timeout
            // (10 s) gives false. No wall-clock bound: these machines are shared.
            #expect(await Self.closed(slow).closed)
        }
    }

    @Test("at the cap, the longest-evictable connection makes room; busy ones never do; accepting backs off")
    func capEvictsOldestIdle() async throws {
        // In process the listener's admission is not installed (HummingbirdTesting's `.live` rebuilds the
        // application's configuration without it): the roster is tested on embedded channels here, and the
        // listener end to end by `ServeEdgeTests` (a flood under `ulimit -n 256`).
        let roster = ConnectionRoster(cap: 3)
        let channels = (0..<4).map { _ in EmbeddedChannel() }
        for c in channels { try await c.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get() }
        for (i, c) in channels.prefix(3).enumerated() {
            roster.opened()
            roster.mark(ObjectIdentifier(c), channel: c, evictable: i != 0)  // the first one is busy answering
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(roster.open == 3)
        #expect(roster.isAccepting, "evictable connections can make room")
        roster.opened()  // a fourth: the oldest evictable (channels[1]) is closed, the busy one kept
        #expect(!channels[1].isActive)
        #expect(channels[0].isActive && channels[2].isActive)
        #expect(roster.evicted == 1)
        roster.closed()
        roster.remove(ObjectIdentifier(channels[1]))
        roster.mark(ObjectIdentifier(channels[2]), channel: channels[2], evictable: false)
        roster.mark(ObjectIdentifier(channels[3]), channel: channels[3], evictable: false)
        #expect(!roster.isAccepting, "every connection busy: accepting backs off")
    }

    @Test("the default cap is the open-file limit less max(64, an eighth), within [16, 10000]")
    func defaultCap() {
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 256) == 192)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 1_024) == 896)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 1_048_576) == 10_000)
        #expect(ConnectionLimits.defaultMaxConnections(fileLimit: 40) == 16)
    }
}
