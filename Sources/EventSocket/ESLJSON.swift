/// A reader for the one JSON shape FreeSWITCH sends in text/event-json bodies: one object whose
/// values are strings (numbers arrive as strings too) or arrays of strings
/// (`switch_event_serialize_json_obj`). Numbers, booleans and null are accepted and kept as
/// their text; a nested object is kept as its raw JSON text. No Foundation, no recursion
/// beyond one array level; never traps on input.
enum ESLJSONReader {
    /// One member of the object: its key, and the value rendered as ESL text (arrays as
    /// `ARRAY::a|:b`, as event-plain writes them).
    struct Member {
        var key: [UInt8]
        var value: [UInt8]
    }

    /// Reads the object in `bytes` (a slice of a frame). `offset` is the stream offset of the
    /// slice's first byte, for error reports.
    static func readObject(_ bytes: ArraySlice<UInt8>, offset: Int) throws(ESLDecodingError) -> [Member] {
        var reader = Cursor(bytes: bytes, offset: offset)
        return try reader.object()
    }

    private struct Cursor {
        let bytes: ArraySlice<UInt8>
        let offset: Int
        var i: Int

        init(bytes: ArraySlice<UInt8>, offset: Int) {
            self.bytes = bytes
            self.offset = offset
            self.i = bytes.startIndex
        }

        func fail(_ reason: String) -> ESLDecodingError {
            ESLDecodingError(.invalidJSON(reason), offset: offset + (i - bytes.startIndex))
        }

        mutating func skipSpace() {
            while i < bytes.endIndex, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(ESLDecodingError) {
            skipSpace()
            guard i < bytes.endIndex, bytes[i] == byte else { throw fail("expected \(what)") }
            i += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < bytes.endIndex ? bytes[i] : nil
        }

        mutating func object() throws(ESLDecodingError) -> [Member] {
            try expect(0x7B, "'{'")
            var members = [Member]()
            members.reserveCapacity(64)
            if peek() == 0x7D {
                i += 1
            } else {
                while true {
                    guard peek() == 0x22 else { throw fail("expected a string key") }
                    let key = try string()
                    try expect(0x3A, "':'")
                    let value = try value()
                    members.append(Member(key: key, value: value))
                    guard let next = peek() else { throw fail("unterminated object") }
                    i += 1
                    if next == 0x7D { break }
                    guard next == 0x2C else { throw fail("expected ',' or '}'") }
                }
            }
            skipSpace()
            guard i == bytes.endIndex else { throw fail("bytes after the object") }
            return members
        }

        mutating func value() throws(ESLDecodingError) -> [UInt8] {
            guard let first = peek() else { throw fail("missing value") }
            switch first {
            case 0x22:
                return try string()
            case 0x5B:
                i += 1
                var items = [[UInt8]]()
                if peek() == 0x5D {
                    i += 1
                } else {
                    while true {
                        items.append(try scalar())
                        guard let next = peek() else { throw fail("unterminated array") }
                        i += 1
                        if next == 0x5D { break }
                        guard next == 0x2C else { throw fail("expected ',' or ']'") }
                    }
                }
                var out = Array("ARRAY::".utf8)
                for (n, item) in items.enumerated() {
                    if n > 0 { out.append(contentsOf: [0x7C, 0x3A]) }
                    out.append(contentsOf: item)
                }
                return out
            case 0x7B:
                return try rawNested()
            default:
                return try scalar()
            }
        }

        /// A string, or a bare number / true / false / null kept as its text.
        mutating func scalar() throws(ESLDecodingError) -> [UInt8] {
            guard let first = peek() else { throw fail("missing value") }
            if first == 0x22 { return try string() }
            let start = i
            while i < bytes.endIndex {
                let byte = bytes[i]
                let isWordByte =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x2B || byte == 0x2E || byte == 0x45
                guard isWordByte else { break }
                i += 1
            }
            guard i > start else { throw fail("unexpected byte") }
            return Array(bytes[start..<i])
        }

        /// A nested object kept as raw JSON text (FreeSWITCH sends none).
        mutating func rawNested() throws(ESLDecodingError) -> [UInt8] {
            let start = i
            var depth = 0
            var inString = false
            while i < bytes.endIndex {
                let byte = bytes[i]
                i += 1
                if inString {
                    if byte == 0x5C {
                        i += 1
                    } else if byte == 0x22 {
                        inString = false
                    }
                } else if byte == 0x22 {
                    inString = true
                } else if byte == 0x7B || byte == 0x5B {
                    depth += 1
                } else if byte == 0x7D || byte == 0x5D {
                    depth -= 1
                    if depth == 0 { return Array(bytes[start..<i]) }
                }
            }
            throw fail("unterminated nested value")
        }

        mutating func string() throws(ESLDecodingError) -> [UInt8] {
            try expect(0x22, "'\"'")
            var out = [UInt8]()
            while i < bytes.endIndex {
                let byte = bytes[i]
                i += 1
                switch byte {
                case 0x22:
                    return out
                case 0x5C:
                    guard i < bytes.endIndex else { throw fail("unterminated escape") }
                    let escaped = bytes[i]
                    i += 1
                    switch escaped {
                    case 0x22, 0x5C, 0x2F: out.append(escaped)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var scalar = try hex4()
                        if scalar >= 0xD800, scalar < 0xDC00, i + 1 < bytes.endIndex,
                            bytes[i] == 0x5C, bytes[i + 1] == 0x75
                        {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if low >= 0xDC00, low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                            }
                        }
                        let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                        out.append(contentsOf: Array(String(Character(character)).utf8))
                    default:
                        throw fail("invalid escape")
                    }
                default:
                    out.append(byte)
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(ESLDecodingError) -> UInt32 {
            guard bytes.endIndex - i >= 4 else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = ESLPercentDecoding.hexValue(bytes[i]) else { throw fail("bad \\u escape") }
                value = value << 4 | UInt32(digit)
                i += 1
            }
            return value
        }
    }
}
