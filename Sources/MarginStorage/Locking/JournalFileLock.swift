import Foundation
import MarginLedger
import Synchronization

/// The one-writer lock of a SQLite journal: an exclusive, non-blocking `flock(2)` on a sidecar file
/// `<database>.lock`, held from before the database is opened until ``release()`` (or deinit), and released by
/// the kernel when the process dies (however it dies: SIGKILL included), so a crash never leaves it stale.
///
/// Why a sidecar and `flock`: SQLite itself takes POSIX `fcntl` locks on the database file, and POSIX locks are
/// per process (closing any descriptor of the file drops them all), so they can neither be shared with SQLite nor
/// detect a second writer inside one process. `flock` locks belong to an open file description: a second open in
/// the same process conflicts too. The sidecar is never deleted (deleting a lock file races with its next
/// holder); it holds the holder's process id, for the error message.
///
/// A lock this process released can look held for a moment: a child the process is spawning shares the lock's
/// open file description from its fork until its `exec` closes it (`O_CLOEXEC`). So a second writer inside the
/// process is recognized by the process's own register of held locks (``held``) and refused at once; a lock busy
/// under this process's id with no holder registered here is waited for, up to ``lingerLimit``.
final class JournalFileLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Mutex<Int32>
    /// ``path`` standardized: the key of ``held``.
    private let key: String
    /// The lock files this process holds.
    private static let held = Mutex<Set<String>>([])
    /// How long a lock busy under this process's own id, held by no store here, is retried.
    static let lingerLimit: Duration = .seconds(2)

    /// Takes the lock or fails at once.
    ///
    /// - Throws: ``EngineError/journalInUse(_:)`` when another engine (process or store) holds it,
    ///   ``EngineError/storage(_:)`` when the file cannot be created.
    init(path: String, journal: String) throws(EngineError) {
        self.path = path
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        self.key = key
        func inUse(_ holder: String?) -> EngineError {
            .journalInUse("\(journal) is held by another engine" + (holder.map { " (process \($0))" } ?? "")
                + " through its lock \(path)")
        }
        guard Self.held.withLock({ $0.insert(key).inserted }) else { throw inUse("\(getpid())") }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            Self.held.withLock { _ = $0.remove(key) }
            throw EngineError.storage("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let start = ContinuousClock.now
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.holder(fd)
            // Busy under our own id with no holder here: a spawning child's copy, gone at its exec.
            if code == EWOULDBLOCK, holder == "\(getpid())", ContinuousClock.now - start < Self.lingerLimit {
                usleep(5_000)
                continue
            }
            close(fd)
            Self.held.withLock { _ = $0.remove(key) }
            if code == EWOULDBLOCK { throw inUse(holder) }
            throw EngineError.storage("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = Mutex(fd)
    }

    deinit { release() }

    /// Releases the lock (idempotent).
    func release() {
        let released: Bool = descriptor.withLock { fd in
            guard fd >= 0 else { return false }
            close(fd)
            fd = -1
            return true
        }
        if released { Self.held.withLock { _ = $0.remove(key) } }
    }

    /// The process id written in the lock file by its holder, if readable.
    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
