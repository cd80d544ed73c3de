import MarginCore

extension UnderlyingMarket {
    /// The engine's name for ``valuationTime``: the time of the underlying's last market update.
    public var time: Instant { valuationTime }
}

extension MarketUpdate {
    /// The market of ``underlying`` after this update over `current` (`nil`: a new underlying, whose index the
    /// update must give): ``UnderlyingMarket/updated(time:index:rate:forwards:perpetualPrice:volQuotes:path:)``,
    /// validated. Pure and deterministic, so validation (live) and ``EngineState/apply(_:)`` (live and replay) get the
    /// same market bit for bit.
    ///
    /// - Throws: ``InputError`` naming the field (`index`, `forwards.<expiry>`, `volSurface[0].points[2].iv`).
    public func applied(to current: UnderlyingMarket?) throws(InputError) -> UnderlyingMarket {
        let base = current ?? UnderlyingMarket(name: underlying, index: index ?? .nan, valuationTime: time)
        return try base.updated(time: time, index: index, rate: rate, forwards: forwards,
                                perpetualPrice: perpetualPrice, volQuotes: surface)
    }
}
