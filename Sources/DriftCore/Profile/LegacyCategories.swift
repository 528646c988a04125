/// Categories of a profile written before the value model (``CategoryValue``), rewritten
/// to it when the profile is loaded.
///
/// Before it, the profile builder printed a number in a categorical feature with Swift's
/// `description` ("16.0" for the integer code 16) and kept text booleans as spelled
/// (`True` from a pandas CSV), while the monitor counted the same values as "16" and
/// "true": such a profile compared with its own data showed every one of these
/// categories as new. A category is rewritten when it is a boolean spelling, or exactly
/// how the old builder printed an integral number (`String(Double(text)!) == text`, as
/// "16.0" or "-7.0"); categories that become one are added together. A JSON string
/// "16.0" in an old profile cannot be told from the number 16 and becomes "16" as well —
/// what the value model gives the CSV cell `16.0` too. Other categories are unchanged.
/// O(categories).
enum LegacyCategories {
    static func migrated(_ feature: FeatureProfile) -> FeatureProfile {
        guard case let .categorical(reference) = feature else { return feature }
        return .categorical(CategoricalReference(summary: reference.summary.renamingCategories(category)))
    }

    /// The value model's category of a category text written by the old builder.
    static func category(_ text: String) -> String {
        if let number = Double(text), number.isFinite, number == number.rounded(), String(number) == text {
            return CategoryValue.category(of: number)
        }
        return CategoryValue.category(of: text)
    }
}
