import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Authentication, authorization and the rate limit, before any handler: finds the matched route's
/// ``RouteSpec``; a public route passes; otherwise the bearer key (`Authorization: Bearer KEY`, or on a WebSocket
/// upgrade the subprotocol `bearer.KEY`, since browsers cannot set headers there) must authenticate (401), its
/// role must have the route's scope and an owner's account must be the one addressed (403), and its bucket must
/// hold the request's credits (429 with `Retry-After`). Every denial is counted; a 403 or an authenticated 429 is
/// logged (key id, route, reason), unauthenticated ones (401) in aggregate (``DenialTally``). Unauthenticated
/// requests are also limited per peer address (``ServerConfiguration/addressRateLimit``): past it they are 429.
struct GateMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let routes: RouteTable
    let keys: KeyRing
    let limiter: RateLimiter
    let limit: RateLimit
    let metrics: ServiceMetrics
    let logger: Logger
    /// Buckets per peer address for unauthenticated requests.
    let addresses: RateLimiter
    let tally: DenialTally

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = context.endpointPath ?? request.uri.path
        guard let spec = routes.spec(method: request.method, path: path), spec.scope != nil else {
            return try await next(request, context)
        }
        do {
            return try await admit(request, context: context, spec: spec, path: path, next: next)
        } catch let refusal as APIError where request.headers[.upgrade]?.lowercased() == "websocket" {
            // Refused upgrades are answered over the socket (``ServiceRequestContext/refusal``).
            var context = context
            context.refusal = refusal
            return try await next(request, context)
        }
    }

    private func admit(_ request: Request, context: Context, spec: RouteSpec, path: String,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let scope = spec.scope else { return try await next(request, context) }
        let route = "\(request.method) \(path)"
        guard let token = Self.bearer(request) else {
            throw unauthenticated(route, reason: AuthFailure.missing.rawValue, address: context.peerAddress)
        }
        let principal: Principal
        switch keys.authenticate(token) {
        case .success(let p): principal = p
        case .failure(let why): throw unauthenticated(route, reason: why.rawValue, address: context.peerAddress)
        }
        guard principal.has(scope) else {
            throw deny(route, key: principal.keyID, reason: "scope \(scope.rawValue) not granted to \(principal.role)",
                       status: .forbidden)
        }
        if spec.accountBound, principal.role.isAccountBound {
            let addressed = context.parameters.get("id") ?? request.uri.queryParameters["account"].map(String.init)
            guard let addressed, principal.mayAccess(account: addressed) else {
                throw deny(route, key: principal.keyID, reason: "owner of another account", status: .forbidden)
            }
        }
        if let wait = limiter.take(limit.cost(of: spec), key: principal.keyID) {
            let seconds = max(1, Int(wait.rounded(.up)))
            metrics.denied(route: route, reason: "rate_limited")
            logger.notice("request denied", metadata: ["key": "\(principal.keyID)", "route": "\(route)",
                                                       "reason": "rate limited", "status": "429"])
            throw APIError(.tooManyRequests, "rate_limited",
                           "rate limit: \(limit.creditsPerSecond) credits per second, burst \(limit.burst); retry in "
                           + "\(seconds) s", headers: [.retryAfter: "\(seconds)"])
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "key"] = "\(principal.keyID)"
        return try await next(request, context)
    }

    /// A 403: counted and logged.
    private func deny(_ route: String, key: String?, reason: String, status: HTTPResponse.Status) -> APIError {
        metrics.denied(route: route, reason: "forbidden")
        logger.notice("request denied", metadata: ["key": "\(key ?? "-")", "route": "\(route)", "reason": "\(reason)",
                                                   "status": "\(status.code)"])
        return APIError(.forbidden, "forbidden", reason)
    }

    /// A 401, or a 429 once the peer's address has spent its unauthenticated credits: counted and tallied.
    private func unauthenticated(_ route: String, reason: String, address: String?) -> APIError {
        metrics.denied(route: route, reason: "unauthenticated")
        tally.record(reason: reason, address: address, logger: logger)
        if let wait = addresses.take(1, key: address ?? "unknown") {
            let seconds = max(1, Int(wait.rounded(.up)))
            return APIError(.tooManyRequests, "rate_limited",
                            "too many unauthenticated requests from this address; retry in \(seconds) s",
                            headers: [.retryAfter: "\(seconds)"])
        }
        return APIError(.unauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer KEY)",
                        headers: [.wwwAuthenticate: "Bearer"])
    }

    /// The presented key: `Authorization: Bearer KEY`, or the WebSocket subprotocol `bearer.KEY`.
    static func bearer(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        if let protocols = request.headers[.secWebSocketProtocol] {
            for p in protocols.split(separator: ",") {
                let t = p.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("bearer.") { return String(t.dropFirst("bearer.".count)) }
            }
        }
        return nil
    }
}
