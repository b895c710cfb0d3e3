#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An incremental decoder of the bytes FreeSWITCH sends into `ESLFrame`s.
///
/// Append bytes as they arrive, in chunks of any size, then call `next()` until it returns nil.
/// When the peer closes, call `finish()`: it throws `truncatedFrame` if a frame was cut.
/// The frames produced, and the error thrown, do not depend on how the stream was chunked.
///
/// Framing (docs/esl-mapping.md, "Framing"): a header block of `Name: value\n` lines ends at an
/// empty line; if it has `Content-Length: N`, exactly N bytes of body follow (bytes, not
/// characters). Stray `\n` and `\r` before a header block are skipped, as FreeSWITCH and libesl
/// do. A header line may end in `\r\n`. A line without `": "` is an error: outer headers are never
/// continued over several lines.
///
/// Errors are final: after one is thrown the stream is out of step, and every later `next()`
/// or `finish()` rethrows it. The caller should close the connection.
///
/// Not thread-safe; one decoder belongs to one connection's reader (a value type: copy it and
/// the copies are independent).
public struct ESLDecoder: Sendable {
    /// Caps that keep a broken or hostile peer from exhausting memory.
    public struct Limits: Sendable, Equatable {
        /// The largest header block accepted, blank line included, in bytes. FreeSWITCH's
        /// largest are outbound `connect` replies (about 6.5 KB).
        public var maxHeaderBlockBytes: Int
        /// The largest `Content-Length` accepted, in bytes. FreeSWITCH refuses more than
        /// 16 MiB in what it reads; `api show channels` replies can be large.
        public var maxBodyBytes: Int
        /// The largest body of an event (`text/event-plain`, `-json`, `-xml`), in bytes, at most
        /// `maxBodyBytes`. FreeSWITCH's events are a few KB (a channel event with every
        /// variable, tens of KB); 1 MiB by default, so a corrupt `Content-Length` fails the
        /// connection at once instead of holding the stream until megabytes arrive.
        public var maxEventBodyBytes: Int

        /// Caps of `maxHeaderBlockBytes` bytes of headers, `maxBodyBytes` bytes of body and
        /// `maxEventBodyBytes` bytes of an event's body.
        public init(
            maxHeaderBlockBytes: Int = 256 * 1024, maxBodyBytes: Int = 16 * 1024 * 1024,
            maxEventBodyBytes: Int = 1024 * 1024
        ) {
            self.maxHeaderBlockBytes = maxHeaderBlockBytes
            self.maxBodyBytes = maxBodyBytes
            self.maxEventBodyBytes = maxEventBodyBytes
        }
    }

    /// `text/event-`: the start of every event's Content-Type.
    static let eventTypePrefix = Array("text/event-".utf8)

    /// The caps in force.
    public let limits: Limits
    /// When true, a header block without `Content-Type` is an error (`missingContentType`):
    /// FreeSWITCH always sends one, so its absence means the stream is out of step. Example:
    /// the fsock capture's paste artefact at byte 91756 (`uuid_transfer Content-Length: 720`)
    /// loses a Content-Length, and the event body after it then reads as a header block
    /// without Content-Type (byte 91822). Strict decoding stops there; lenient decoding
    /// (false) yields that block as a frame and leaves the judgement to the caller.
    public let requireContentType: Bool

    /// Bytes received and not yet consumed start at `readIndex`.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the end of the current header block resumes.
    private var scanIndex = 0
    /// Stream offset of `buffer[0]`.
    private var baseOffset = 0
    /// A header block already parsed whose body has not fully arrived.
    private var pending: Pending?
    private var failure: ESLDecodingError?

    private struct Pending: Sendable {
        var fields: [ESLFieldRange]
        /// Index in `buffer` of the first body byte, and the body's length.
        var bodyStart: Int
        var bodyLength: Int
    }

    /// A decoder with the given caps; see `requireContentType`.
    /// - Precondition: both caps are positive and together below 4 GiB (frames are indexed
    ///   with 32-bit offsets).
    public init(limits: Limits = Limits(), requireContentType: Bool = true) {
        precondition(
            limits.maxHeaderBlockBytes > 0 && limits.maxBodyBytes >= 0
                && limits.maxHeaderBlockBytes + limits.maxBodyBytes < Int(UInt32.max),
            "ESLDecoder limits must be positive and below 4 GiB together")
        self.limits = limits
        self.requireContentType = requireContentType
    }

    // MARK: - Feeding

    /// Appends bytes received from the peer. - Complexity: amortized O(bytes.count).
    public mutating func append(_ bytes: [UInt8]) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes received from the peer. - Complexity: amortized O(bytes.count).
    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes received from the peer. - Complexity: amortized O(bytes.count).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    /// The number of bytes received and not yet returned in a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The stream offset of the first byte not yet consumed (the total consumed so far).
    public var consumedByteCount: Int { baseOffset + readIndex }

