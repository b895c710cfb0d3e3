// MARK: - Header fields as byte ranges

/// One `Name: value` line of a header block, as byte ranges into the block's storage.
///
/// Ranges are `UInt32` so that a field is 16 bytes; frames are capped far below 4 GiB.
@usableFromInline
struct ESLFieldRange: Sendable, Equatable {
    @usableFromInline var nameStart: UInt32
    @usableFromInline var nameEnd: UInt32
    @usableFromInline var valueStart: UInt32
    @usableFromInline var valueEnd: UInt32
    /// Set when the raw value holds a `%`, so that reading it needs percent-decoding.
    @usableFromInline var hasEscapes: Bool
}

/// The headers of an ESL message or of an event-plain body: `Name: value` lines in wire order.
///
/// The block keeps the raw bytes and the position of every line; names and values become
/// `String`s only when asked for, so that parsing a 1.5 KB event costs one pass over its bytes.
///
/// Lookup by name first looks for the name exactly as written (FreeSWITCH's own spelling,
/// case-sensitive), then, when no header has that exact name, for the first header whose name
/// matches ignoring ASCII case (FreeSWITCH itself looks names up case-insensitively, and one
/// event can carry both `Channel-Read-Codec-Bit-Rate` and `channel-read-codec-bit-rate`).
///
/// Values are percent-decoded when read through `value(_:)` (libesl decodes every value, outer
/// and inner), and `rawValue(_:)` returns the bytes as sent.
public struct ESLHeaderBlock: Sendable, Equatable {
    /// The bytes the field ranges point into (the whole frame, for an outer block).
    @usableFromInline let storage: [UInt8]
    /// The fields in wire order.
    @usableFromInline let fields: [ESLFieldRange]

    init(storage: [UInt8], fields: [ESLFieldRange]) {
        self.storage = storage
        self.fields = fields
    }

    /// An empty block.
    public static let empty = ESLHeaderBlock(storage: [], fields: [])

    /// The number of header lines, duplicates included.
    public var count: Int { fields.count }

    /// True when the block has no header line.
    public var isEmpty: Bool { fields.isEmpty }

    /// The header names in wire order, as sent (duplicates included).
    public var names: [String] { fields.map { name(of: $0) } }

    /// The header at `index` (wire order): its name as sent and its percent-decoded value.
    /// - Precondition: `0 <= index < count`.
    public subscript(index: Int) -> (name: String, value: String) {
        let field = fields[index]
        return (name(of: field), decodedValue(of: field))
    }

    /// All headers in wire order as (name, percent-decoded value) pairs.
    /// - Complexity: O(n) allocations; prefer `value(_:)` for single lookups.
    public var pairs: [(name: String, value: String)] { (0..<count).map { self[$0] } }

    /// The percent-decoded value of header `name` (exact spelling first, then ASCII
    /// case-insensitive, first occurrence wins), or nil when the block has no such header.
    /// Invalid UTF-8 in the decoded bytes is replaced with U+FFFD; `rawValue(_:)` keeps it.
    /// - Complexity: O(number of headers) byte comparisons, plus the value's length.
    @inlinable
    public func value(_ name: String) -> String? {
        guard let index = indexOf(name) else { return nil }
        return decodedValue(of: fields[index])
    }

    /// The bytes of header `name`'s value exactly as sent (not percent-decoded), or nil.
    public func rawValue(_ name: String) -> [UInt8]? {
        guard let index = indexOf(name) else { return nil }
        let field = fields[index]
        return Array(storage[Int(field.valueStart)..<Int(field.valueEnd)])
    }

    /// The percent-decoded value bytes of header `name` (no UTF-8 repair), or nil.
    public func decodedBytes(_ name: String) -> [UInt8]? {
        guard let index = indexOf(name) else { return nil }
        let field = fields[index]
        return ESLPercentDecoding.decode(storage[Int(field.valueStart)..<Int(field.valueEnd)])
    }

    /// True when the block has a header called `name` (same matching as `value(_:)`).
    public func contains(_ name: String) -> Bool { indexOf(name) != nil }

    // MARK: Internals

    /// The index of the field named `name`: exact match first, then ASCII case-insensitive.
    @usableFromInline
    func indexOf(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { key -> Int? in
            storage.withUnsafeBufferPointer { bytes -> Int? in
                let count = key.count
                for (i, field) in fields.enumerated()
                where Int(field.nameEnd - field.nameStart) == count {
                    var same = true
                    var j = 0
                    let start = Int(field.nameStart)
                    while j < count {
                        if bytes[start + j] != key[j] {
                            same = false
                            break
                        }
                        j += 1
                    }
                    if same { return i }
                }
                for (i, field) in fields.enumerated()
                where Int(field.nameEnd - field.nameStart) == count {
                    var same = true
                    var j = 0
                    let start = Int(field.nameStart)
                    while j < count {
                        if asciiLower(bytes[start + j]) != asciiLower(key[j]) {
                            same = false
                            break
                        }
                        j += 1
                    }
                    if same { return i }
                }
                return nil
            }
        }
    }

    func name(of field: ESLFieldRange) -> String {
        String(decoding: storage[Int(field.nameStart)..<Int(field.nameEnd)], as: UTF8.self)
    }

    @usableFromInline
    func decodedValue(of field: ESLFieldRange) -> String {
        let raw = storage[Int(field.valueStart)..<Int(field.valueEnd)]
        if !field.hasEscapes { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: ESLPercentDecoding.decode(raw), as: UTF8.self)
    }
}

@inline(__always)
@usableFromInline
func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

// MARK: - Percent-decoding

/// Percent-decoding as FreeSWITCH's `switch_url_decode` does it for header values.
///
/// `%XX` with two hex digits (either case) becomes the byte 0xXX, `%0A` included (which is why
/// values are decoded one by one and never the whole buffer). Everything else is copied as is:
/// `+` stays `+` (this is not form decoding), and a `%` that is not followed by two hex digits
/// (`%`, `%4`, `%G1` at any position) is kept literally. That last rule differs from
/// FreeSWITCH's `sscanf("%2x")`, which would also accept a single hex digit; FreeSWITCH never
/// writes such a sequence (it encodes a literal `%` as `%25`), so the difference only shows on
/// hand-made input, where keeping the bytes loses nothing.
public enum ESLPercentDecoding {
    /// Decodes `bytes`. - Complexity: O(n).
    public static func decode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let byte = bytes[i]
            if byte == 0x25, end - i >= 3, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        return out
    }

    /// Decodes `text` and repairs invalid UTF-8 with U+FFFD.
    public static func decode(_ text: String) -> String {
        String(decoding: decode(Array(text.utf8)), as: UTF8.self)
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
