import Monitor

/// Decoding cost of a typical prediction event (10 numeric + 3 categorical features,
/// 3 segment attributes): the first step of every event on the hot path.
enum DecodeBenchmarks {
    static let sampleEvent = Array(#"""
    {"event":"prediction","model":"credit-risk","version":"v3","id":"p-000123456","ts":1700000123456,"features":{"f_income":80015.2,"f_age":41,"f_debt_ratio":0.3172,"f_credit_lines":7,"f_utilisation":0.552,"f_tenure_months":38,"f_late_payments":0,"f_loan_amount":15000,"f_interest_rate":7.25,"f_balance":-1234.56,"c_channel":"mobile","c_purpose":"car","c_employment":"salaried"},"score":0.7912,"label_pred":1,"segment":{"gender":"female","age_band":"36-50","region":"north"}}
    """#.utf8)

    static func all() -> [BenchmarkResult] {
        let decoder = EventDecoder()
        let events = 200_000
        return [
            Bench.measure("decode prediction event (\(sampleEvent.count) B)", operations: events) {
                sampleEvent.withUnsafeBufferPointer { buffer in
                    for _ in 0..<events { blackHole(decoder.decode(buffer)) }
                }
            },
        ]
    }
}
