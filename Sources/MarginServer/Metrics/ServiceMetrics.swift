import CoreMetrics
import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, through swift-metrics on the factory it is handed (``MetricsSetup``: Prometheus), never
/// the global one: `margin serve` bootstraps the global system with the same factory, tests use their own.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `margin_http_request_duration_seconds` | histogram | `route`, `method`, `status` |
/// | `margin_http_denials_total` | counter | `route`, `reason` (`unauthenticated`, `forbidden`, `rate_limited`) |
/// | `margin_remargin_latency_seconds` | histogram | tick arrival → every affected account re-margined |
/// | `margin_remargin_priority_latency_seconds` | histogram | tick arrival → the 100 nearest liquidation |
/// | `margin_accounts` | gauge | `health` |
/// | `margin_journal_sequence` | gauge | the last journaled sequence |
/// | `margin_journal_lag_events` | gauge | events after the last snapshot (what a restart replays) |
/// | `margin_engine_ready` | gauge | 1 ready, 0 otherwise |
/// | `margin_engine_events_total` | gauge | `outcome` (`acknowledged`, `rejected`, `storage_fault`) |
/// | `margin_stream_clients` / `margin_stream_dropped_total` | gauge / counter | WebSocket clients, slow ones dropped |
public final class ServiceMetrics: Sendable {
    public let factory: any MetricsFactory
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    let remargin: Metrics.Timer
    let remarginPriority: Metrics.Timer
    let streamDropped: CoreMetrics.Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        remargin = Metrics.Timer(label: "margin_remargin_latency_seconds", dimensions: [], factory: factory)
        remarginPriority = Metrics.Timer(label: "margin_remargin_priority_latency_seconds", dimensions: [],
                                         factory: factory)
        streamDropped = CoreMetrics.Counter(label: "margin_stream_dropped_total", dimensions: [], factory: factory)
    }

    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let key = "\(route) \(method) \(status)"
        let timer = timers.withLock { t in
            if let timer = t[key] { return timer }
            let timer = Metrics.Timer(label: "margin_http_request_duration_seconds",
                                      dimensions: [("route", route), ("method", method), ("status", String(status))],
                                      factory: factory)
            t[key] = timer
            return timer
        }
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func denied(route: String, reason: String) {
        counter("margin_http_denials_total", [("route", route), ("reason", reason)]).increment()
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { c in
            if let counter = c[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            c[key] = counter
            return counter
        }
    }

    func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return gauges.withLock { g in
            if let gauge = g[key] { return gauge }
            let gauge = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            g[key] = gauge
            return gauge
        }
    }
}

/// The Prometheus registry and the swift-metrics factory writing into it.
public struct MetricsSetup: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
    }

    /// The registry's exposition text.
    public func text() -> String { registry.emitToString() }
}
