import Foundation
import HTTPTypes
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger

/// An error answered as JSON: `{"error": code, "message": …, "field"?: JSON path}` with its status (and headers,
/// e.g. `Retry-After`, `WWW-Authenticate`).
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil,
                headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("error", .string(code)), ("message", .string(message))]
        if let field { pairs.append(("field", .string(field))) }
        return .object(pairs)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(json, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// A body that does not decode: 400 naming the JSON path.
    static func badRequest(_ error: InputError) -> APIError {
        APIError(.badRequest, "invalid_request", error.description, field: error.path)
    }

    /// What an engine error answers: a rejection 422 (nothing changed), a storage fault 503 with `Retry-After`.
    static func engine(_ error: EngineError) -> APIError {
        if error.isStorageFault {
            return APIError(.serviceUnavailable, "unavailable", error.description, headers: [.retryAfter: "1"])
        }
        return APIError(.unprocessableContent, "rejected", error.description)
    }

    /// The status a rejection is recorded with (``engine(_:)``).
    static func status(of error: EngineError) -> Int { Int(engine(error).status.code) }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
}
