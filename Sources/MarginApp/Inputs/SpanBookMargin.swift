import MarginCore
import MarginVenues

/// `margin span`: the SPAN margin of a book given as 16-scenario risk arrays, read from files.
public enum SpanBookMargin {
    /// Loads the SPAN book at `book` and the span preset's parameter file at `params` (its `initialToMaintenance`
    /// and `takeoverRatio` apply), and computes the book's margin.
    ///
    /// - Throws: ``InputError`` naming `--book` or `--params`, the file and the field.
    public static func compute(book: String, params: String?) throws(InputError) -> VenueMarginResult {
        let spanBook = try InputFile.decode(book, option: "--book") { (n) throws(InputError) in try SpanBook(json: n) }
        var parameters = SpanParameters.defaults
        if let params {
            let preset = try InputFile.decode(params, option: "--params") { (n) throws(InputError) in
                try VenuePreset(json: n, preset: .span)
            }
            if case .span(let p) = preset { parameters = p }
        }
        return try SpanMargin(parameters: parameters).margin(of: spanBook)
    }
}
