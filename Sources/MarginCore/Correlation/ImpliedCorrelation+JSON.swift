extension ImpliedCorrelation {
    /// The JSON rendering:
    /// `{"pairs": [{"pair": ["BTC", "ETH"], "expiry": "2026-03-27T08:00:00Z", "implied": 0.81,
    /// "vols": {"BTC": 0.55, "ETH": 0.65, "ETH/BTC": 0.35}}]}`: pair names sorted, `vols` keyed by the two names in
    /// that order and then the cross's name; pairs in ``pairs`` order.
    public var json: JSONValue {
        .object([("pairs", .array(pairs.map { p in
            .object([
                ("pair", .array([.string(p.first), .string(p.second)])),
                ("expiry", .string(p.expiry.iso8601)),
                ("implied", .double(p.implied)),
                ("vols", .object([(p.first, .double(p.firstVol)), (p.second, .double(p.secondVol)),
                                  (p.cross, .double(p.crossVol))])),
            ])
        }))])
    }
}
