import Hummingbird

extension MarginServer {
    /// Registers a route on the router and in ``routes`` (the gate's and the OpenAPI test's table) at once.
    func route(_ router: Router<Context>, _ spec: RouteSpec,
               _ handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        routes.add(spec)
        router.on(RouterPath(spec.path), method: spec.method, use: handler)
    }

    /// Registers a route that takes a JSON body (``RouteSpec/body``): the handler gets it parsed and checked against
    /// its shape (a 400 naming the JSON path otherwise).
    func route(_ router: Router<Context>, _ spec: RouteSpec,
               _ handler: @escaping @Sendable (Request, Context, CheckedBody) async throws -> Response) {
        let shape = spec.body ?? .any
        route(router, spec) { request, context in
            let node = try StrictBody.parse(context.bodyBytes, shape: shape)
            return try await handler(request, context, CheckedBody(node: node, shape: shape))
        }
    }
}
