// MARK: - Numbers and keyed digits, packed

/// A telephone number as the softswitch reports it: an optional `+` and up to 19 digits, packed
/// in a few bytes so that seam events stay plain values (no reference counting on the hot path).
public struct PhoneNumber: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    @usableFromInline var value: UInt64
    @usableFromInline var count: UInt8
    @usableFromInline var plus: Bool

    /// The number written `text` (`+` and digits only), or nil when it is not one.
    public init?(_ text: String) {
        var bytes = Substring(text).utf8[...]
        plus = bytes.first == UInt8(ascii: "+")
        if plus { bytes = bytes.dropFirst() }
        guard (1...19).contains(bytes.count) else { return nil }
        value = 0
        count = UInt8(bytes.count)
        for b in bytes {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(b - UInt8(ascii: "0"))
        }
    }

    /// A number written in code. - Precondition: `value` is a number.
    public init(stringLiteral value: String) {
        guard let number = PhoneNumber(value) else { preconditionFailure("'\(value)' is not a phone number") }
        self = number
    }

    /// Whether `text` is a number simcc dials: an optional leading `+` and 3 to 20 digits. The one
    /// rule for outbound numbers: the contact-list reader, the dialer's task check (step S33) and
    /// the live originate all ask it. (A `PhoneNumber`, what a softswitch reports of a caller, may
    /// be shorter: an extension.)
    @inlinable
    public static func isDialable(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        return (3...20).contains(bytes.count) && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The number as written, leading zeros kept.
    public var text: String {
        let digits = String(value)
        return (plus ? "+" : "") + String(repeating: "0", count: Int(count) - digits.count) + digits
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let number = PhoneNumber(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a phone number"))
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// The keys a caller pressed (0-9, `*`, `#`), up to 32, packed four bits a key.
public struct KeyedDigits: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    @usableFromInline var low: UInt64 = 0
    @usableFromInline var high: UInt64 = 0
    @usableFromInline var count: UInt8 = 0

    static let keys = Array("0123456789*#")

    /// The keys written `text`, or nil when it holds another character or more than 32 keys.
    public init?(_ text: String) {
        guard text.count <= 32 else { return nil }
        for character in text {
            guard let key = Self.keys.firstIndex(of: character) else { return nil }
            let shift = UInt64(count % 16) * 4
            if count < 16 { low |= UInt64(key) << shift } else { high |= UInt64(key) << shift }
            count += 1
        }
    }

    /// Keys written in code. - Precondition: `value` is keys.
    public init(stringLiteral value: String) {
        guard let digits = KeyedDigits(value) else { preconditionFailure("'\(value)' is not keypad digits") }
        self = digits
    }

    /// The keys as text.
    public var text: String {
        String((0..<Int(count)).map { i in
            let word = i < 16 ? low : high
            return Self.keys[Int((word >> (UInt64(i % 16) * 4)) & 0xF)]
        })
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digits = KeyedDigits(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not keypad digits"))
        }
        self = digits
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

// MARK: - ID-card numbers on the keypad

extension KeyedDigits {
    /// The keys that spell ID number `idNumber` (`IDCardNumber`): its digits, and `*` for a
    /// PRC resident ID number's check character X; nil when `idNumber` is not an ID number.
    public init?(idNumber: String) {
        guard let canonical = IDCardNumber.canonical(idNumber) else { return nil }
        let keys = canonical.last == "X" ? String(canonical.dropLast()) + "*" : canonical
        self.init(keys)
    }

    /// The ID number these keys spell (step 02), in `IDCardNumber`'s spelling: digits, with a
    /// final `*` read as the check character X of an 18-character PRC resident ID number (the
    /// keypad has no X); nil when they spell none (no keys, a `#`, a `*` elsewhere).
    public var idNumber: String? {
        let keys = text
        let spelled = keys.last == "*" ? String(keys.dropLast()) + "X" : keys
        return IDCardNumber.canonical(spelled)
    }
}
