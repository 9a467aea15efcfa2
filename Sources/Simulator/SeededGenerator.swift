/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The simulator draws every random decision from generators like this one so that a run is
/// reproducible from its `--seed`. Each driver, passenger and the demand model get their own
/// generator, derived from the seed and a stream number: concurrent actors then never share one
/// sequence, and the choices each of them makes do not depend on how the tasks interleave.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for `stream` of `seed`; equal arguments give equal sequences.
    public init(seed: UInt64, stream: UInt64 = 0) {
        // SplitMix64 spreads a seed (even 0 or 1) over the whole state, as xoshiro's authors advise.
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func next() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    /// A uniformly drawn value of `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound == range.upperBound ? range.lowerBound : Double.random(in: range, using: &self)
    }
}
