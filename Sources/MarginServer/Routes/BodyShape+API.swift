/// The API's request bodies: each write route's ``RouteSpec/body`` names one of these (the OpenAPI document's
/// request schema of the same name must describe the same fields; `OpenAPITests` checks it).
extension BodyShape {
    /// A deposit or withdrawal (`Transfer`): `amount` in units of `currency`.
    static let transfer = BodyShape.object([
        .required("account", .value(.string)), .required("currency", .value(.string)),
        .required("amount", .value(.decimal)),
    ])

    /// A new API key (`KeyRequest`): its role, and the account of an owner key.
    static let key = BodyShape.object([.required("role", .value(.string)), .optional("account", .value(.string))])

    /// A forward quote (`Forward`): USD per coin for an expiry.
    static let forward = BodyShape.object([.required("expiry", .value(.instant)), .required("price", .value(.number))])

    /// One expiry's implied volatilities (`VolSlice`): strikes in USD, `iv` annualized (0.55 = 55 %).
    static let volSlice = BodyShape.object([
        .required("expiry", .value(.instant)),
        .required("points", .array(.object([.required("strike", .value(.number)), .required("iv", .value(.number))]))),
    ])

    /// One underlying's market update (`MarketUpdate`, `market.json`'s fields beside `underlying` and `time`;
    /// absent fields keep their values).
    static let marketUpdate = BodyShape.object([
        .required("underlying", .value(.string)), .required("time", .value(.instant)),
        .optional("index", .value(.number)), .optional("rate", .value(.number)),
        .optional("forwards", .array(forward)), .optional("perpetualPrice", .value(.number)),
        .optional("volSurface", .array(volSlice)),
    ])

    /// `POST /v1/market` (`MarketRequest`): a batch `{"updates": [...]}` (all or nothing) or one update.
    static let market = BodyShape.oneOf([.object([.required("updates", .array(marketUpdate))]), marketUpdate])

    /// A trade-file leg (`TradeLeg`): a portfolio position (instrument fields, quantity in coins, `notionalUSD` for
    /// inverse futures and perpetuals, entry price) and an option's premium (`price`, USD per coin).
    static let leg = BodyShape.object([
        .required("kind", .value(.string)), .required("underlying", .value(.string)),
        .required("settlement", .value(.string)), .optional("expiry", .value(.instant)),
        .optional("strike", .value(.number)), .optional("right", .value(.string)),
        .optional("quantity", .value(.number)), .optional("notionalUSD", .value(.number)),
        .optional("entryPrice", .value(.number)), .optional("price", .value(.number)),
    ])

    /// `POST /v1/accounts/{id}/what-if` (`WhatIfRequest`): `{"positions": [...]}`, an array of legs or one leg.
    static let whatIf = BodyShape.oneOf([.object([.required("positions", .array(leg))]), .array(leg), leg])

    /// A two-sided trade (`Trade`, the journal's `trade` event): `quantity` in the instrument's unit, `price` in
    /// USD per coin; fees in `feeCurrency` (default 0 in USD).
    static let trade = BodyShape.object([
        .required("buyer", .value(.string)), .required("seller", .value(.string)),
        .required("instrument", .value(.string)), .required("quantity", .value(.decimal)),
        .required("price", .value(.decimal)), .optional("buyerFee", .value(.decimal)),
        .optional("sellerFee", .value(.decimal)), .optional("feeCurrency", .value(.string)),
    ])

    /// `POST /v1/trades/batch`: trades of ``trade``'s shape, each with its own `id` (idempotency per trade).
    static let tradeBatch = BodyShape.object([.required("trades", .array(identifiedTrade))])

    /// A message of the ingest stream (`GET /v1/ingest`): a batch, or one identified trade.
    static let ingestMessage = BodyShape.oneOf([tradeBatch, identifiedTrade])

    /// A trade of a batch: ``trade``'s fields and its `id`.
    static let identifiedTrade: BodyShape = {
        guard case .object(let fields) = BodyShape.trade else { return BodyShape.trade }
        return .object([.required("id", .value(.string))] + fields)
    }()

    /// A resting level (`BookLevel`): price in USD per coin, size in the instrument's unit, its owner.
    static let bookLevel = BodyShape.object([
        .required("price", .value(.decimal)), .required("size", .value(.decimal)),
        .required("account", .value(.string)),
    ])

    /// One instrument's whole ladder (`Book`, the journal's `book` event), replacing the previous one.
    static let book = BodyShape.object([
        .required("instrument", .value(.string)), .optional("bids", .array(bookLevel)),
        .optional("asks", .array(bookLevel)),
    ])

    /// The parameter file (`Parameters`), checked key by key by its own strict decoder.
    static let parameters = BodyShape.any

    /// `POST /v1/backtest` (`BacktestRequest`): the history as CSV text, the book template and the parameter file as
    /// JSON (each checked by its own decoder), the horizon, coverage and models.
    static let backtest = BodyShape.object([
        .required("history", .value(.string)), .optional("underlying", .value(.string)),
        .optional("carryForward", .value(.boolean)), .required("book", .any),
        .optional("parameters", .any), .optional("horizonDays", .value(.integer)),
        .optional("coverage", .value(.number)), .optional("models", .array(.value(.string))),
    ])
}
