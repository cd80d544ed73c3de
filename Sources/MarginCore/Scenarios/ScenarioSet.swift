/// The scenarios every instrument of an underlying is revalued in: the regular scan grid (price × vol × time),
/// the extreme moves and the two roll (basis) scenarios. Built from ``RiskParameters``.
///
/// Risk arrays are laid out as one contiguous block of `count` P&L values:
/// `[regular (price-major: (i·volCount + j)·timeCount + l) | extreme ((e·timeCount + l), e = down, up) | roll (up, down)]`.
public struct ScenarioSet: Hashable, Sendable {
    /// Relative price moves of the scan grid, ascending.
    public let priceMoves: [Double]
    /// Relative vol shifts.
    public let volShifts: [Double]
    /// Time shifts, years.
    public let timeShifts: [Double]
    /// The two extreme price moves, `[−multiple·range, +multiple·range]`; vol shift 0, every time shift.
    public let extremeMoves: [Double]
    /// Forwards move by `±rollShift·min(T, 1)` in the roll scenarios.
    public let rollShift: Double
    /// Floor on scenario vols.
    public let minVol: Double

    public init(parameters p: RiskParameters) {
        priceMoves = p.priceMoves
        volShifts = p.volShifts
        timeShifts = p.timeShiftsYears
        extremeMoves = [-p.extremeMultiple * p.priceRange, p.extremeMultiple * p.priceRange]
        rollShift = p.rollShift
        minVol = p.minVol
    }

    public var volCount: Int { volShifts.count }
    public var timeCount: Int { timeShifts.count }
    /// Number of regular (scan) scenarios: price × vol × time (126 in the reference set).
    public var regularCount: Int { priceMoves.count * volShifts.count * timeShifts.count }
    /// Number of extreme scenarios: 2 moves × time shifts.
    public var extremeCount: Int { 2 * timeShifts.count }
    /// Offset of the extreme block.
    public var extremeOffset: Int { regularCount }
    /// Offset of the roll block (2 scenarios: forwards up, forwards down).
    public var rollOffset: Int { regularCount + extremeCount }
    /// Length of a risk array.
    public var count: Int { rollOffset + 2 }

    /// The (price move, vol shift, time shift in years) of regular scenario `index`.
    public func regularScenario(_ index: Int) -> Scenario {
        let l = index % timeCount
        let j = (index / timeCount) % volCount
        let i = index / (timeCount * volCount)
        return Scenario(kind: .regular, priceMove: priceMoves[i], volShift: volShifts[j], timeShift: timeShifts[l])
    }

    /// Describes any scenario of the block layout.
    public func scenario(_ index: Int) -> Scenario {
        if index < regularCount { return regularScenario(index) }
        if index < rollOffset {
            let e = (index - extremeOffset) / timeCount
            let l = (index - extremeOffset) % timeCount
            return Scenario(kind: .extreme, priceMove: extremeMoves[e], volShift: 0, timeShift: timeShifts[l])
        }
        return Scenario(kind: index == rollOffset ? .rollUp : .rollDown, priceMove: 0, volShift: 0, timeShift: 0)
    }
}

/// One market scenario of an underlying.
public struct Scenario: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case regular, extreme, rollUp, rollDown
    }
    public var kind: Kind
    /// Relative move of the index and every forward.
    public var priceMove: Double
    /// Relative vol shift.
    public var volShift: Double
    /// Time that passes, years.
    public var timeShift: Double

    public init(kind: Kind, priceMove: Double, volShift: Double, timeShift: Double) {
        self.kind = kind
        self.priceMove = priceMove
        self.volShift = volShift
        self.timeShift = timeShift
    }

    /// Time shift in days.
    public var timeShiftDays: Double { timeShift * Instant.secondsPerYear / 86_400 }
}
