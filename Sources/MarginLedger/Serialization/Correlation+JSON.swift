import MarginCore

// Canonical JSON of the dynamic table's types (keys sorted, doubles in shortest round-trip form, instants as
// ISO-8601 text, counts as decimal strings so that every 64-bit value is exact), read back equal.

extension CorrelationPolicy {
    /// `{"enabled", "fallback": market.json's correlations, "halfLifeSeconds", "impliedMaximumAgeSeconds",
    /// "impliedTenorDays", "minimumIntervalSeconds", "samplingIntervalSeconds", "threshold", "warmUpSamples"}`.
    public var json: JSONValue {
        .sortedObject([
            ("enabled", .bool(enabled)), ("halfLifeSeconds", .double(halfLifeSeconds)),
            ("samplingIntervalSeconds", .string(String(samplingIntervalSeconds))),
            ("warmUpSamples", .string(String(warmUpSamples))), ("impliedTenorDays", .double(impliedTenorDays)),
            ("impliedMaximumAgeSeconds", .double(impliedMaximumAgeSeconds)), ("threshold", .double(threshold)),
            ("minimumIntervalSeconds", .double(minimumIntervalSeconds)), ("fallback", fallback.json),
        ])
    }

    /// Decodes ``json`` (every field required).
    public init(json node: JSONNode) throws(InputError) {
        self.init(enabled: try node.required("enabled").bool(),
                  halfLifeSeconds: try node.required("halfLifeSeconds").double(),
                  samplingIntervalSeconds: try JSONCounts.int64(try node.required("samplingIntervalSeconds")),
                  warmUpSamples: Int(try JSONCounts.int64(try node.required("warmUpSamples"))),
                  impliedTenorDays: try node.required("impliedTenorDays").double(),
                  impliedMaximumAgeSeconds: try node.required("impliedMaximumAgeSeconds").double(),
                  threshold: try node.required("threshold").double(),
                  minimumIntervalSeconds: try node.required("minimumIntervalSeconds").double(),
                  fallback: try CorrelationTable(json: try node.required("fallback")))
    }
}

extension CorrelationProvenance {
    /// `{"asOf", "largestChange", "pairs": [{"note"?, "pair": [A, B], "repaired", "samples", "source",
    /// "sourced"}], "repaired"}`.
    public var json: JSONValue {
        let items = pairs.map { p -> JSONValue in
            var fields: [(String, JSONValue)] = [
                ("pair", .array([.string(p.pair.first), .string(p.pair.second)])),
                ("source", .string(p.source.rawValue)), ("sourced", .double(p.sourced)),
                ("repaired", .bool(p.repaired)), ("samples", .string(String(p.samples))),
            ]
            if let note = p.note { fields.append(("note", .string(note))) }
            return .sortedObject(fields)
        }
        return .sortedObject([("asOf", .instant(asOf)), ("largestChange", .double(largestChange)),
                              ("pairs", .array(items)), ("repaired", .bool(repaired))])
    }

    public init(json node: JSONNode) throws(InputError) {
        var pairs: [Pair] = []
        for item in try node.required("pairs").array() {
            let pair = try JSONCounts.pair(try item.required("pair"))
            let sourceNode = try item.required("source")
            guard let source = CorrelationTableRule.Source(rawValue: try sourceNode.string()) else {
                throw InputError.invalid(path: sourceNode.path, reason: "must be implied, realized or fallback")
            }
            pairs.append(Pair(pair: pair, source: source, sourced: try item.required("sourced").double(),
                              repaired: try item.required("repaired").bool(),
                              samples: Int(try JSONCounts.int64(try item.required("samples"))),
                              note: try item.optional("note")?.string()))
        }
        self.init(asOf: try node.required("asOf").instant(), pairs: pairs,
                  repaired: try node.required("repaired").bool(),
                  largestChange: try node.required("largestChange").double())
    }
}

extension CorrelationMonitor {
    /// `{"clock"?, "pairs": [{"pair": [A, B], "samples", "lastUpdate"?, "tick"?, "latest": [..], "atTick": [..],
    /// "moments": [..]}]}`: each pair's estimator state (``RealizedCorrelationEstimator/State``), pairs sorted.
    public var json: JSONValue {
        let items = estimators.keys.sorted().compactMap { pair -> JSONValue? in
            guard let s = estimators[pair]?.state else { return nil }
            var fields: [(String, JSONValue)] = [
                ("pair", .array([.string(pair.first), .string(pair.second)])), ("samples", .string(String(s.samples))),
                ("latest", .array(s.latest.map(JSONValue.double))), ("atTick", .array(s.atTick.map(JSONValue.double))),
                ("moments", .array(s.moments.map(JSONValue.double))),
            ]
            if let t = s.lastUpdate { fields.append(("lastUpdate", .instant(t))) }
            if let t = s.tick { fields.append(("tick", .string(String(t)))) }
            return .sortedObject(fields)
        }
        var fields: [(String, JSONValue)] = [("pairs", .array(items))]
        if let clock { fields.append(("clock", .instant(clock))) }
        return .sortedObject(fields)
    }

