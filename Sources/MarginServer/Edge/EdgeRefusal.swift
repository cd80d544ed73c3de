import Foundation
import NIOHTTP1

/// A request refused at the edge, before the router sees it (the HTTP codec could not read it, or it broke a
/// ``ConnectionLimits`` limit): answered with the API's error shape `{"error", "message"}` and
/// `Connection: close`, then the connection is closed (``ConnectionGuard/refuse(_:)``).
enum EdgeRefusal: Equatable {
    /// 400: not HTTP/1.1 the codec can read (a garbage request line, a bad header, chunk or version).
    case malformed(String)
    /// 408: the request head did not arrive within the header timeout.
    case requestTimeout
    /// 414: the request line is longer than its limit (bytes).
    case uriTooLong(Int)
    /// 431: a header field, all fields together, or their count over the limits.
    case headersTooLarge
    /// 501: a method the server does not know.
    case unknownMethod

    /// The refusal of a request the HTTP codec failed on; `requestLine` is the start of its request line (an
    /// unknown method is 501 only when it is a well-formed token followed by a space, else the line is garbage: 400).
    init(_ error: HTTPParserError, requestLine: [UInt8]) {
        switch error {
        case .headerOverflow: self = .headersTooLarge
        case .invalidMethod where Self.startsWithMethodToken(requestLine): self = .unknownMethod
        default: self = .malformed("\(error)")
        }
    }

    /// Whether `line` starts with an RFC 9110 token of 1–32 characters and a space (`PROBEA /x …`).
    static func startsWithMethodToken(_ line: [UInt8]) -> Bool {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")), (1...32).contains(space) else { return false }
        let tchar = Set("!#$%&'*+-.^_`|~".utf8)
        return line[..<space].allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0)
            || (0x61...0x7A).contains($0) || tchar.contains($0) }
    }

    var status: (code: Int, reason: String) {
        switch self {
        case .malformed: return (400, "Bad Request")
        case .requestTimeout: return (408, "Request Timeout")
        case .uriTooLong: return (414, "URI Too Long")
        case .headersTooLarge: return (431, "Request Header Fields Too Large")
        case .unknownMethod: return (501, "Not Implemented")
        }
    }

    var code: String {
        switch self {
        case .malformed: return "malformed_request"
        case .requestTimeout: return "request_timeout"
        case .uriTooLong: return "uri_too_long"
        case .headersTooLarge: return "headers_too_large"
        case .unknownMethod: return "not_implemented"
        }
    }

    var message: String {
        switch self {
        case .malformed(let why): return "malformed HTTP/1.1 request (\(why))"
        case .requestTimeout: return "the request head did not arrive in time"
        case .uriTooLong(let max): return "the request line is limited to \(max) bytes"
        case .headersTooLarge: return "request header fields are too large or too many"
        case .unknownMethod: return "unknown method"
        }
    }

    /// The whole HTTP/1.1 answer, bytes as sent.
    var response: String {
        let json = try? JSONSerialization.data(withJSONObject: ["error": code, "message": message], options: [.sortedKeys])
        let body = json.map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":"\#(code)"}"#
        return "HTTP/1.1 \(status.code) \(status.reason)\r\ncontent-type: application/json\r\n"
            + "content-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n" + body
    }
}
