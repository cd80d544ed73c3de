import Foundation
import HTTPTypes
import MarginServer
import MarginTestSupport
import Testing

/// Finding 2 of issue 19: malformed requests used to get no answer and stay open. Each one is answered with its
/// status (400, 413, 414, 431, 501; 405 with `Allow` for a known path under another method), as JSON, with
/// `Connection: close`, and the server closes the connection. Over real loopback sockets.
@Suite("Malformed requests are answered and closed")
struct MalformedRequestTests {
    /// Sends `request` on a fresh connection; the answer and whether the server closed the connection.
    static func exchange(_ request: String, port: Int) async throws -> (status: Int?, text: String, closed: Bool) {
        let connection = try #require(RawConnection(port: port, receiveTimeout: 5))
        let (text, closed) = await RawConnection.offload {
            connection.send(request)
            return connection.readAll()
        }
        return (RawConnection.status(text), text, closed)
    }

    static let big = String(repeating: "a", count: 100_000)

    @Test("a head over the limits, an unknown method or garbage: the status, JSON, Connection: close, closed",
          arguments: [
              ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n", 431, "headers_too_large"),
              ("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                  + (0..<5_000).map { "X-H\($0): v\r\n" }.joined() + "\r\n", 431, "headers_too_large"),
              ("GET /healthz?q=\(big) HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
              ("GET /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mk.\(big)\r\n\r\n", 431,
               "headers_too_large"),
              ("\u{1}\u{2}garbage \u{7f}\r\n\r\n", 400, "malformed_request"),
              ("GET /healthz HTTP/9.Z\r\nHost: x\r\n\r\n", 400, "malformed_request"),
              ("PROBEA /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "not_implemented"),
          ])
    func refused(request: String, status: Int, code: String) async throws {
        let fixture = try await ServerFixture.open()
        try await fixture.run { client in
            let port = client.port
            let reply = try await Self.exchange(request, port: port)
            #expect(reply.status == status, "\(reply.text.prefix(300))")
            #expect(reply.text.lowercased().contains("connection: close"), "\(reply.text.prefix(300))")
            #expect(reply.text.contains("\"error\":\"\(code)\""), "\(reply.text.prefix(300))")
            #expect(reply.closed, "the server closes the connection")
            // The server goes on answering.
            let health = try await Self.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: port)
            #expect(health.status == 200)
        }
    }

    @Test("a refusal on a kept-alive connection's second request is answered too")
    func refusedAfterAKeptAliveRequest() async throws {
        let fixture = try await ServerFixture.open()
        try await fixture.run { client in
            let connection = try #require(RawConnection(port: client.port))
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawConnection.status(await connection.response()) == 200)
            let (text, closed) = await RawConnection.offload {
                connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(Self.big)\r\n\r\n")
                return connection.readAll()
            }
            #expect(RawConnection.status(text) == 431, "\(text.prefix(200))")
            #expect(closed)
        }
    }

    @Test("a known path under another method is 405 with Allow; an unknown path: 501 for a non-standard method, else 404")
    func methods() async throws {
        let fixture = try await ServerFixture.open()
        try await fixture.run { client in
            let r = try await client.call(.patch, "/healthz")
            #expect(r.status.code == 405)
            #expect(r.headers[.allow] == "GET")
            #expect(r.json?["error"] as? String == "method_not_allowed")
            let keys = try await client.call(.put, "/v1/keys")
            #expect(keys.status.code == 405)
            #expect(keys.headers[.allow] == "GET, POST")
            let account = try await client.call(.delete, "/v1/accounts/a-1")
            #expect(account.status.code == 405)
            #expect(account.headers[.allow] == "GET")
            let trace = try await client.call(.init("TRACE")!, "/healthz")
            #expect(trace.status.code == 405)
            // Any method the codec reads is 405 on a known path (schemathesis probes with QUERY) …
            let query = try await client.call(.init("QUERY")!, "/v1/accounts")
            #expect(query.status.code == 405)
            #expect(query.headers[.allow] == "GET")
            // … and 501 on an unknown one when it is not a standard method.
            let propfind = try await client.call(.init("PROPFIND")!, "/nowhere")
            #expect(propfind.status.code == 501)
            #expect(propfind.json?["error"] as? String == "not_implemented")
            let missing = try await client.call(.get, "/v1/nothing-here")
            #expect(missing.status.code == 404)
        }
    }

    @Test("a body over the limit is 413 (BodyMiddleware, the one home of that rule)")
    func bodyTooLarge() async throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.maxBodyBytes = 1_000
        let fixture = try await ServerFixture.open(configuration: configuration)
        try await fixture.run { client in
            let r = try await client.call(.post, "/v1/deposits", body: String(repeating: " ", count: 2_000))
            #expect(r.status.code == 413)
        }
    }
}