    /// Decodes ``json`` with the estimators' `configuration` (the policy's).
    public init(json node: JSONNode, configuration: RealizedCorrelationEstimator.Configuration) throws(InputError) {
        var estimators: [UnderlyingPair: RealizedCorrelationEstimator] = [:]
        for item in try node.required("pairs").array() {
            let pair = try JSONCounts.pair(try item.required("pair"))
            func doubles(_ key: String) throws(InputError) -> [Double] {
                var out: [Double] = []
                for x in try item.required(key).array() { out.append(try x.double()) }
                return out
            }
            let state = RealizedCorrelationEstimator.State(
                samples: Int(try JSONCounts.int64(try item.required("samples"))),
                lastUpdate: try item.optional("lastUpdate")?.instant(),
                tick: try item.optional("tick").map { (n) throws(InputError) in try JSONCounts.int64(n) },
                latest: try doubles("latest"), atTick: try doubles("atTick"), moments: try doubles("moments"))
            do {
                estimators[pair] = try RealizedCorrelationEstimator(names: [pair.first, pair.second],
                                                                     configuration: configuration, state: state)
            } catch {
                throw error.prefixed(item.path)
            }
        }
        self.init(estimators: estimators, clock: try node.optional("clock")?.instant())
    }
}

extension CrossRateUpdate {
    /// The event's fields (beside `type`): `base`, `quote`, `time`, `index`, `rate`?, `forwards`?, `volSurface`,
    /// in `market.json`'s cross-rate format.
    package var jsonFields: [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("base", .string(base)), ("quote", .string(quote)),
                                            ("time", .instant(time)), ("index", .double(index)),
                                            ("volSurface", VolQuote.json(surface))]
        if let rate { pairs.append(("rate", .double(rate))) }
        if let forwards { pairs.append(("forwards", UnderlyingMarket.json(forwards: forwards))) }
        return pairs
    }

    package init(json node: JSONNode) throws(InputError) {
        self.init(base: try node.required("base").string(), quote: try node.required("quote").string(),
                  time: try node.required("time").instant(), index: try node.required("index").double(),
                  rate: try node.optional("rate")?.double(),
                  forwards: try node.optional("forwards").map { (f) throws(InputError) in
                      try UnderlyingMarket.forwards(json: f, after: nil)
                  },
                  surface: try VolQuote.quotes(json: try node.required("volSurface")))
    }
}

extension CrossRate {
    /// A cross rate in a snapshot: `market.json`'s cross-rate fields with its own `valuationTime`.
    package var snapshotJSON: JSONValue {
        guard case .object(let fields) = market.json(includingValuationTime: true) else { return .null }
        return .sortedObject([("base", .string(base)), ("quote", .string(quote))] + fields.map { ($0.key, $0.value) })
    }

    package init(snapshotJSON node: JSONNode) throws(InputError) {
        let base = try node.required("base").string()
        let quote = try node.required("quote").string()
        let time = try node.required("valuationTime").instant()
        self.init(base: base, quote: quote,
                  market: try UnderlyingMarket(json: node, name: "\(base)/\(quote)", valuationTime: time))
    }
}

/// Integers written as decimal strings (exact for every 64-bit value), and pairs of names.
package enum JSONCounts {
    package static func int64(_ node: JSONNode) throws(InputError) -> Int64 {
        let text = try node.string()
        guard let v = Int64(text) else {
            throw InputError.invalid(path: node.path, reason: "\"\(text)\" is not a whole number")
        }
        return v
    }

    package static func pair(_ node: JSONNode) throws(InputError) -> UnderlyingPair {
        let items = try node.array()
        guard items.count == 2 else { throw InputError.invalid(path: node.path, reason: "must name two underlyings") }
        let a = try items[0].string()
        let b = try items[1].string()
        guard a < b else {
            throw InputError.invalid(path: node.path, reason: "must name two underlyings in name order")
        }
        return UnderlyingPair(a, b)
    }
}
