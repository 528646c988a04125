/// The value model: the one place where a feature value becomes the text of a category.
///
/// JSON events, CSV files and reference profiles must give a value the same category, or
/// a dataset compared with itself shows drift (an integer code logged as `16` counted
/// as "16" in the window but as "16.0" in the profile; pandas writing `True` to CSV
/// where JSON has `true`). Every categorical summary of a feature is fed through here:
/// the profile builder, the monitor's panes and `compare` alike.
///
/// - **Numbers** (a JSON number, or a CSV cell in decimal notation, in a feature that is
///   categorical): integral values print without a fraction — `16`, `16.0`, `1.6e1` and
///   `-0` give "16" and "0" — up to 2^53 in magnitude, where every integer is exact;
///   other values print in Swift's shortest round-trip form ("0.25", "1e-07", "1e+20").
///   A numeric string in JSON (`"16"`) is text and already reads "16".
/// - **Booleans**: "true" or "false", for a JSON boolean and for text spelled `true`,
///   `True`, `TRUE`, `false`, `False` or `FALSE` (how JSON, pandas' `to_csv` and
///   spreadsheets write them).
/// - **Any other text** is kept unchanged (case, spaces and leading zeros included).
/// - NaN and null are missing (no category).
///
/// Cost: a number formats once per value (as before); text costs one length check,
/// plus a short comparison for 4- and 5-byte values.
public enum CategoryValue {
    /// Largest magnitude printed as an integer: every integer up to 2^53 is a double.
    static let integralLimit = 9_007_199_254_740_992.0

    /// The category of a number.
    public static func category(of number: Double) -> String {
        if number == number.rounded(), abs(number) <= integralLimit { return String(Int64(number)) }
        return String(number)
    }

    /// The category of a boolean.
    public static func category(of flag: Bool) -> String { flag ? "true" : "false" }

    /// The category of a text value: boolean spellings become "true"/"false", anything else is unchanged.
    public static func category(of text: String) -> String {
        switch text.utf8.count {
        case 4 where text == "true" || text == "True" || text == "TRUE": "true"
        case 5 where text == "false" || text == "False" || text == "FALSE": "false"
        default: text
        }
    }

    /// The category of an observation; nil for missing values and NaN.
    public static func category(of observation: FeatureObservation) -> String? {
        switch observation {
        case let .number(number): number.isNaN ? nil : category(of: number)
        case let .text(text): category(of: text)
        case let .flag(flag): category(of: flag)
        case .missing: nil
        }
    }
}
