extension Instrument {
    /// Decodes an instrument in the format of a `shared/examples/portfolio.json` position (its sizing fields, if
    /// any, are the position's business): `kind` (`option`, `future`, `perpetual`), `underlying`, `settlement`;
    /// options need `expiry`, `strike` > 0 and `right`; futures need `expiry`. A field that contradicts the kind
    /// (`strike` on a future, `expiry` on a perpetual) is an error naming it. Unknown keys are ignored.
    public init(json node: JSONNode) throws(InputError) {
        let kindNode = try node.required("kind")
        let kind = try kindNode.string()
        let underlying = try node.required("underlying").string()
        guard !underlying.isEmpty else { throw InputError.invalid(path: "\(node.path).underlying", reason: "is empty") }
        let settlement = try node.required("settlement").enumeration(Settlement.self)
        func reject(_ field: String, _ why: String) throws(InputError) {
            if try node.optional(field) != nil {
                throw InputError.invalid(path: "\(node.path).\(field)", reason: why)
            }
        }
        switch kind {
        case "option":
            let strike = try node.required("strike").double(in: OptionContract.strikeDomain)
            let right = try node.required("right").enumeration(OptionRight.self)
            let expiry = try node.required("expiry").instant()
            let contract = OptionContract(expiry: expiry, strike: strike, right: right)
            self.init(underlying: underlying, kind: .option(contract), settlement: settlement)
        case "future", "perpetual":
            try reject("strike", "a \(kind) has no strike")
            try reject("right", "a \(kind) has no right")
            if kind == "future" {
                self.init(underlying: underlying, kind: .future(expiry: try node.required("expiry").instant()),
                          settlement: settlement)
            } else {
                try reject("expiry", "a perpetual has no expiry")
                self.init(underlying: underlying, kind: .perpetual, settlement: settlement)
            }
        default:
            throw InputError.invalid(path: kindNode.path,
                                     reason: "\"\(kind)\" is not one of \"option\", \"future\", \"perpetual\"")
        }
    }

    /// The instrument in the same format, keys sorted (canonical): `{"expiry", "kind", "right", "settlement",
    /// "strike", "underlying"}` as the kind has them. ``init(json:)`` reads it back to an equal value.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("underlying", .string(underlying)),
                                             ("settlement", .string(settlement.rawValue))]
        switch kind {
        case .perpetual: pairs.append(("kind", .string("perpetual")))
        case .future(let expiry): pairs += [("kind", .string("future")), ("expiry", .instant(expiry))]
        case .option(let c):
            pairs += [("kind", .string("option")), ("expiry", .instant(c.expiry)), ("strike", .double(c.strike)),
                      ("right", .string(c.right.rawValue))]
        }
        return .sortedObject(pairs)
    }
}
