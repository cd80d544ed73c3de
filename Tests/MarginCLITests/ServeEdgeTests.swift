import Foundation
import MarginTestSupport
import Testing

/// Issue 19, findings 1 and 3, against the built `margin serve` as a child process: a flood of partial connections
/// under a lowered open-file limit neither kills it nor starves `/healthz`; SIGTERM with partial requests open
/// still ends it (after the shutdown grace), with its last snapshot written.
@Suite("margin serve at the edge: floods and shutdown", .serialized)
struct ServeEdgeTests {
    /// `margin serve` under `ulimit -n fileLimit`, its output read as it comes.
    final class Server: @unchecked Sendable {
        let process = Process()
        let directory: URL
        private let out = Pipe()
        private let err = Pipe()
        private(set) var output = ""

        init(fileLimit: Int, extra: [String] = []) throws {
            let exe = try #require(MarginCommandTests.marginURL(), "build the margin executable first")
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("margin-edge-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(fileLimit) && exec \"$0\" \"$@\"", exe.path, "serve", "--port", "0",
                                 "--db", directory.appendingPathComponent("j.sqlite").path,
                                 "--admin-key-file", directory.appendingPathComponent("admin.key").path,
                                 "--snapshot-every", "0"] + extra
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: directory)
        }

        /// The port, once the server prints its address.
        func port() -> Int? {
            while !output.contains("dashboard at http://") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                output += String(decoding: chunk, as: UTF8.self)
            }
            let after = output.components(separatedBy: "dashboard at http://127.0.0.1:").last ?? ""
            return Int(after.prefix { $0.isNumber })
        }

        /// Waits up to `seconds` for the exit; the status, or `nil` (then it is killed).
        func exit(within seconds: Double) -> (status: Int32, err: String)? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, text)
        }
    }

    static func health(port: Int) -> Int? {
        guard let c = RawConnection(port: port, receiveTimeout: 3) else { return nil }
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return RawConnection.status(c.readAll().text)
    }

    @Test("under ulimit -n 256, 300 partial connections: /healthz answers from fresh connections, the server lives")
    func floodUnderLowFileLimit() throws {
        let server = try Server(fileLimit: 256, extra: ["--shutdown-grace", "1"])
        let port = try #require(server.port(), "\(server.output)")
        var flood: [RawConnection] = []
        for _ in 0..<300 {
            guard let c = RawConnection(port: port, receiveTimeout: 0.2) else { continue }
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            flood.append(c)
        }
        #expect(flood.count >= 250)
        for _ in 0..<5 {
            #expect(Self.health(port: port) == 200)
        }
        usleep(500_000)
        #expect(server.process.isRunning, "the server survived the flood")
        #expect(Self.health(port: port) == 200)
        kill(server.process.processIdentifier, SIGTERM)
        let end = try #require(server.exit(within: 15), "SIGTERM ends the server")
        #expect(end.status == 0, "\(end.err.suffix(2_000))")
        flood.removeAll()
    }

    @Test("SIGTERM with a partial head and a partial body open: exits within the grace, last snapshot written")
    func shutdownWithPartialRequests() throws {
        let server = try Server(fileLimit: 1_024, extra: ["--shutdown-grace", "1", "--demo", "--accounts", "50"])
        let port = try #require(server.port(), "\(server.output)")
        let key = try String(contentsOf: server.directory.appendingPathComponent("admin.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try #require(RawConnection(port: port))
        head.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let body = try #require(RawConnection(port: port))
        body.send("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nIdempotency-Key: k1\r\n"
                  + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"account\":")
        usleep(300_000)
        let start = Date()
        kill(server.process.processIdentifier, SIGTERM)
        let end = try #require(server.exit(within: 20), "SIGTERM ends the server whatever its clients do")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(end.status == 0, "\(end.err.suffix(2_000))")
        #expect(end.err.contains("snapshot written"), "\(end.err.suffix(2_000))")
        #expect(end.err.contains("engine closed"))
    }
}
