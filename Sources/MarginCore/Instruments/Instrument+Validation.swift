extension OptionContract {
    /// The domain of a strike, USD per coin (what ``Instrument/init(json:)``, a vol quote and an engine listing
    /// accept): a price, as an index or a forward is.
    public static let strikeDomain = NumberDomain.open(0, 1e15, text: "a price > 0")
}

extension Instrument {
    /// The intrinsic checks of an instrument (no market needed): the underlying is 1 to 128 characters and not a
    /// stablecoin, the expiry (if any) is an instant ISO-8601 can write (years 1678–2261), an option's strike is in
    /// ``OptionContract/strikeDomain``. What passes is written as JSON (``json``) and read back equal.
    ///
    /// - Parameter path: prefixed to the field in the error (`instrument.strike`).
    public func validate(path: String = "instrument") throws(InputError) {
        guard !underlying.isEmpty, underlying.count <= 128 else {
            throw InputError.invalid(path: "\(path).underlying", reason: "must be 1 to 128 characters")
        }
        guard !Portfolio.stablecoins.contains(underlying) else {
            throw InputError.invalid(path: "\(path).underlying", reason: "\"\(underlying)\" is a stablecoin")
        }
        if let expiry, !expiry.isISO8601Representable {
            throw InputError.invalid(path: "\(path).expiry", reason: "\(expiry) is outside years 1678–2261")
        }
        if let c = option { try OptionContract.strikeDomain.check(c.strike, path: "\(path).strike") }
    }
}
