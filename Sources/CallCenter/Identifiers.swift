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
