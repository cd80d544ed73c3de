/// Paths of the package's example inputs (`examples/`) and of the shared specification's (`../shared/examples/`),
/// found from this source file, so tests run from any working directory.
public enum ExampleFiles {
    /// The package's root folder.
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// `examples/NAME`.
    public static func path(_ name: String) -> String { packageRoot + "/examples/" + name }

    /// `../shared/examples/NAME`.
    public static func shared(_ name: String) -> String { packageRoot + "/../shared/examples/" + name }
}
