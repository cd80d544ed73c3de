import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `true` when `value` equals the published decimal `text` to the digits given: within half a unit of its last
/// digit (plus a few ulp of representation), e.g. `0.06284313098` ± 5e-12.
func agreesToDigits(_ value: Double, _ text: String) -> Bool {
    guard let published = Double(text) else { return false }
    let decimals = text.split(separator: ".").dropFirst().first.map { $0.count } ?? 0
    let halfUnit = 0.5 * pow(10, -Double(decimals))
    return abs(value - published) <= halfUnit + 4 * published.ulp.magnitude
}

/// The venue-preset tests (`swift test --filter Venues`): Deribit, SPAN, OKX and the presets.
@Suite enum Venues {}
