extension BacktestStatistics {
    /// `{"observations", "exceptions", "coverage", "kupiecLR", "kupiecPValue", "kupiecAccepts", "zone",
    /// "windows": [{"start", "end", "exceptions", "zone"}], "meanMargin", "meanMarginVsFixed",
    /// "worstShortfall": {"date", "amount"}, "exceptionDates": [...]}`; amounts USD.
    public var json: JSONValue {
        let windows: [JSONValue] = windows.map { w in
            JSONValue.object([(key: "start", value: .string(w.start)), (key: "end", value: .string(w.end)),
                              (key: "exceptions", value: .double(Double(w.exceptions))),
                              (key: "zone", value: .string(w.zone.rawValue))])
        }
        let shortfall: JSONValue = .object([(key: "date", value: .string(worstShortfall.date)),
                                            (key: "amount", value: .double(worstShortfall.amount))])
        let vsFixed: JSONValue = meanMarginVsFixed.map { .double($0) } ?? .null
        var pairs: [(key: String, value: JSONValue)] = []
        pairs.append((key: "observations", value: .double(Double(observations))))
        pairs.append((key: "exceptions", value: .double(Double(exceptions))))
        pairs.append((key: "coverage", value: .double(coverage)))
        pairs.append((key: "kupiecLR", value: .double(kupiec.likelihoodRatio)))
        pairs.append((key: "kupiecPValue", value: .double(kupiec.pValue)))
        pairs.append((key: "kupiecAccepts", value: .bool(kupiec.accepts)))
        pairs.append((key: "zone", value: .string(zone.rawValue)))
        pairs.append((key: "windows", value: .array(windows)))
        pairs.append((key: "meanMargin", value: .double(meanMargin)))
        pairs.append((key: "meanMarginVsFixed", value: vsFixed))
        pairs.append((key: "worstShortfall", value: shortfall))
        pairs.append((key: "exceptionDates", value: .array(exceptionDates.map { .string($0) })))
        return .object(pairs)
    }
}

extension BacktestResult {
    /// `{"horizonDays", "coverage", "from", "to", "observations", "volatility": {"BTC": "riskMetrics"},
    /// "carriedForward": [dates whose null prices took the previous day's],
    /// "models": {"portfolio": {…statistics…}, …}}` (models in run order).
    public var json: JSONValue {
        let volatility: [(key: String, value: JSONValue)] = zip(underlyings, volSources).map {
            (key: $0, value: .string($1))
        }
        let models: [(key: String, value: JSONValue)] = models.map { (key: $0.name, value: $0.statistics.json) }
        var pairs: [(key: String, value: JSONValue)] = []
        pairs.append((key: "horizonDays", value: .double(Double(horizonDays))))
        pairs.append((key: "coverage", value: .double(coverage)))
        pairs.append((key: "from", value: .string(dates.first ?? "")))
        pairs.append((key: "to", value: .string(dates.last ?? "")))
        pairs.append((key: "observations", value: .double(Double(dates.count))))
        pairs.append((key: "volatility", value: .object(volatility)))
        pairs.append((key: "carriedForward", value: .array(carriedForwardDates.map { .string($0) })))
        pairs.append((key: "models", value: .object(models)))
        return .object(pairs)
    }
}

extension PriceRangeCalibration {
    /// `{"priceRange": number|null, "trials": [{"priceRange", "exceptions", "coverage", "kupiecAccepts",
    /// "meanMargin"}]}`.
    public var json: JSONValue {
        .object([
            (key: "priceRange", value: priceRange.map { .double($0) } ?? .null),
            (key: "trials", value: .array(trials.map { t in
                .object([(key: "priceRange", value: .double(t.priceRange)),
                         (key: "exceptions", value: .double(Double(t.exceptions))),
                         (key: "coverage", value: .double(t.coverage)),
                         (key: "kupiecAccepts", value: .bool(t.kupiecAccepts)),
                         (key: "meanMargin", value: .double(t.meanMargin))])
            })),
        ])
    }
}
