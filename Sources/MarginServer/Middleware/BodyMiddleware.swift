import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Collects the body of every POST, PUT and DELETE once, within the limit: a `Content-Length` above it, or more
/// bytes than it, answer 413 before anything is decoded or applied.
struct BodyMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .delete else {
            return try await next(request, context)
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw Self.tooLarge(maxBytes)
        }
        var context = context
        do {
            context.body = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(maxBytes)
        }
        return try await next(request, context)
    }

    static func tooLarge(_ max: Int) -> APIError {
        APIError(.contentTooLarge, "too_large", "request bodies are limited to \(max) bytes")
    }
}
