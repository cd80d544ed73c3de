import Foundation

/// A text file bundled with this target (`resources:` in `Package.swift`, read through `Bundle.module`): the
/// OpenAPI document and the dashboard's page, stylesheet and script.
struct BundledResource: Sendable {
    /// The file's name without its extension (`dashboard`).
    var name: String
    /// Its extension without the dot (`html`).
    var ext: String

    init(_ name: String, _ ext: String) {
        self.name = name
        self.ext = ext
    }

    /// The file name, as `Package.swift` copies it (`dashboard.html`).
    var fileName: String { "\(name).\(ext)" }

    /// The file's UTF-8 text.
    ///
    /// - Throws: ``BundledResourceError`` when the bundle lacks the file or it cannot be read as UTF-8.
    func text() throws(BundledResourceError) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext) else {
            throw .missing(fileName)
        }
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(fileName, reason: "\(error)")
        }
    }
}

/// Why a bundled resource could not be served (an installation fault, never the request's).
enum BundledResourceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The resource bundle has no such file (a `resources:` entry missing from `Package.swift`, or the bundle
    /// directory not installed beside the executable).
    case missing(String)
    case unreadable(String, reason: String)
    /// A file lacks the marker another file's text replaces.
    case markerMissing(file: String, marker: String)

    var description: String {
        switch self {
        case .missing(let file): return "the resource \(file) is not in the server's bundle"
        case .unreadable(let file, let reason): return "the resource \(file) cannot be read as UTF-8: \(reason)"
        case .markerMissing(let file, let marker): return "the resource \(file) lacks \(marker)"
        }
    }
}
