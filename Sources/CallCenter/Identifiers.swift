// MARK: - Identifiers

/// An agent, by a dense index (0, 1, 2, ...) that the driver assigns; production maps its
/// FreeSWITCH agent names to these indices, the simulation numbers its agents.
public struct AgentID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The dense index.
    public var rawValue: Int32
    /// The agent with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The agent with index `index`.
    @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
    /// The index as an `Int`, for arrays indexed by agent.
    @inlinable public var index: Int { Int(rawValue) }
    public static func < (a: AgentID, b: AgentID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "agent#\(rawValue)" }
}

/// A call, by a 64-bit id unique within a run. In production it is rendered as the ESL
/// `Job-UUID` and `origination_uuid` of the call (`uuidString`).
public struct CallID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id.
    public var rawValue: UInt64
    /// The call with id `rawValue`.
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: CallID, b: CallID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "call#\(rawValue)" }

    /// The id as a UUID string (8-4-4-4-12 hex digits) under a fixed simcc prefix: the same
    /// call id always gives the same UUID.
    public var uuidString: String {
        let hex = String(rawValue, radix: 16)
        let digits = String(repeating: "0", count: 16 - hex.count) + hex
        let d = Array(digits)
        // 51cc0000-0000-4000-8xxx-xxxxxxxxxxxx: version 4, variant 1; 15 hex digits carry the id
        // (ids below 2^60, far beyond any run); the first of the 16 is folded into the prefix.
        return "51cc0000-0000-4000-8\(String(d[1..<4]))-\(String(d[4..<16]))"
    }

    /// The call whose `uuidString` is `uuidString` (hex digits in either case), or nil when the
    /// text is not a UUID under simcc's prefix: a channel FreeSWITCH or another program named.
    /// `CallID(uuidString: id.uuidString) == id` for every id below 2^60.
    /// - Complexity: O(1): 36 bytes are read, nothing is allocated.
    public init?(uuidString: String) {
        let utf8 = uuidString.utf8
        guard let id = utf8.withContiguousStorageIfAvailable({ Self.parse($0) }) ?? Self.parse(Array(utf8))
        else { return nil }
        self.rawValue = id
    }

    /// Parses `51cc0000-0000-4000-8xxx-xxxxxxxxxxxx` into the 60-bit id it carries.
    private static func parse<C: Collection>(_ bytes: C) -> UInt64? where C.Element == UInt8, C.Index == Int {
        guard bytes.count == 36 else { return nil }
        let prefix = Array("51cc0000-0000-4000-8".utf8)
        var value: UInt64 = 0
        var i = bytes.startIndex
        for (k, expected) in prefix.enumerated() {
            let b = bytes[i]
            // The prefix's letters may arrive upper-case.
            guard b == expected || (k < 4 && b | 0x20 == expected) else { return nil }
            i += 1
        }
        for k in 0..<16 {
            let b = bytes[i]
            i += 1
            if k == 3 {
                guard b == UInt8(ascii: "-") else { return nil }
                continue
            }
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}

// MARK: - Identifiers encode as their bare number

extension AgentID {
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int32.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

extension CallID {
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UInt64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
