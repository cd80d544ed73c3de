import Foundation
import MarginLedger
import Synchronization

/// The one-writer lock of a SQLite journal, taken on the **file**, not on the path it was named by: the path is
/// first resolved to its real path (symbolic links followed), then two exclusive, non-blocking `flock(2)` locks are
/// taken, held from before the database is opened until ``release()`` (or deinit), and released by the kernel when
/// the process dies (however it dies: SIGKILL included), so a crash never leaves them stale:
///
/// - on a sidecar file `<real path>.lock`, which holds the holder's process id (for the error message): a symbolic
///   link to a journal in use finds the same sidecar;
/// - on the database file itself (its inode): a hard link to a journal in use, whose sidecar would be another file,
///   finds the same inode locked.
///
/// Why `flock`: SQLite itself takes POSIX `fcntl` locks on the database file, and POSIX locks are per process
/// (closing any descriptor of the file drops them all), so they can neither be shared with SQLite nor detect a
/// second writer inside one process. `flock` locks belong to an open file description and, on Linux, never
/// interact with POSIX locks: a second open in the same process conflicts, SQLite's own locks are untouched. The
/// descriptor on the database file is held open until release, which comes after the database is closed. The
/// sidecar is never deleted (deleting a lock file races with its next holder).
///
/// A lock this process released can look held for a moment: a child the process is spawning shares the lock's
/// open file description from its fork until its `exec` closes it (`O_CLOEXEC`). So a second writer inside the
/// process is recognized by the process's own register of held locks (``held``, by real path and by inode) and
/// refused at once; a lock busy with no holder registered here is waited for, up to ``lingerLimit``, when it may
/// be such a copy (the sidecar names this process, or the database file's lock, which names no one).
final class JournalFileLock: Sendable {
    /// The lock file.
    let path: String
    private let sidecar: HeldFlock
    private let inode: HeldFlock
    /// The lock files this process holds, by real path and by `dev:inode`.
    private static let held = Mutex<Set<String>>([])
    /// How long a lock busy under this process's own id, held by no store here, is retried.
    static let lingerLimit: Duration = .seconds(2)

    /// Takes the lock of the journal at `journal` (a path, possibly through symbolic or hard links) or fails at once.
    ///
    /// - Throws: ``EngineError/journalInUse(_:)`` when another engine (process or store) holds it, through this path
    ///   or another, ``EngineError/storage(_:)`` when a file cannot be created.
    init(journal: String) throws(EngineError) {
        let real = Self.resolved(journal)
        path = real + ".lock"
        let path = self.path
        func inUse(_ holder: String?, through: String) -> EngineError {
            .journalInUse("\(journal) is held by another engine" + (holder.map { " (process \($0))" } ?? "")
                + " through \(through)")
        }
        sidecar = try HeldFlock(file: path, key: "path:" + real, pidFile: true) { holder in
            inUse(holder, through: "its lock \(path)")
        }
        do {
            inode = try HeldFlock(file: real, key: nil, pidFile: false) { _ in
                inUse(nil, through: "another path to the same file (\(real))")
            }
        } catch {
            sidecar.release()
            throw error
        }
    }

    deinit { release() }

    /// Releases the lock (idempotent).
    func release() {
        inode.release()
        sidecar.release()
    }

    /// `path` with every symbolic link resolved (`realpath(3)`); for a file not created yet, its directory's real
    /// path and its name. A path that cannot be resolved is kept standardized.
    static func resolved(_ path: String) -> String {
        if let real = realPath(path) { return real }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let directory = realPath(url.deletingLastPathComponent().path) else { return url.path }
        return (directory == "/" ? "" : directory) + "/" + url.lastPathComponent
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// One `flock` held on one file, registered in ``held`` under `key` (or the file's `dev:inode`).
    private final class HeldFlock: Sendable {
        private let descriptor: Mutex<Int32>
        private let key: String

        init(file: String, key: String?, pidFile: Bool,
             inUse: (String?) -> EngineError) throws(EngineError) {
            let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw EngineError.storage("cannot create \(file): \(String(cString: strerror(errno)))")
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw EngineError.storage("cannot stat \(file): \(reason)")
            }
            let key = key ?? "inode:\(info.st_dev):\(info.st_ino)"
            guard JournalFileLock.held.withLock({ $0.insert(key).inserted }) else {
                close(fd)
                throw inUse("\(getpid())")
            }
            let start = ContinuousClock.now
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = pidFile ? HeldFlock.holder(fd) : nil
                // Busy under our own id (or, for the unnamed inode lock, under anyone's) with no holder here: maybe
                // a spawning child's copy, gone at its exec.
                if code == EWOULDBLOCK, !pidFile || holder == "\(getpid())",
                   ContinuousClock.now - start < JournalFileLock.lingerLimit {
                    usleep(5_000)
                    continue
                }
                close(fd)
                JournalFileLock.held.withLock { _ = $0.remove(key) }
                if code == EWOULDBLOCK { throw inUse(holder) }
                throw EngineError.storage("cannot lock \(file): \(String(cString: strerror(code)))")
            }
            if pidFile {
                let pid = Array("\(getpid())\n".utf8)
                _ = ftruncate(fd, 0)
                _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            }
            self.key = key
            descriptor = Mutex(fd)
        }

        deinit { release() }

        func release() {
            let released: Bool = descriptor.withLock { fd in
                guard fd >= 0 else { return false }
                close(fd)
                fd = -1
                return true
            }
            if released { JournalFileLock.held.withLock { _ = $0.remove(key) } }
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
}