    private mutating func compactIfWorthIt() {
        if readIndex == buffer.count {
            baseOffset += readIndex
            scanIndex -= readIndex
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 64 * 1024 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            baseOffset += readIndex
            scanIndex -= readIndex
            if var pending {
                pending.bodyStart -= readIndex
                self.pending = pending
            }
            readIndex = 0
        }
    }

    // MARK: - Decoding

    /// The next complete frame, or nil when more bytes are needed.
    /// - Throws: `ESLDecodingError` for malformed input or a cap exceeded; the decoder then
    ///   stays failed.
    /// - Complexity: amortized O(bytes consumed): no byte is scanned twice while waiting.
    public mutating func next() throws(ESLDecodingError) -> ESLFrame? {
        if let failure { throw failure }
        do {
            return try decodeNext()
        } catch {
            failure = error
            throw error
        }
    }

    /// Declares the end of the stream (the peer closed).
    /// - Throws: `truncatedFrame` if bytes of an unfinished frame remain (call `next()` until it
    ///   returns nil first), or the error the decoder already failed with.
    public mutating func finish() throws(ESLDecodingError) {
        if let failure { throw failure }
        skipStrayNewlines()
        guard readIndex < buffer.count || pending != nil else { return }
        let missing = pending.map { $0.bodyStart + $0.bodyLength - buffer.count } ?? 0
        let error = ESLDecodingError(.truncatedFrame(bytesMissing: missing), offset: baseOffset + readIndex)
        failure = error
        throw error
    }

    private mutating func skipStrayNewlines() {
        guard pending == nil else { return }
        while readIndex < buffer.count, buffer[readIndex] == 0x0A || buffer[readIndex] == 0x0D {
            readIndex += 1
        }
        if scanIndex < readIndex { scanIndex = readIndex }
    }

    private mutating func decodeNext() throws(ESLDecodingError) -> ESLFrame? {
        if pending == nil {
            skipStrayNewlines()
            guard let (linesEnd, bodyStart) = findBlankLine() else {
                if buffer.count - readIndex >= limits.maxHeaderBlockBytes {
                    throw ESLDecodingError(
                        .headerBlockTooLarge(limit: limits.maxHeaderBlockBytes),
                        offset: baseOffset + readIndex)
                }
                return nil
            }
            if bodyStart - readIndex > limits.maxHeaderBlockBytes {
                throw ESLDecodingError(
                    .headerBlockTooLarge(limit: limits.maxHeaderBlockBytes), offset: baseOffset + readIndex)
            }
            let (fields, _) = try Self.parseLines(
                buffer, from: readIndex, to: linesEnd, relativeTo: readIndex, allowContinuation: false,
                streamOffset: baseOffset)
            let block = ESLHeaderBlock(storage: [], fields: fields)
            var bodyLength = 0
            if let index = block.indexOf(in: buffer, base: readIndex, "Content-Length") {
                let field = fields[index]
                let raw = buffer[(readIndex + Int(field.valueStart))..<(readIndex + Int(field.valueEnd))]
                guard let length = Self.parseLength(raw) else {
                    throw ESLDecodingError(
                        .invalidContentLength(String(decoding: raw.prefix(40), as: UTF8.self)),
                        offset: baseOffset + readIndex)
                }
                // An event's own cap is looked at only when it could matter (out of the way of
                // the frames of every day).
                guard length <= min(limits.maxEventBodyBytes, limits.maxBodyBytes) || length <= bodyCap(block, fields)
                else {
                    throw ESLDecodingError(
                        .bodyTooLarge(contentLength: length, limit: bodyCap(block, fields)),
                        offset: baseOffset + readIndex)
                }
                bodyLength = length
            }
            if requireContentType, block.indexOf(in: buffer, base: readIndex, "Content-Type") == nil {
                throw ESLDecodingError(.missingContentType, offset: baseOffset + readIndex)
            }
            pending = Pending(fields: fields, bodyStart: bodyStart, bodyLength: bodyLength)
        }
        guard let ready = pending, buffer.count - ready.bodyStart >= ready.bodyLength else { return nil }
        let end = ready.bodyStart + ready.bodyLength
        let storage = Array(buffer[readIndex..<end])
        let frame = ESLFrame(
            headers: ESLHeaderBlock(storage: storage, fields: ready.fields),
            bodyRange: (ready.bodyStart - readIndex)..<storage.count,
            streamOffset: baseOffset + readIndex)
        pending = nil
        readIndex = end
        scanIndex = end
        return frame
    }

    /// The body cap of the header block at `readIndex`: `maxEventBodyBytes` for an event,
    /// `maxBodyBytes` otherwise.
    @inline(never)
    private func bodyCap(_ block: ESLHeaderBlock, _ fields: [ESLFieldRange]) -> Int {
        guard let type = block.indexOf(in: buffer, base: readIndex, "Content-Type") else { return limits.maxBodyBytes }
        let value = buffer[(readIndex + Int(fields[type].valueStart))..<(readIndex + Int(fields[type].valueEnd))]
        return value.starts(with: Self.eventTypePrefix)
            ? min(limits.maxBodyBytes, limits.maxEventBodyBytes) : limits.maxBodyBytes
    }

