import Hummingbird
import HummingbirdCore
import NIOCore
import Synchronization

/// The open connections and the cap on them (``ConnectionLimits/maxConnections``).
///
/// The listener counts every accepted connection (``Admission``); each HTTP connection's ``ConnectionGuard``
/// enrolls it with whether it may be evicted: a connection that is idle or still sending its request head or body
/// may, one whose request is being answered (or a WebSocket stream) may not. When an accepted connection takes the
/// count past the cap, the connection evictable longest is closed, so that a flood of idle or partial connections
/// never locks out a fresh client (`/healthz` stays answerable). Only when every connection is busy does the
/// listener stop accepting until one closes (back-off on accept). Thread-safe.
final class ConnectionRoster: Sendable {
    private struct Entry {
        let channel: any Channel
        var evictable: Bool
        var since: NIODeadline
    }

    private struct State {
        var open = 0
        var entries: [ObjectIdentifier: Entry] = [:]
        var evicted = 0
    }

    let cap: Int
    private let state = Mutex(State())

    init(cap: Int) { self.cap = max(1, cap) }

    /// Connections accepted and not yet closed.
    var open: Int { state.withLock { $0.open } }

    /// Connections closed to make room, since start.
    var evicted: Int { state.withLock { $0.evicted } }

    /// Whether the listener should accept: below the cap, or an evictable connection can make room.
    var isAccepting: Bool {
        state.withLock { s in s.open < cap || s.entries.values.contains { $0.evictable } }
    }

    /// A connection was accepted: past the cap, the longest-evictable one is closed.
    func opened() {
        let victim: (any Channel)? = state.withLock { s in
            s.open += 1
            guard s.open > cap else { return nil }
            guard let (id, entry) = s.entries.filter({ $0.value.evictable }).min(by: { $0.value.since < $1.value.since })
            else { return nil }
            s.entries[id] = nil
            s.evicted += 1
            return entry.channel
        }
        victim?.close(promise: nil)
    }

    /// A connection was closed.
    func closed() { state.withLock { $0.open -= 1 } }

    /// Enrolls or updates `id`'s connection: whether it may be evicted, since now.
    func mark(_ id: ObjectIdentifier, channel: any Channel, evictable: Bool) {
        let now = NIODeadline.now()
        state.withLock { s in
            s.entries[id] = Entry(channel: channel, evictable: evictable, since: now)
        }
    }

    /// Removes `id`'s connection (it closed).
    func remove(_ id: ObjectIdentifier) { state.withLock { $0.entries[id] = nil } }

    /// The listener's side: Hummingbird asks it whether to accept and tells it of every open and close.
    struct Admission: AvailableConnectionsDelegate {
        let roster: ConnectionRoster

        mutating func connectionOpened() { roster.opened() }
        mutating func connectionClosed() { roster.closed() }
        func isAcceptingNewConnections() -> Bool { roster.isAccepting }
    }
}
