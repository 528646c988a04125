/// Parses condition strings (see `rules/README.md` for the grammar):
///
///     COMPARATOR NUMBER
///     COMPARATOR reference [(+|-) NUMBER]
///     COMPARATOR reference * NUMBER
///     outside reference (±|+-) NUMBER sigma
///     above reference + NUMBER sigma
///     below reference - NUMBER sigma
package struct ConditionParser {
    package struct Failure: Error, Equatable {
        package var message: String
        /// Offset in Unicode scalars within the condition text.
        package var offset: Int
        package var expected: String?
    }

    enum TokenKind: Equatable {
        case comparator(Comparator)
        case word(String)
        case number(Double)
        case plus, minus, times, plusMinus
        case end
    }

    struct Token {
        var kind: TokenKind
        var offset: Int
        var text: String
    }

    static let grammarSummary =
        "'> 0.2', '< reference - 0.1', '< reference * 0.9', 'outside reference ± 3 sigma', 'above reference + 3 sigma' or 'below reference - 3 sigma'"

    private var tokens: [Token] = []
    private var index = 0

    package static func parse(_ text: String) throws(Failure) -> Condition {
        var parser = ConditionParser()
        parser.tokens = try tokenize(text)
        return try parser.condition()
    }

    // MARK: Grammar

    private mutating func condition() throws(Failure) -> Condition {
        let first = next()
        let result: Condition
        switch first.kind {
        case let .comparator(comparator):
            result = try comparison(comparator)
        case .word("outside"):
            try expectReference()
            let sign = next()
            guard sign.kind == .plusMinus else { throw failure(at: sign, expected: "'±' or '+-'") }
            result = .statistical(k: try sigmaMultiple(), side: .both)
        case .word("above"):
            try expectReference()
            let sign = next()
            guard sign.kind == .plus else { throw failure(at: sign, expected: "'+' (above reference + k sigma)") }
            result = .statistical(k: try sigmaMultiple(), side: .above)
        case .word("below"):
            try expectReference()
            let sign = next()
            guard sign.kind == .minus else { throw failure(at: sign, expected: "'-' (below reference - k sigma)") }
            result = .statistical(k: try sigmaMultiple(), side: .below)
        case .end:
            throw Failure(message: "empty condition", offset: first.offset, expected: Self.grammarSummary)
        default:
            throw Failure(
                message: "a condition starts with a comparator, 'outside', 'above' or 'below', not '\(first.text)'",
                offset: first.offset, expected: Self.grammarSummary)
        }
        let trailing = next()
        guard trailing.kind == .end else {
            throw Failure(message: "unexpected '\(trailing.text)' after the condition", offset: trailing.offset,
                          expected: Self.grammarSummary)
        }
        return result
    }

    private mutating func comparison(_ comparator: Comparator) throws(Failure) -> Condition {
        let operand = next()
        switch operand.kind {
        case let .number(value):
            return .absolute(comparator, value)
        case .minus, .plus:
            let number = next()
            guard case let .number(value) = number.kind else { throw failure(at: number, expected: "a number") }
            return .absolute(comparator, operand.kind == .minus ? -value : value)
        case .word("reference"):
            let operation = peek()
            switch operation.kind {
            case .end:
                return .relativeOffset(comparator, offset: 0)
            case .plus, .minus:
                index += 1
                let amount = try number()
                try rejectSigma(after: operation)
                return .relativeOffset(comparator, offset: operation.kind == .minus ? -amount : amount)
            case .times:
                index += 1
                return .relativeFactor(comparator, factor: try number())
            default:
                throw failure(at: operation, expected: "'+', '-', '*' or the end of the condition")
            }
        default:
            throw failure(at: operand, expected: "a number or 'reference'")
        }
    }

    /// `> reference + 3 sigma` is a natural slip for `above reference + 3 sigma`; say so.
    private mutating func rejectSigma(after operation: Token) throws(Failure) {
        let token = peek()
        guard token.kind == .word("sigma") else { return }
        let form = operation.kind == .minus ? "below reference - k sigma" : "above reference + k sigma"
        throw Failure(message: "statistical conditions are written '\(form)' (or 'outside reference ± k sigma')",
                      offset: token.offset, expected: nil)
    }

    private mutating func expectReference() throws(Failure) {
        let token = next()
        guard token.kind == .word("reference") else { throw failure(at: token, expected: "'reference'") }
    }

    /// `NUMBER sigma` with a positive number.
    private mutating func sigmaMultiple() throws(Failure) -> Double {
        let numberToken = peek()
        let k = try number()
        guard k > 0 else {
            throw Failure(message: "the number of standard deviations must be positive", offset: numberToken.offset,
                          expected: "a number > 0")
        }
        let unit = next()
        guard unit.kind == .word("sigma") else { throw failure(at: unit, expected: "'sigma'") }
        return k
    }

    /// An unsigned number.
    private mutating func number() throws(Failure) -> Double {
        let token = next()
        guard case let .number(value) = token.kind else { throw failure(at: token, expected: "a number") }
        return value
    }

    private mutating func next() -> Token {
        defer { index = min(index + 1, tokens.count - 1) }
        return tokens[index]
    }

    private func peek() -> Token { tokens[index] }

    private func failure(at token: Token, expected: String) -> Failure {
        let found = token.kind == .end ? "end of the condition" : "'\(token.text)'"
        return Failure(message: "unexpected \(found)", offset: token.offset, expected: expected)
    }

    // MARK: Tokens

    private static func tokenize(_ text: String) throws(Failure) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var position = 0
        func isDigit(_ index: Int) -> Bool { index < scalars.count && ("0"..."9").contains(scalars[index]) }
        func spelling(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }

        while position < scalars.count {
            let start = position
            let scalar = scalars[position]
            switch scalar {
            case " ", "\t":
                position += 1
                continue
            case ">", "<":
                position += 1
                let orEqual = position < scalars.count && scalars[position] == "="
                if orEqual { position += 1 }
                let comparator: Comparator = scalar == ">" ? (orEqual ? .greaterOrEqual : .greater) : (orEqual ? .lessOrEqual : .less)
                tokens.append(Token(kind: .comparator(comparator), offset: start, text: spelling(start..<position)))
            case "+":
                position += 1
                if position < scalars.count, scalars[position] == "-" {
                    position += 1
                    tokens.append(Token(kind: .plusMinus, offset: start, text: "+-"))
                } else {
                    tokens.append(Token(kind: .plus, offset: start, text: "+"))
                }
            case "-", "*", "±":
                position += 1
                let kind: TokenKind = scalar == "-" ? .minus : scalar == "*" ? .times : .plusMinus
                tokens.append(Token(kind: kind, offset: start, text: String(scalar)))
            case "0"..."9", ".":
                while isDigit(position) { position += 1 }
                if position < scalars.count, scalars[position] == "." {
                    position += 1
                    while isDigit(position) { position += 1 }
                }
                if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
                    var exponent = position + 1
                    if exponent < scalars.count, scalars[exponent] == "+" || scalars[exponent] == "-" { exponent += 1 }
                    if isDigit(exponent) {
                        position = exponent
                        while isDigit(position) { position += 1 }
                    }
                }
                let number = spelling(start..<position)
                guard let value = Double(number), value.isFinite else {
                    throw Failure(message: "'\(number)' is not a number", offset: start, expected: "a finite number")
                }
                tokens.append(Token(kind: .number(value), offset: start, text: number))
            default:
                guard scalar.properties.isAlphabetic else {
                    throw Failure(message: "unexpected character '\(scalar)'", offset: start, expected: Self.grammarSummary)
                }
                while position < scalars.count, scalars[position].properties.isAlphabetic || scalars[position] == "_" {
                    position += 1
                }
                tokens.append(Token(kind: .word(spelling(start..<position)), offset: start, text: spelling(start..<position)))
            }
        }
        tokens.append(Token(kind: .end, offset: scalars.count, text: ""))
        return tokens
    }
}