    /// Finds the empty line ending the header block that starts at `readIndex`.
    /// Returns the index just past the last header line's `\n`, and the index of the first body
    /// byte; nil (with `scanIndex` advanced) when the block is not complete yet.
    private mutating func findBlankLine() -> (linesEnd: Int, bodyStart: Int)? {
        let count = buffer.count
        var found: (Int, Int)?
        var resume = scanIndex
        buffer.withUnsafeBufferPointer { bytes in
            guard let start = bytes.baseAddress else { return }
            var p = scanIndex
            while p < count {
                guard let hit = memchr(start + p, 0x0A, count - p) else {
                    p = count
                    break
                }
                p = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - start
                // bytes[p] ends a line; is the next line empty ("\n" or "\r\n")?
                guard p + 1 < count else { break }
                let next = bytes[p + 1]
                if next == 0x0A {
                    found = (p + 1, p + 2)
                    return
                }
                if next == 0x0D {
                    guard p + 2 < count else { break }
                    if bytes[p + 2] == 0x0A {
                        found = (p + 1, p + 3)
                        return
                    }
                }
                p += 1
            }
            resume = p
        }
        if found == nil { scanIndex = resume }
        return found
    }

    // MARK: - Shared line parsing

    /// Parses `Name: value` lines in `buffer[from..<to]` (each ended by `\n`, an optional `\r`
    /// before it is dropped), returning ranges relative to `relativeTo`, and the index just
    /// past the empty line that ended the block (`to` when there was none).
    ///
    /// With `allowContinuation`, a line without `": "` continues the previous header's value
    /// (the `\n` kept); this tolerates captures whose values were decoded by hand
    /// (switchio/eventstream.txt). Otherwise such a line is `malformedHeaderLine`.
    /// - Complexity: O(to - from), with `memchr` for line ends and `%`.
    static func parseLines(
        _ buffer: [UInt8], from: Int, to: Int, relativeTo base: Int, allowContinuation: Bool,
        streamOffset: Int
    ) throws(ESLDecodingError) -> (fields: [ESLFieldRange], next: Int) {
        var fields = [ESLFieldRange]()
        var badLine: Int?
        var next = to
        guard from < to else { return (fields, to) }
        fields.reserveCapacity(allowContinuation ? 64 : 4)
        buffer.withUnsafeBufferPointer { bytes in
            guard let start = bytes.baseAddress else { return }
            var lineStart = from
            while lineStart < to {
                let newline =
                    memchr(start + lineStart, 0x0A, to - lineStart)
                    .map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - start } ?? to
                var lineEnd = newline
                if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart {
                    next = min(newline + 1, to)
                    return
                }
                var colon = lineStart
                while colon + 1 < lineEnd, !(bytes[colon] == 0x3A && bytes[colon + 1] == 0x20) { colon += 1 }
                if colon > lineStart, colon + 1 < lineEnd {
                    let valueStart = colon + 2
                    let percent =
                        valueStart < lineEnd && memchr(start + valueStart, 0x25, lineEnd - valueStart) != nil
                    fields.append(
                        ESLFieldRange(
                            nameStart: UInt32(lineStart - base), nameEnd: UInt32(colon - base),
                            valueStart: UInt32(valueStart - base), valueEnd: UInt32(lineEnd - base),
                            hasEscapes: percent))
                } else if allowContinuation, !fields.isEmpty {
                    var last = fields[fields.count - 1]
                    last.valueEnd = UInt32(lineEnd - base)
                    if !last.hasEscapes {
                        last.hasEscapes = memchr(start + lineStart, 0x25, lineEnd - lineStart) != nil
                    }
                    fields[fields.count - 1] = last
                } else {
                    badLine = lineStart
                    return
                }
                lineStart = newline + 1
            }
        }
        if let badLine { throw ESLDecodingError(.malformedHeaderLine, offset: streamOffset + badLine) }
        return (fields, next)
    }

    /// A byte count written as 1 to 12 ASCII digits (an optional trailing `\r` or spaces are
    /// not accepted: FreeSWITCH writes none), or nil.
    static func parseLength(_ raw: ArraySlice<UInt8>) -> Int? {
        guard !raw.isEmpty, raw.count <= 12 else { return nil }
        var value = 0
        for byte in raw {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}

extension ESLHeaderBlock {
    /// `indexOf` for fields whose ranges are relative to `base` in `buffer` (before the frame's
    /// own storage exists).
    func indexOf(in buffer: [UInt8], base: Int, _ name: String) -> Int? {
        let key = Array(name.utf8)
        var fallback: Int?
        for (i, field) in fields.enumerated() where Int(field.nameEnd - field.nameStart) == key.count {
            let start = base + Int(field.nameStart)
            var exact = true
            var folded = true
            for j in 0..<key.count {
                let byte = buffer[start + j]
                if byte != key[j] { exact = false }
                if asciiLower(byte) != asciiLower(key[j]) {
                    folded = false
                    break
                }
            }
            if exact { return i }
            if folded, fallback == nil { fallback = i }
        }
        return fallback
    }
}
