import MarginCore
import PropertyBased
import Testing

/// Random damage to the example documents: every decoder either succeeds or throws `InputError` (a crash would end
/// the test run), and a numeric field given a value outside its domain is the field the error names.
@Suite struct DecoderFuzzTests {
    typealias F = InputTestFixture

    enum Document: Int, CaseIterable, Sendable {
        case market, portfolio, params

        var fileName: String { ["market.json", "portfolio.json", "params-reference.json"][rawValue] }
    }

    static let market = try! MarketSnapshot(jsonText: F.text("market.json"))
    static let roots: [JSONValue] = Document.allCases.map { F.json($0.fileName) }
    /// Every node's path (leaves and containers, not the root), per document.
    static let nodePaths: [[[F.Step]]] = roots.map { allPaths(of: $0) }

    static func allPaths(of v: JSONValue, under prefix: [F.Step] = []) -> [[F.Step]] {
        let here = prefix.isEmpty ? [] : [prefix]
        switch v {
        case .object(let pairs): return here + pairs.flatMap { allPaths(of: $0.value, under: prefix + [.key($0.key)]) }
        case .array(let items):
            return here + items.enumerated().flatMap { allPaths(of: $1, under: prefix + [.index($0)]) }
        default: return here
        }
    }

    /// Decodes `bytes` as `document` (a portfolio is also validated against the example market).
    static func decode(_ document: Document, _ bytes: [UInt8]) -> InputError? {
        F.error { () throws(InputError) in
            let root = try JSONNode.parse(bytes)
            switch document {
            case .market: _ = try MarketSnapshot(json: root)
            case .portfolio: try Portfolio(json: root).validate(against: market)
            case .params: _ = try RiskParameters(json: root)
            }
        }
    }

    // MARK: - Bad values and the numeric fields' domains

    static let badValues: [JSONValue] = [
        .double(-1), .double(-90_000), .double(0), .double(1e300), .double(-1e300), .double(1e15), .double(0.5),
        .double(2), .double(101), .double(-0.000001), .string("x"), .string(""), .string("1"), .array([]),
        .array([.double(1), .string("a")]), .object([]), .bool(true), .bool(false), .null,
        .object([("a", .array([.object([("b", .null)]), .array([.array([])])]))]),
        .array(Array(repeating: .object([("k", .double(-1))]), count: 3)),
    ]

    /// A numeric field: whether `null` is an error there, and the values it accepts.
    struct Domain: Sendable {
        var nullIsError: Bool
        var accepts: @Sendable (Double) -> Bool
    }

    /// Domains by normalised path (`[#]` for any index, `*` for an underlying or currency name).
    static let domains: [String: Domain] = [
        // market.json
        "$.underlyings.*.index": Domain(nullIsError: true) { $0 > 0 && $0 < 1e15 },
        "$.underlyings.*.rate": Domain(nullIsError: false) { $0 >= -1 && $0 <= 1 },
        "$.underlyings.*.forwards[#].price": Domain(nullIsError: true) { $0 > 0 && $0 < 1e15 },
        "$.underlyings.*.volSurface[#].points[#].strike": Domain(nullIsError: true) { $0 > 0 && $0 < 1e15 },
        "$.underlyings.*.volSurface[#].points[#].iv": Domain(nullIsError: true) { $0 > 0 && $0 < 100 },
        "$.correlations[#].rho": Domain(nullIsError: true) { $0 >= -1 && $0 <= 1 },
        // portfolio.json
        "$.balances.*": Domain(nullIsError: true) { abs($0) < 1e15 },
        "$.positions[#].quantity": Domain(nullIsError: true) { abs($0) < 1e12 },
        "$.positions[#].notionalUSD": Domain(nullIsError: true) { abs($0) < 1e15 },
        "$.positions[#].strike": Domain(nullIsError: true) { $0 > 0 && $0 < 1e15 },
        "$.positions[#].entryPrice": Domain(nullIsError: false) { $0 > 0 },
        // params-reference.json (every field optional)
        "$.priceRange": Domain(nullIsError: false) { $0 > 0 && $0 < 1 },
        "$.pricePoints": Domain(nullIsError: false) { $0 >= 3 && $0 <= 201 && $0.truncatingRemainder(dividingBy: 2) == 1 },
        "$.volShifts[#]": Domain(nullIsError: true) { $0 > -1 && $0 < 10 },
        "$.timeShiftsDays[#]": Domain(nullIsError: true) { $0 >= 0 && $0 <= 366 },
        "$.extremeMultiple": Domain(nullIsError: false) { $0 >= 1 && $0 * 0.15 < 1 },
        "$.extremeCoverage": Domain(nullIsError: false) { $0 >= 0 && $0 <= 1 },
        "$.shortOptionMinimumRate": Domain(nullIsError: false) { $0 >= 0 && $0 < 1 },
        "$.rollShift": Domain(nullIsError: false) { $0 >= 0 && $0 < 1 },
        "$.liquidationCost.futuresRate": Domain(nullIsError: false) { $0 >= 0 && $0 < 1 },
        "$.liquidationCost.optionsNotionalRate": Domain(nullIsError: false) { $0 >= 0 && $0 < 1 },
        "$.liquidationCost.optionsValueRate": Domain(nullIsError: false) { $0 >= 0 && $0 < 1 },
        "$.initialToMaintenance": Domain(nullIsError: false) { $0 >= 1 && $0 <= 10 },
        "$.takeoverRatio": Domain(nullIsError: false) { $0 >= 0 && $0 <= 1 },
        "$.correlationStress": Domain(nullIsError: false) { $0 >= 0 && $0 <= 1 },
        "$.minVol": Domain(nullIsError: false) { $0 > 0 && $0 < 10 },
    ]

