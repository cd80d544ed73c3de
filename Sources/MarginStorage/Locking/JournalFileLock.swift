import Foundation
import MarginEngine
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
final class JournalFileLock: Sendable {
    /// The lock file.
    let path: String
    private let descriptor: Mutex<Int32>

    /// Takes the lock or fails at once.
    ///
    /// - Throws: ``EngineError/journalInUse(_:)`` when another engine (process or store) holds it,
    ///   ``EngineError/storage(_:)`` when the file cannot be created.
    init(path: String, journal: String) throws(EngineError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EngineError.storage("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.holder(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw EngineError.journalInUse("\(journal) is held by another engine"
                    + (holder.map { " (process \($0))" } ?? "") + " through its lock \(path)")
            }
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
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
        }
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
