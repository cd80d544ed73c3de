import HTTPTypes
import Hummingbird

/// What a request no route matched gets, before the router's 404: a known path under another method (any method
/// the HTTP codec reads, `QUERY` and `PROPFIND` too) is 405 with `Allow` naming the path's methods; an unknown path
/// under a method outside HTTP's standard ones (RFC 9110 and PATCH) is 501 (Not Implemented); anything else goes on
/// to 404. (Method tokens the HTTP codec cannot read at all are 501 at the edge, ``EdgeRefusal``.)
struct MethodMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.endpointPath == nil else { return try await next(request, context) }
        let allowed = routes.methods(matching: request.uri.path)
        guard allowed.isEmpty else {
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            throw APIError(.methodNotAllowed, "method_not_allowed",
                           "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(list)",
                           headers: [.allow: list])
        }
        guard Self.standard.contains(request.method) else {
            throw APIError(.notImplemented, "not_implemented", "method \(request.method.rawValue) is not implemented")
        }
        return try await next(request, context)
    }

    static let standard: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .connect, .options, .trace,
                                                    .patch]
}
