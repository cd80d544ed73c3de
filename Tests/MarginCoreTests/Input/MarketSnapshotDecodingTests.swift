import Foundation
import MarginCore
import Testing

/// Shared by the `Input` test files: the example documents in `shared/examples/`, and JSON editing by path.
enum InputTestFixture {
    /// One step of a JSON path: an object key or an array index.
    enum Step: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
        case key(String)
        case index(Int)
        init(stringLiteral value: String) { self = .key(value) }
        init(integerLiteral value: Int) { self = .index(value) }
        var description: String {
            switch self {
            case .key(let k): return ".\(k)"
            case .index(let i): return "[\(i)]"
            }
        }
    }

    /// `<repo>/../shared/examples/<name>`; the repo root is 4 levels above this file.
    static func text(_ name: String, file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        url = url.deletingLastPathComponent().appendingPathComponent("shared/examples/\(name)")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("cannot read \(url.path)")
        }
        return text
    }

    static func json(_ name: String) -> JSONValue {
        do { return try JSONParser.parse(text(name)) } catch { fatalError("\(name): \(error)") }
    }

    /// The `JSONNode` path of `steps`, e.g. `$.positions[2].strike`.
    static func path(_ steps: [Step]) -> String { "$" + steps.map(\.description).joined() }

    /// `root` with the value at `steps` replaced by `value` (removed when `nil`; added when the key is new).
    static func setting(_ value: JSONValue?, at steps: [Step], in root: JSONValue) -> JSONValue {
        guard let first = steps.first else { return value ?? .null }
        let rest = Array(steps.dropFirst())
        switch (root, first) {
        case (.object(var pairs), .key(let k)):
            if let i = pairs.firstIndex(where: { $0.key == k }) {
                if rest.isEmpty, value == nil {
                    pairs.remove(at: i)
                } else {
                    pairs[i].value = setting(value, at: rest, in: pairs[i].value)
                }
            } else if let value {
                pairs.append((k, setting(value, at: rest, in: .object([]))))
            }
            return .object(pairs)
        case (.array(var items), .index(let i)) where i == items.count && value != nil:
            items.append(setting(value, at: rest, in: .object([])))
            return .array(items)
        case (.array(var items), .index(let i)) where items.indices.contains(i):
            if rest.isEmpty, value == nil {
                items.remove(at: i)
            } else {
                items[i] = setting(value, at: rest, in: items[i])
            }
            return .array(items)
        default:
            fatalError("no \(path(steps)) in \(root.typeName)")
        }
    }

    /// The value at `steps`.
    static func value(at steps: [Step], in root: JSONValue) -> JSONValue? {
        var v = root
        for s in steps {
            switch (v, s) {
            case (.object(let pairs), .key(let k)):
                guard let x = pairs.first(where: { $0.key == k })?.value else { return nil }
                v = x
            case (.array(let items), .index(let i)) where items.indices.contains(i): v = items[i]
            default: return nil
            }
        }
        return v
    }

    /// Every scalar leaf's path, in document order.
    static func leaves(of root: JSONValue, under prefix: [Step] = []) -> [[Step]] {
        switch root {
        case .object(let pairs): return pairs.flatMap { leaves(of: $0.value, under: prefix + [.key($0.key)]) }
        case .array(let items): return items.enumerated().flatMap { leaves(of: $1, under: prefix + [.index($0)]) }
        default: return [prefix]
        }
    }

    /// The error a decoder throws, or `nil` when it succeeds.
    static func error<T>(_ decode: () throws(InputError) -> T) -> InputError? {
        do {
            _ = try decode()
            return nil
        } catch {
            return error
        }
    }

    static func num(_ d: Double) -> JSONValue { .double(d) }
}

@Suite struct MarketSnapshotDecodingTests {
    typealias F = InputTestFixture
    let base = F.json("market.json")

    private func decode(_ root: JSONValue) throws(InputError) -> MarketSnapshot {
        try MarketSnapshot(jsonText: root.serialized())
    }

    /// The error of decoding the example with `value` at `steps` (removed when `nil`).
    private func error(setting value: JSONValue?, at steps: [F.Step]) -> InputError? {
        F.error { () throws(InputError) in try decode(F.setting(value, at: steps, in: base)) }
    }

    // MARK: - The example