    static func normalised(_ steps: [F.Step]) -> String {
        var out = "$"
        for (i, s) in steps.enumerated() {
            switch s {
            case .index: out += "[#]"
            case .key(let k):
                out += i == 1 && (steps[0] == .key("underlyings") || steps[0] == .key("balances")) ? ".*" : ".\(k)"
            }
        }
        return out
    }

    /// Whether `value` must be rejected in a field of `domain`.
    static func isBad(_ value: JSONValue, for domain: Domain) -> Bool {
        switch value {
        case .null: return domain.nullIsError
        case .number(let d, _): return !domain.accepts(d)
        default: return true
        }
    }

    @Test func everyNumericFieldOfTheExamplesHasADomain() {
        // The table above covers the examples: each numeric leaf's normalised path is in it.
        for (doc, root) in Self.roots.enumerated() {
            for steps in F.leaves(of: root) {
                guard case .number = F.value(at: steps, in: root) else { continue }
                #expect(Self.domains[Self.normalised(steps)] != nil, "\(doc): \(F.path(steps))")
            }
        }
        // And the examples decode.
        for doc in Document.allCases {
            #expect(Self.decode(doc, Array(F.text(doc.fileName).utf8)) == nil)
        }
    }

    // MARK: - Properties

    @Test func replacingAFieldByABadValue() async {
        await propertyCheck(count: 600, input: Gen.int(in: 0...2), Gen.int(in: 0...100_000),
                            Gen.int(in: 0..<Self.badValues.count), Gen.bool) { d, pick, b, pretty in
            let doc = Document.allCases[d]
            let paths = Self.nodePaths[d]
            let steps = paths[pick % paths.count]
            let value = Self.badValues[b]
            let text = F.setting(value, at: steps, in: Self.roots[d]).serialized(pretty: pretty)
            let error = Self.decode(doc, Array(text.utf8))
            if let domain = Self.domains[Self.normalised(steps)], Self.isBad(value, for: domain) {
                #expect(error?.path == F.path(steps), "\(doc) \(F.path(steps)) = \(value.serialized(pretty: false))")
            }
        }
    }

    @Test func removingAField() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...2), Gen.int(in: 0...100_000)) { d, pick in
            let paths = Self.nodePaths[d]
            let steps = paths[pick % paths.count]
            let text = F.setting(nil, at: steps, in: Self.roots[d]).serialized()
            let error = Self.decode(Document.allCases[d], Array(text.utf8))
            // A removed required number is reported missing at its path.
            if let domain = Self.domains[Self.normalised(steps)], domain.nullIsError, case .key = steps.last,
                Self.normalised(steps) != "$.balances.*"
            {
                #expect(error == .missing(path: F.path(steps)))
            }
        }
    }

    @Test func truncatedTextIsMalformed() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...2), Gen.int(in: 0...100_000), Gen.bool) { d, cut, pretty in
            let bytes = Array(Self.roots[d].serialized(pretty: pretty).utf8)
            let prefix = Array(bytes[0..<(cut % bytes.count)])
            let error = Self.decode(Document.allCases[d], prefix)
            guard case .malformedJSON(let line, let column, _) = error else {
                Issue.record("\(Document.allCases[d]) cut at \(prefix.count): \(String(describing: error))")
                return
            }
            #expect(line >= 1 && column >= 1)
        }
    }

    static let jsonBytes: [UInt8] = Array("{}[],:\"\\ 0-1e.9tnfu".utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xE2, 0x80, 0xFF]

    @Test func insertingRandomBytes() async {
        let byte = Gen<UInt8>.oneOf(Gen.uint8(in: 0...255), Gen.int(in: 0..<Self.jsonBytes.count).map { Self.jsonBytes[$0] })
        await propertyCheck(count: 400, input: Gen.int(in: 0...2), Gen.int(in: 0...100_000), byte.array(of: 1...6),
                            Gen.bool) { d, at, inserted, pretty in
            var bytes = Array(Self.roots[d].serialized(pretty: pretty).utf8)
            bytes.insert(contentsOf: inserted, at: at % (bytes.count + 1))
            _ = Self.decode(Document.allCases[d], bytes)  // succeeds or throws InputError
        }
    }

    @Test func overwritingRandomBytes() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...2), Gen.int(in: 0...100_000).array(of: 1...4),
                            Gen.uint8(in: 0...255)) { d, positions, byte in
            var bytes = Array(Self.roots[d].serialized(pretty: false).utf8)
            for p in positions { bytes[p % bytes.count] = byte }
            _ = Self.decode(Document.allCases[d], bytes)
        }
    }

    @Test func wrongTypesAtTheRoot() {
        for doc in Document.allCases {
            for text in ["[]", "1", "\"x\"", "null", "true"] {
                #expect(Self.decode(doc, Array(text.utf8))?.path == "$", "\(doc) \(text)")
            }
        }
    }
}
