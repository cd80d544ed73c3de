extension Duration {
    /// Seconds as a `Double`.
    public var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
