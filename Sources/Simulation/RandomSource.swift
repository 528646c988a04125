#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded, platform-independent random source: xoshiro256** (Blackman & Vigna 2018)
/// seeded through SplitMix64, with the few distributions the simulator draws from.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and Foundation's generators
/// differ between platforms; the simulator must write the same bytes for a seed
/// everywhere, so it uses only this type and elementary functions.
package struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    package init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    package mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    /// Uniform on [0, 1) with 53 random bits.
    package mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform on (0, 1): safe under `log`.
    package mutating func openUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal by the Box–Muller transform (one of the pair is used, so the
    /// stream of draws does not depend on call history).
    package mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        let radius = (-2 * log(openUniform())).squareRoot()
        return mean + standardDeviation * radius * cos(2 * Double.pi * uniform())
    }

    package mutating func exponential(mean: Double) -> Double {
        -mean * log(openUniform())
    }

    /// Poisson by Knuth's multiplication method; fine for the small means used here.
    package mutating func poisson(mean: Double) -> Int {
        let limit = exp(-mean)
        var product = uniform()
        var count = 0
        while product > limit {
            product *= uniform()
            count += 1
        }
        return count
    }

    /// Pareto (type I) with minimum `scale`; `shape` ≤ 2 gives infinite variance.
    package mutating func pareto(shape: Double, scale: Double) -> Double {
        scale / pow(openUniform(), 1 / shape)
    }

    /// Standard Cauchy: no mean, no variance.
    package mutating func cauchy(location: Double = 0, scale: Double = 1) -> Double {
        location + scale * tan(Double.pi * (openUniform() - 0.5))
    }

    package mutating func bernoulli(_ probability: Double) -> Bool {
        uniform() < probability
    }

    /// An index drawn with the given cumulative weights (last element = total).
    package mutating func index(cumulativeWeights: [Double]) -> Int {
        let target = uniform() * cumulativeWeights[cumulativeWeights.count - 1]
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