    @Test func exampleDecodes() throws {
        let m = try MarketSnapshot(jsonText: F.text("market.json"))
        let t0 = try #require(Instant(iso8601: "2026-01-09T08:00:00Z"))
        let jan = try #require(Instant(iso8601: "2026-01-30T08:00:00Z"))
        let mar = try #require(Instant(iso8601: "2026-03-27T08:00:00Z"))
        #expect(m.valuationTime == t0)
        #expect(Set(m.underlyings.keys) == ["BTC", "ETH"])
        let btc = try #require(m.underlyings["BTC"])
        #expect(btc.name == "BTC")
        #expect(btc.index == 90_000)
        #expect(btc.rate == 0)
        #expect(btc.forwards == [jan: 90_400, mar: 91_500])
        #expect(btc.perpetualPrice == 90_000)
        #expect(btc.valuationTime == t0)
        let surface = try #require(btc.volSurface)
        #expect(surface.slices.map(\.expiry) == [jan, mar])
        let years: [Double] = [21.0 / 365, 77.0 / 365]
        #expect(surface.slices.map(\.years) == years)
        #expect(surface.slices[0].vols == [0.62, 0.55, 0.50, 0.52, 0.56])
        #expect(surface.slices[1].vols == [0.60, 0.53, 0.57])
        // Points sit at k = ln(K / F(Tᵢ)) with the slice's own forward.
        #expect(abs(surface.slices[0].logMoneyness[2] - log(90_000.0 / 90_400)) < 1e-15)
        #expect(abs(surface.slices[1].logMoneyness[1] - log(90_000.0 / 91_500)) < 1e-15)
        let eth = try #require(m.underlyings["ETH"])
        #expect(eth.index == 3100)
        #expect(eth.rate == 0)  // absent → 0
        #expect(eth.forwards == [mar: 3140])
        #expect(eth.volSurface?.slices.count == 1)
        #expect(m.correlations.rho("BTC", "ETH") == 0.85)
        #expect(m.correlations.rho("ETH", "BTC") == 0.85)
        #expect(m.correlations.rho("BTC", "BTC") == 1)
        #expect(m.correlations.rho("BTC", "SOL") == 0)
        #expect(m.usdPrice(of: "USDC") == 1)
        #expect(m.usdPrice(of: "ETH") == 3100)
        #expect(m.usdPrice(of: "DOGE") == nil)
    }

    @Test func optionalPartsMayBeAbsent() throws {
        let minimal = #"{"valuationTime": "2026-01-09", "underlyings": {"SOL": {"index": 150, "rate": 0.05}}}"#
        let m = try MarketSnapshot(jsonText: minimal)
        let sol = try #require(m.underlyings["SOL"])
        #expect(sol.volSurface == nil)
        #expect(sol.forwards.isEmpty)
        #expect(m.correlations.pairs.isEmpty)
        let perp = #"{"valuationTime": "2026-01-09", "underlyings": {"SOL": {"index": 150, "perpetualPrice": 151}}}"#
        #expect(try MarketSnapshot(jsonText: perp).underlyings["SOL"]?.perpetualPrice == 151)
    }

    // MARK: - Every validation error names its path

    @Test(arguments: [
        (JSONValue.double(-90_000), "negative"), (.double(0), "zero"), (.string("NaN"), "NaN as a string"),
        (.string("90000"), "numeric string"), (.double(1e300), "huge"), (.array([]), "array"),
        (.object([]), "object"), (.bool(true), "boolean"),
    ])
    func badIndex(_ value: JSONValue, _ label: String) {
        let e = error(setting: value, at: ["underlyings", "BTC", "index"])
        #expect(e?.path == "$.underlyings.BTC.index", "\(label): \(String(describing: e))")
    }

    @Test func missingIndex() {
        #expect(error(setting: nil, at: ["underlyings", "ETH", "index"]) == .missing(path: "$.underlyings.ETH.index"))
        #expect(error(setting: .null, at: ["underlyings", "ETH", "index"]) == .missing(path: "$.underlyings.ETH.index"))
    }

