import Foundation

/// The limits of the service's edge: how many connections it holds, how long a connection may take to send a
/// request head, a body, or to read an answer, how long it may sit idle, how large a request head may be, and how
/// long shutdown waits for requests in flight (docs/SERVICE.md, "Connections").
///
/// Times are wall-clock durations on the event loop (they bound the network only; no decision reads them).
public struct ConnectionLimits: Sendable {
    /// Open connections at most; at the cap the oldest connection that is idle or still sending its request is
    /// closed to admit a new one (accepting backs off only when every connection is busy with a request).
    public var maxConnections: Int
    /// A connection with no request in progress and no byte received is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// From a request's first byte to its complete head (request line and headers); then 408 and closed.
    public var headerTimeout: Duration = .seconds(10)
    /// From a request's head to the end of its body; then closed.
    public var bodyTimeout: Duration = .seconds(30)
    /// A connection that takes no bytes of an answer for this long (its socket buffer full) is closed.
    public var writeTimeout: Duration = .seconds(30)
    /// On SIGTERM or SIGINT: requests in flight get this long to finish, then their connections are closed.
    public var shutdownGrace: Duration = .seconds(10)
    /// The request line (method, target, version) at most; longer: 414.
    public var maxRequestLineBytes = 8 * 1_024
    /// One header field (name and value) at most; longer: 431.
    public var maxHeaderFieldBytes = 16 * 1_024
    /// All header fields together at most; more: 431.
    public var maxHeaderBytes = 64 * 1_024
    /// Header fields at most; more: 431.
    public var maxHeaderCount = 100

    public init(maxConnections: Int = ConnectionLimits.defaultMaxConnections()) {
        self.maxConnections = maxConnections
    }

    /// File descriptors kept free of connections for the journal (SQLite, its WAL and shared memory, or
    /// PostgreSQL's connections), snapshots, the event loops, logging and the admin key file: an eighth of the
    /// limit, at least 64.
    public static func headroom(fileLimit: Int) -> Int { max(64, fileLimit / 8) }

    /// Connections at most by default: the process's open-file limit (`getrlimit(RLIMIT_NOFILE)`, soft) less
    /// ``headroom(fileLimit:)``, at least 16 and at most 10,000.
    public static func defaultMaxConnections(fileLimit: Int = ConnectionLimits.openFileLimit()) -> Int {
        min(10_000, max(16, fileLimit - headroom(fileLimit: fileLimit)))
    }

    /// The process's soft limit on open files (`ulimit -n`); 1,024 when it cannot be read.
    public static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        return Int(clamping: min(limit.rlim_cur, 1 << 20))  // unlimited (RLIM_INFINITY) reads as 2^20
    }
}
