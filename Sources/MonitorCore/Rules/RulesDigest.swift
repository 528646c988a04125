/// The canonical form of rules and its FNV-1a 64 hash.
///
/// The canonical form lists every rule (sorted by name) with every field resolved (defaults filled in,
/// map entries sorted by key), each string length-prefixed so that no two rule sets share a form.
/// Source positions are left out: moving a rule, or adding a comment above it, is not a change.
enum RulesDigest {
    static func digest(of rules: [Rule]) -> String {
        var hash = FNV1a64()
        for rule in rules.sorted(by: { $0.name < $1.name }) {
            canonicalFields(of: rule).forEach { hash.add(field: $0) }
        }
        return hash.hex
    }

    static func canonicalFields(of rule: Rule) -> [String] {
        var fields = ["rule", rule.name]
        switch rule.action {
        case .alert:
            fields += ["action", "alert"]
        case let .retrain(cooldown, requiresApproval):
            fields += ["action", "retrain", "cooldown", "\(cooldown)", "requires_approval", "\(requiresApproval)"]
        }
        fields += ["scope", rule.scope.rawValue]
        fields += ["models"] + rule.selector.models.patterns.sorted()
        fields += ["versions"] + rule.selector.versions.patterns.sorted()
        if let features = rule.selector.features { fields += ["features"] + features.patterns.sorted() }
        fields += ["feature_kind", rule.selector.featureKind.rawValue]
        fields += ["attributes"] + (rule.selector.everyAttribute ? ["*"] : []) + rule.selector.attributes.map { $0.joined(separator: "&") }
        // Only on classes-scope rules, so that every other rule's digest is as before.
        if let classes = rule.selector.classes { fields += ["classes"] + classes.patterns.sorted() }
        fields += ["metric", rule.metric.name.rawValue]
        for (key, value) in rule.parameters.values.sorted(by: { $0.key < $1.key }) {
            fields += ["param", key, "\(value)"]
        }
        fields += ["condition", rule.condition.description]
        fields += ["min_samples", "\(rule.minSamples)", "for", "\(rule.forEvaluations)",
                   "keep_firing_for", "\(rule.keepFiringForEvaluations)", "significance", rule.noiseGate.description,
                   "hysteresis", "\(rule.hysteresis)", "severity", rule.severity.rawValue]
        for (key, value) in rule.labels.sorted(by: { $0.key < $1.key }) { fields += ["label", key, value] }
        for (key, value) in rule.annotations.sorted(by: { $0.key < $1.key }) { fields += ["annotation", key, value.source] }
        return fields
    }
}

/// 64-bit FNV-1a (Fowler–Noll–Vo); fast and stable across runs and platforms, not cryptographic.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash as 16 hex digits.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    mutating func add(byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01b3
    }

    /// The hash with a final avalanche (MurmurHash3's fmix64), for tables and filters that
    /// use a few of its bits: FNV's low and high bits mix poorly for short keys.
    var avalanched: UInt64 {
        var mixed = value
        mixed ^= mixed >> 33
        mixed &*= 0xff51_afd7_ed55_8ccd
        mixed ^= mixed >> 33
        mixed &*= 0xc4ce_b9fe_1a85_ec53
        mixed ^= mixed >> 33
        return mixed
    }

    /// The avalanched hash of `bytes`.
    static func avalanchedHash(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        var fnv = FNV1a64()
        for byte in bytes { fnv.add(byte: byte) }
        return fnv.avalanched
    }

    /// Adds the UTF-8 length (as 8 little-endian bytes) and then the bytes, so fields cannot run together.
    mutating func add(field: String) {
        var length = UInt64(field.utf8.count)
        for _ in 0..<8 {
            add(byte: UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        for byte in field.utf8 { add(byte: byte) }
    }
}
