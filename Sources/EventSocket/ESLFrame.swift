/// One ESL message as framed on the wire: a header block and `Content-Length` bytes of body.
///
/// The frame owns one copy of its bytes; headers and body are views into it, so parsing the
/// body as an event (`ESLEvent(_:)`) copies nothing.
public struct ESLFrame: Sendable, Equatable {
    /// The outer headers in wire order (`Content-Type`, `Content-Length`, `Reply-Text`, ...).
    public let headers: ESLHeaderBlock
    /// Where the body lies in `headers.storage`.
    let bodyRange: Range<Int>
    /// Byte offset in the stream of the frame's first header byte (after any stray newlines).
    public let streamOffset: Int

    init(headers: ESLHeaderBlock, bodyRange: Range<Int>, streamOffset: Int) {
        self.headers = headers
        self.bodyRange = bodyRange
        self.streamOffset = streamOffset
    }

    /// The outer `Content-Type` (`text/event-plain`, `command/reply`, ...), or nil when absent.
    public var contentType: String? { headers.value("Content-Type") }

    /// The declared `Content-Length` in bytes, or nil when the frame has none (then the body is empty).
    public var contentLength: Int? {
        guard let raw = headers.rawValue("Content-Length") else { return nil }
        return ESLDecoder.parseLength(raw[...])
    }

    /// The body: exactly `Content-Length` bytes (empty without one).
    public var body: ArraySlice<UInt8> { headers.storage[bodyRange] }

    /// The body as text (invalid UTF-8 replaced with U+FFFD).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The frame's size on the wire in bytes: header block, blank line and body.
    public var byteCount: Int { headers.storage.count }

    /// The frame's bytes exactly as they were read (stray newlines before it excluded).
    public var wireBytes: [UInt8] { headers.storage }

    /// Builds a frame from its wire bytes, which must hold exactly one complete frame.
    /// - Throws: `ESLDecodingError` when the bytes are not one well-formed frame.
    public init(wireBytes: [UInt8]) throws(ESLDecodingError) {
        var decoder = ESLDecoder(requireContentType: false)
        decoder.append(wireBytes)
        guard let frame = try decoder.next() else {
            try decoder.finish()
            throw ESLDecodingError(.truncatedFrame(bytesMissing: 0), offset: 0)
        }
        try decoder.finish()
        self = frame
    }
}
