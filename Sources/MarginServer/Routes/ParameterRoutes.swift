import Foundation
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// `GET /v1/parameters` (every role) and `PUT /v1/parameters` (admins): the parameter file's format, strict
    /// (an unknown key is a 400 naming it); out-of-range values are the engine's 422 naming the field.
    func addParameterRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.get, "/v1/parameters", scope: .parametersRead)) { [self] _, _ in
            let engine = try readyEngine()
            return JSONResponse.make(await engine.riskParameters().json)
        }
        route(router, RouteSpec(.put, "/v1/parameters", scope: .parametersReadWrite, body: .parameters)) {
            [self] request, context, body in
            let parameters = try StrictBody.decode { () throws(InputError) in try RiskParameters(json: body.node) }
            return try await write(.parameters(parameters), request: request, context: context)
        }
    }
}