    @Test func rateOutOfRange() throws {
        for bad in [1.5, -1.01, 100] {
            let e = error(setting: .double(bad), at: ["underlyings", "BTC", "rate"])
            #expect(e?.path == "$.underlyings.BTC.rate")
            guard case .invalid = e else { Issue.record("\(bad): \(String(describing: e))"); continue }
        }
        let e = error(setting: .string("5%"), at: ["underlyings", "BTC", "rate"])
        #expect(e == .wrongType(path: "$.underlyings.BTC.rate", expected: "a number", found: "a string"))
        // In range is accepted, including the bounds.
        for good in [-1.0, 0.05, 1.0] {
            #expect(error(setting: .double(good), at: ["underlyings", "BTC", "rate"]) == nil)
        }
    }

    @Test func forwardPriceMustBePositive() {
        for bad in [0.0, -1, 1e16] {
            #expect(error(setting: .double(bad), at: ["underlyings", "BTC", "forwards", 1, "price"])?.path
                    == "$.underlyings.BTC.forwards[1].price")
        }
        #expect(error(setting: nil, at: ["underlyings", "BTC", "forwards", 0, "price"])
                == .missing(path: "$.underlyings.BTC.forwards[0].price"))
    }

    @Test func forwardExpiryMustBeAfterValuationTime() {
        let path = "$.underlyings.ETH.forwards[0].expiry"
        for bad in ["2026-01-01T00:00:00Z", "2026-01-09T08:00:00Z"] {
            let e = error(setting: .string(bad), at: ["underlyings", "ETH", "forwards", 0, "expiry"])
            guard case .invalid(let p, _) = e else { Issue.record("\(bad): \(String(describing: e))"); continue }
            #expect(p == path)
        }
        #expect(error(setting: .string("2026-02-30"), at: ["underlyings", "ETH", "forwards", 0, "expiry"])?.path == path)
        // The same expiry twice.
        let twice = F.setting(.string("2026-01-30T08:00:00Z"), at: ["underlyings", "BTC", "forwards", 1, "expiry"],
                              in: base)
        #expect(F.error { () throws(InputError) in try decode(twice) }?.path == "$.underlyings.BTC.forwards[1].expiry")
    }

    @Test func volPointIvMustBePositive() {
        let steps: [F.Step] = ["underlyings", "BTC", "volSurface", 0, "points", 3, "iv"]
        for bad in [0.0, -0.5, 100, 1e300] {
            let e = error(setting: .double(bad), at: steps)
            guard case .invalid(let p, _) = e else { Issue.record("\(bad): \(String(describing: e))"); continue }
            #expect(p == "$.underlyings.BTC.volSurface[0].points[3].iv")
        }
        #expect(error(setting: .string("52%"), at: steps)?.path == "$.underlyings.BTC.volSurface[0].points[3].iv")
    }

    @Test func volPointStrikeMustBePositive() {
        let steps: [F.Step] = ["underlyings", "ETH", "volSurface", 0, "points", 1, "strike"]
        for bad in [0.0, -3100] {
            let e = error(setting: .double(bad), at: steps)
            guard case .invalid(let p, _) = e else { Issue.record("\(bad): \(String(describing: e))"); continue }
            #expect(p == "$.underlyings.ETH.volSurface[0].points[1].strike")
        }
        #expect(error(setting: nil, at: steps) == .missing(path: "$.underlyings.ETH.volSurface[0].points[1].strike"))
    }

    @Test func duplicateStrikes() {
        let e = error(setting: .double(80_000), at: ["underlyings", "BTC", "volSurface", 0, "points", 2, "strike"])
        guard case .invalid(let p, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(p == "$.underlyings.BTC.volSurface[0].points")
    }

    @Test func volSurfaceStructure() {
        // A slice before valuation time, an empty slice, a repeated expiry. (An empty surface is no surface: see
        // `emptyOrAbsentSurfaceIsNoSurface`.)
        #expect(error(setting: .string("2026-01-01T00:00:00Z"), at: ["underlyings", "ETH", "volSurface", 0, "expiry"])?
            .path == "$.underlyings.ETH.volSurface[0].expiry")
        #expect(error(setting: .array([]), at: ["underlyings", "ETH", "volSurface", 0, "points"])?.path
                == "$.underlyings.ETH.volSurface[0].points")
        #expect(error(setting: .string("2026-03-27T08:00:00Z"), at: ["underlyings", "BTC", "volSurface", 0, "expiry"])?
            .path == "$.underlyings.BTC.volSurface")
        #expect(error(setting: nil, at: ["underlyings", "BTC", "volSurface", 1, "points"])
                == .missing(path: "$.underlyings.BTC.volSurface[1].points"))
    }

    /// Issue item 9a: an underlying with no options may give `"volSurface": []` or omit it; it then has no surface.
    @Test("an empty or absent volSurface decodes as no surface; the rest of the underlying is unchanged")
    func emptyOrAbsentSurfaceIsNoSurface() throws {
        let empty = try decode(F.setting(.array([]), at: ["underlyings", "ETH", "volSurface"], in: base))
        let absent = try decode(F.setting(nil, at: ["underlyings", "ETH", "volSurface"], in: base))
        let full = try decode(base)
        for m in [empty, absent] {
            let eth = try #require(m.underlyings["ETH"])
            #expect(eth.volSurface == nil)
            #expect(eth.index == full.underlyings["ETH"]?.index && eth.forwards == full.underlyings["ETH"]?.forwards)
            #expect(m.underlyings["BTC"] == full.underlyings["BTC"])
        }
        #expect(empty == absent)
    }

    @Test func correlationWithUnknownUnderlying() {
        #expect(error(setting: .string("SOL"), at: ["correlations", 0, "pair", 1])
                == .unknownUnderlying(path: "$.correlations[0].pair[1]", name: "SOL"))
        #expect(error(setting: .string("ETH"), at: ["correlations", 0, "pair", 0])?.path == "$.correlations[0].pair")
        #expect(error(setting: .array([.string("BTC")]), at: ["correlations", 0, "pair"])?.path
                == "$.correlations[0].pair")
        #expect(error(setting: .double(1), at: ["correlations", 0, "pair", 0])?.path == "$.correlations[0].pair[0]")
        // The same pair twice, in either order (index 1 appends a second entry).
        let again = JSONValue.object([("pair", .array([.string("ETH"), .string("BTC")])), ("rho", .double(0.5))])
        #expect(error(setting: again, at: ["correlations", 1])?.path == "$.correlations[1].pair")
    }

    @Test func correlationOutOfRange() {
        for bad in [1.01, -1.5, 85] {
            let e = error(setting: .double(bad), at: ["correlations", 0, "rho"])
            guard case .invalid(let p, _) = e else { Issue.record("\(bad): \(String(describing: e))"); continue }
            #expect(p == "$.correlations[0].rho")
        }
        #expect(error(setting: nil, at: ["correlations", 0, "rho"]) == .missing(path: "$.correlations[0].rho"))
        for good in [-1.0, 1.0] { #expect(error(setting: .double(good), at: ["correlations", 0, "rho"]) == nil) }
    }

    @Test func missingValuationTime() {
        #expect(error(setting: nil, at: ["valuationTime"]) == .missing(path: "$.valuationTime"))
        #expect(error(setting: .string("2026-01-09T25:00:00Z"), at: ["valuationTime"])?.path == "$.valuationTime")
        #expect(error(setting: .double(1_767_945_600), at: ["valuationTime"])
                == .wrongType(path: "$.valuationTime", expected: "a string", found: "a number"))
        #expect(error(setting: nil, at: ["underlyings"]) == .missing(path: "$.underlyings"))
    }

    @Test func wrongTypes() {
        #expect(error(setting: .array([]), at: ["underlyings"])?.path == "$.underlyings")
        #expect(error(setting: .double(1), at: ["underlyings", "BTC"])?.path == "$.underlyings.BTC")
        #expect(error(setting: .object([]), at: ["underlyings", "BTC", "forwards"])?.path
                == "$.underlyings.BTC.forwards")
        #expect(error(setting: .string("x"), at: ["underlyings", "BTC", "volSurface", 1])?.path
                == "$.underlyings.BTC.volSurface[1]")
        #expect(error(setting: .object([]), at: ["correlations"])?.path == "$.correlations")
        #expect(F.error { () throws(InputError) in try MarketSnapshot(jsonText: "[]") }?.path == "$")
        // Stablecoins cannot be underlyings.
        let usdc = F.setting(.object([("index", .double(1))]), at: ["underlyings", "USDC"], in: base)
        #expect(F.error { () throws(InputError) in try decode(usdc) }?.path == "$.underlyings.USDC")
    }
}
