#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An annotation with `{{ variable }}` placeholders, checked when rules load and rendered per alert.
///
/// Variables: see `AnnotationTemplate.variables`, plus `labels.<key>` for the rule's own labels.
/// Text outside placeholders is copied as is; a lone `}}` is literal text.
package struct AnnotationTemplate: Sendable, Equatable, Hashable {
    package enum Part: Sendable, Equatable, Hashable {
        case text(String)
        case variable(String)
    }

    /// The template as written.
    package let source: String
    package let parts: [Part]

    /// The variables an alert provides.
    package static let variables: [String] = [
        "rule", "model", "version", "feature", "segment", "class", "metric", "value", "threshold", "comparator",
        "severity", "window_start", "window_end",
    ]

    package struct Failure: Error, Equatable {
        package var message: String
        /// Offset in Unicode scalars within the template source.
        package var offset: Int
        package var expected: String?
    }

    /// Parses and checks a template; `labels` are the label keys `labels.<key>` may name.
    package init(parsing source: String, labels: Set<String>) throws(Failure) {
        let scalars = Array(source.unicodeScalars)
        var parts: [Part] = []
        var literal = String.UnicodeScalarView()
        var position = 0
        func isOpening(_ index: Int) -> Bool { index + 1 < scalars.count && scalars[index] == "{" && scalars[index + 1] == "{" }
        func isClosing(_ index: Int) -> Bool { index + 1 < scalars.count && scalars[index] == "}" && scalars[index + 1] == "}" }

        while position < scalars.count {
            guard isOpening(position) else {
                literal.append(scalars[position])
                position += 1
                continue
            }
            let opening = position
            var end = position + 2
            while end < scalars.count, !isClosing(end), !isOpening(end) { end += 1 }
            guard isClosing(end) else {
                throw Failure(message: "unclosed '{{'", offset: opening, expected: "'}}'")
            }
            var nameStart = opening + 2
            var nameEnd = end
            while nameStart < nameEnd, scalars[nameStart] == " " { nameStart += 1 }
            while nameEnd > nameStart, scalars[nameEnd - 1] == " " { nameEnd -= 1 }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<nameEnd]))
            try Self.check(name, labels: labels, offset: nameStart)
            if !literal.isEmpty {
                parts.append(.text(String(literal)))
                literal = String.UnicodeScalarView()
            }
            parts.append(.variable(name))
            position = end + 2
        }
        if !literal.isEmpty { parts.append(.text(String(literal))) }
        self.source = source
        self.parts = parts
    }

    private static func check(_ name: String, labels: Set<String>, offset: Int) throws(Failure) {
        if name.isEmpty {
            throw Failure(message: "empty placeholder", offset: offset, expected: "a variable name")
        }
        if name.hasPrefix("labels.") {
            let key = String(name.dropFirst("labels.".count))
            guard labels.contains(key) else {
                let known = labels.sorted()
                throw Failure(
                    message: "the rule has no label '\(key)'" + Suggestions.didYouMean(key, in: known),
                    offset: offset,
                    expected: known.isEmpty ? "labels defined under the rule's 'labels'" : known.map { "labels.\($0)" }.joined(separator: ", "))
            }
            return
        }
        guard variables.contains(name) else {
            throw Failure(message: "unknown variable '\(name)'" + Suggestions.didYouMean(name, in: variables),
                          offset: offset, expected: variables.joined(separator: ", ") + " or labels.<key>")
        }
    }

    /// Substitutes `values` (keyed by variable name, e.g. `"value"`, `"labels.team"`); missing values
    /// render as the empty string (e.g. `feature` on a model-scope rule).
    package func render(_ values: [String: String]) -> String {
        var output = ""
        for part in parts {
            switch part {
            case let .text(text): output += text
            case let .variable(name): output += values[name] ?? ""
            }
        }
        return output
    }

    /// Deterministic, locale-free number formatting for annotations:
    /// - NaN → `NaN`, infinities → `+Inf` / `-Inf` (Prometheus' spelling), -0 → `0`;
    /// - integral values below 1e15 in magnitude → all their digits (`12000`);
    /// - other values from 1e-4 to below 1e15 → rounded half away from zero to 4 significant digits,
    ///   but never fewer digits than the integer part has (`0.2135`, `1.235`, `12346`), trailing zeros removed;
    /// - anything smaller or larger → 4 significant digits in scientific notation (`1.235e-05`, `2e+15`).
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        let magnitude = Swift.abs(value)
        if magnitude < 1e15, magnitude.rounded() == magnitude {
            return sign + String(UInt64(magnitude))
        }
        if magnitude >= 1e-4, magnitude < 1e15 {
            let exponent = Self.decimalExponent(of: magnitude)
            let decimals = max(0, 3 - exponent)
            let scaled = Self.scale(magnitude, byPowerOfTen: decimals).rounded(.toNearestOrAwayFromZero)
            return sign + Self.insertDecimalPoint(String(UInt64(scaled)), decimals: decimals)
        }
        var exponent = Self.decimalExponent(of: magnitude)
        var mantissa = Self.scale(magnitude, byPowerOfTen: 3 - exponent).rounded(.toNearestOrAwayFromZero)
        if mantissa >= 10000 {
            mantissa /= 10
            exponent += 1
        }
        let digits = Self.insertDecimalPoint(String(UInt64(mantissa)), decimals: 3)
        let exponentText = (exponent < 0 ? "-" : "+") + (Swift.abs(exponent) < 10 ? "0" : "") + String(Swift.abs(exponent))
        return sign + digits + "e" + exponentText
    }

    /// floor(log10(x)) for finite x > 0, corrected where log10 rounds across a power of ten.
    private static func decimalExponent(of magnitude: Double) -> Int {
        var exponent = Int(log10(magnitude).rounded(.down))
        let normalised = scale(magnitude, byPowerOfTen: -exponent)
        if normalised < 1 { exponent -= 1 } else if normalised >= 10 { exponent += 1 }
        return exponent
    }

    /// x · 10^n in steps that neither overflow nor underflow for any finite double.
    private static func scale(_ x: Double, byPowerOfTen n: Int) -> Double {
        var x = x
        var n = n
        while n > 300 { x *= 1e300; n -= 300 }
        while n < -300 { x /= 1e300; n += 300 }
        var power = 1.0
        for _ in 0..<Swift.abs(n) { power *= 10 }
        return n < 0 ? x / power : x * power
    }

    /// `"2135", 4` → `"0.2135"`; trailing fractional zeros and a bare point are dropped.
    private static func insertDecimalPoint(_ digits: String, decimals: Int) -> String {
        guard decimals > 0 else { return digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        var integerPart = String(padded.dropLast(decimals))
        var fraction = String(padded.suffix(decimals))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if integerPart.isEmpty { integerPart = "0" }
        return fraction.isEmpty ? integerPart : integerPart + "." + fraction
    }
}
