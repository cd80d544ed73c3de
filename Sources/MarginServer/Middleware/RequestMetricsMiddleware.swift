import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Records every request's latency by route (the matched path, e.g. `/v1/accounts/{id}`), method and status,
/// and logs it at debug level; also turns errors that are not ``APIError``s into JSON (a bad route parameter,
/// an unexpected error: 500, logged).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let route = context.endpointPath ?? "unmatched"
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let api = APIError(status, status.code >= 500 ? "internal" : "invalid_request",
                               status.reasonPhrase.isEmpty ? "\(status.code)" : status.reasonPhrase,
                               headers: [:])
            response = try api.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["route": "\(route)", "error": "\(error)"])
            response = try APIError(.internalServerError, "internal", "internal error")
                .response(from: request, context: context)
        }
        metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code),
                        nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
        return response
    }
}
