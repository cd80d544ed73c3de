import MarginCore
import MarginVenues

/// The margin method an account command runs: a preset chosen by name (else the parameter file's `"preset"`, else
/// `reference`), tuned by a parameter file, with a correlation mode applied to the reference model.
public enum PresetSelection {
    /// The chosen preset.
    ///
    /// - Parameters:
    ///   - name: the preset's name (`--preset`), or `nil`.
    ///   - params: the parameter file's path (`--params`), or `nil`.
    ///   - correlation: `--correlation`, for the reference preset only.
    /// - Throws: ``InputError`` naming `--preset`, the `--params` field, or `--correlation` when it is given for a
    ///   venue preset (it applies to the reference model only).
    public static func preset(name: String?, params: String?, correlation: RiskParameters.CorrelationMode?)
        throws(InputError) -> VenuePreset
    {
        let chosen = try name.map { (text) throws(InputError) in try VenuePreset.name(text, path: "--preset") }
        var preset = VenuePreset(chosen ?? .reference)
        if let params {
            preset = try InputFile.decode(params, option: "--params") { (n) throws(InputError) in
                try VenuePreset(json: n, preset: chosen)
            }
        }
        if let correlation {
            guard case .reference(var p) = preset else {
                throw InputError.invalid(
                    path: "--correlation",
                    reason: "applies to the reference preset only, not \"\(preset.name.rawValue)\"")
            }
            p.correlationMode = correlation
            preset = .reference(p)
        }
        return preset
    }

    /// Every preset for `compare --venues`, each tuned by its section of the parameter file (see
    /// ``VenuePreset/all(json:)``), `correlation` applied to the reference.
    public static func allPresets(params: String?, correlation: RiskParameters.CorrelationMode?)
        throws(InputError) -> [VenuePreset]
    {
        let node = try params.map { (path) throws(InputError) in try InputFile.json(path, option: "--params") }
        var presets: [VenuePreset]
        do {
            presets = try VenuePreset.all(json: node)
        } catch {
            throw error.prefixed("--params \(params ?? "")")
        }
        if let correlation, case .reference(var p) = presets.first {
            p.correlationMode = correlation
            presets[0] = .reference(p)
        }
        return presets
    }
}
