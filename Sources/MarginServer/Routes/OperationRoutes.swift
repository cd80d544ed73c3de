import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import MarginCore
import MarginEngine
import MarginLedger

extension MarginServer {
    /// `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json` and the dashboard at `/`: public (put `/metrics`
    /// behind the gateway's own rules).
    func addOperationRoutes(_ router: Router<Context>) {
        route(router, RouteSpec(.get, "/healthz", scope: nil)) { _, _ in
            JSONResponse.make(.object([("status", .string("ok"))]))
        }
        route(router, RouteSpec(.get, "/readyz", scope: nil)) { [self] _, _ in
            guard let engine else {
                return JSONResponse.make(.object([("status", .string("recovering")),
                                                  ("reason", .string("the engine is recovering its journal"))]),
                                         status: .serviceUnavailable)
            }
            let status = engine.status
            let name: String
            switch status {
            case .ready: name = "ready"
            case .recovering: name = "recovering"
            case .faulted: name = "faulted"
            case .stopped: name = "stopped"
            }
            var pairs: [(String, JSONValue)] = [("status", .string(name))]
            if !status.isReady { pairs.append(("reason", .string(status.description))) }
            var response = JSONResponse.make(.object(pairs), status: status.isReady ? .ok : .serviceUnavailable)
            if !status.isReady { response.headers[.retryAfter] = "1" }
            return response
        }
        route(router, RouteSpec(.get, "/metrics", scope: nil)) { [self] _, _ in
            if let engine { await sampleEngine(engine) }
            return JSONResponse.text(metricsSetup.text(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        route(router, RouteSpec(.get, "/openapi.json", scope: nil)) { _, _ in
            JSONResponse.text(OpenAPIDocument.text, contentType: "application/json; charset=utf-8")
        }
        route(router, RouteSpec(.get, "/", scope: nil)) { _, _ in
            let page: String
            do { page = try DashboardPage.html.get() } catch {
                throw APIError(.internalServerError, "internal", "the dashboard cannot be served: \(error)")
            }
            var response = JSONResponse.text(page, contentType: "text/html; charset=utf-8")
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:"
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// Engine gauges, read when scraped (status and counters without waiting; health counts and sequence on the
    /// engine's thread).
    func sampleEngine(_ engine: RiskEngine) async {
        let status = engine.status
        metrics.gauge("margin_engine_ready").record(status.isReady ? 1 : 0)
        let c = engine.counters
        metrics.gauge("margin_engine_events_total", [("outcome", "acknowledged")]).record(c.acknowledged)
        metrics.gauge("margin_engine_events_total", [("outcome", "rejected")]).record(c.rejected)
        metrics.gauge("margin_engine_events_total", [("outcome", "storage_fault")]).record(c.storageFaults)
        let counts = await engine.healthCounts
        for h in Health.allCases { metrics.gauge("margin_accounts", [("health", h.rawValue)]).record(counts[h] ?? 0) }
        let sequence = await engine.sequence
        metrics.gauge("margin_journal_sequence").record(Int(sequence))
        metrics.gauge("margin_journal_lag_events").record(Int(sequence - min(sequence, lastSnapshotSequence)))
    }
}
