import Foundation
import MarginCore

/// The edge stages of `margin-bench serve` (issue 19): slow clients and a connection flood held open while
/// `/healthz` is probed from fresh connections.
///
/// - **Slow clients**: `slow` connections each send half a request head (or a head and half a body) and stall.
/// - **Flood**: `flood` more connections (with the slow ones: past the server's connection cap) send half a head
///   each, as in the issue's finding (1,100 such connections under `ulimit -n 1024` killed the process).
///
/// During each, `probes` sequential `GET /healthz` on fresh connections: p50/p99/max of the round trip and how many
/// got no 200 within 3 s; at the end, whether the server still answers. Blocking POSIX sockets, on a thread of
/// their own (the connections are the load, not the client's speed).
enum BenchFlood {
    struct Result: Sendable {
        var stage: String
        var held: Int
        var p50: Double
        var p99: Double
        var max: Double
        var failed: Int
        var probes: Int
        var survived: Bool

        var json: JSONValue {
            .object([("stage", .string(stage)), ("held", .double(Double(held))), ("probes", .double(Double(probes))),
                     ("healthzP50Ms", .double(p50 * 1e3)), ("healthzP99Ms", .double(p99 * 1e3)),
                     ("healthzMaxMs", .double(max * 1e3)), ("failed", .double(Double(failed))),
                     ("survived", .bool(survived))])
        }

        var line: String {
            String(format: "%-12@ %6ld held: /healthz p50 %.2f ms, p99 %.2f ms, max %.2f ms; %ld of %ld probes failed; %@",
                   stage as NSString, held, p50 * 1e3, p99 * 1e3, max * 1e3, failed, probes,
                   (survived ? "server alive" : "SERVER DOWN") as NSString)
        }
    }

    /// Both stages, one after the other (the slow clients stay open through the flood).
    static func run(port: Int, slow: Int, flood: Int, probes: Int) async -> [Result] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var held: [Int32] = []
                for i in 0..<slow {
                    let request = i % 2 == 0 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                        : "POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"acc"
                    if let fd = open(port: port, sending: request) { held.append(fd) }
                }
                let slowResult = probe(stage: "slow clients", held: held.count, port: port, count: probes)
                for _ in 0..<flood {
                    if let fd = open(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: x\r\n") { held.append(fd) }
                }
                let floodResult = probe(stage: "flood", held: held.count, port: port, count: probes)
                for fd in held { close(fd) }
                continuation.resume(returning: [slowResult, floodResult])
            }
        }
    }

    private static func probe(stage: String, held: Int, port: Int, count: Int) -> Result {
        var times: [Double] = []
        var failed = 0
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            if healthz(port: port) {
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            } else {
                failed += 1
            }
        }
        times.sort()
        func pct(_ p: Double) -> Double { times.isEmpty ? .nan : times[min(times.count - 1, Int(p * Double(times.count)))] }
        return Result(stage: stage, held: held, p50: pct(0.5), p99: pct(0.99), max: times.last ?? .nan,
                      failed: failed, probes: count, survived: healthz(port: port))
    }

    /// One `GET /healthz` on a fresh connection: whether it got a 200 within 3 s.
    private static func healthz(port: Int) -> Bool {
        guard let fd = open(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 12 && String(decoding: buffer[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    /// A loopback connection that has sent `text` (3 s receive timeout), or `nil`.
    private static func open(port: Int, sending text: String) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let bytes = Array(text.utf8)
        guard connected == 0,
              bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else {
            close(fd)
            return nil
        }
        return fd
    }
}
