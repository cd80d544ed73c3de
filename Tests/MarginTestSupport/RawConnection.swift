import Foundation

/// A raw TCP connection to a loopback port (blocking POSIX sockets with a receive timeout), for tests that send
/// what no HTTP client would: partial heads, oversized lines, garbage, floods of idle connections.
public final class RawConnection: @unchecked Sendable {
    public let fd: Int32

    /// Connects to 127.0.0.1:`port`; `nil` when the connection fails.
    public init?(port: Int, receiveTimeout: Double = 5) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout),
                              tv_usec: Int(receiveTimeout.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends `text`'s bytes (as many as the peer takes); whether all were sent.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads until the peer closes, the timeout passes with nothing new, or `limit` bytes; the text and whether
    /// the peer closed (end of stream or reset).
    public func readAll(limit: Int = 1 << 20) -> (text: String, closed: Bool) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while data.count < limit {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n]; continue }
            let closed = n == 0 || errno == ECONNRESET
            return (String(decoding: data, as: UTF8.self), closed)
        }
        return (String(decoding: data, as: UTF8.self), false)
    }

    /// Reads one answer's head and body when it has a `content-length` (keep-alive answers); the text.
    public func readResponse() -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { return text }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return text }
            data += buffer[0..<n]
        }
    }

    /// Runs blocking socket work on a thread of its own, off Swift's cooperative pool (a server under test answers
    /// from that pool: blocking it would starve the server).
    public static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    /// ``readAll(limit:)`` off the cooperative pool.
    public func read() async -> (text: String, closed: Bool) { await Self.offload { self.readAll() } }

    /// ``readResponse()`` off the cooperative pool.
    public func response() async -> String { await Self.offload { self.readResponse() } }

    /// The status code of an answer's first line (`HTTP/1.1 431 …` → 431).
    public static func status(_ response: String) -> Int? {
        let parts = response.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }
}
