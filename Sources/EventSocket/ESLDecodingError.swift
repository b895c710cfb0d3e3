/// Why bytes from FreeSWITCH could not be read as ESL, and where in the stream.
///
/// Thrown by `ESLDecoder` (framing) and by `ESLEvent`/`ESLMessage` (the content of a frame).
/// A framing error leaves the stream out of step: the decoder stays failed and rethrows it.
public struct ESLDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// A header block (up to and including its blank line) is longer than the limit, in bytes.
        case headerBlockTooLarge(limit: Int)
        /// A frame declares a `Content-Length` above the body limit (both in bytes).
        case bodyTooLarge(contentLength: Int, limit: Int)
        /// A header line has no `": "` between name and value (or an empty name).
        case malformedHeaderLine
        /// A `Content-Length` value that is not a plain decimal byte count.
        case invalidContentLength(String)
        /// A header block without `Content-Type` while the decoder requires one.
        case missingContentType
        /// The stream ended inside a frame (`bytesMissing` is 0 when the header block itself was cut).
        case truncatedFrame(bytesMissing: Int)
        /// A frame was parsed as an event but its Content-Type is not an event type.
        case notAnEvent(contentType: String?)
        /// An event frame whose body holds no header at all.
        case emptyEvent
        /// An event-plain body whose inner `Content-Length` is not a byte count or runs past the body.
        case invalidInnerContentLength(String)
        /// A text/event-json body that is not one JSON object of string (or string-array) values.
        case invalidJSON(String)
    }

    /// What went wrong.
    public let kind: Kind
    /// Byte offset in the stream (0 = the first byte ever appended to the decoder) of the frame
    /// or line at fault.
    public let offset: Int

    /// Makes an error of `kind` at stream byte `offset`.
    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// A sentence saying what was wrong and where.
    public var description: String {
        let what: String
        switch kind {
        case .headerBlockTooLarge(let limit):
            what = "header block longer than the \(limit)-byte limit (maxHeaderBlockBytes)"
        case .bodyTooLarge(let length, let limit):
            what = "Content-Length \(length) above the \(limit)-byte limit (maxBodyBytes, or maxEventBodyBytes for an event)"
        case .malformedHeaderLine:
            what = "header line without \": \" between name and value"
        case .invalidContentLength(let text):
            what = "Content-Length \"\(text)\" is not a byte count"
        case .missingContentType:
            what = "header block without Content-Type"
        case .truncatedFrame(let missing):
            what =
                missing > 0
                ? "truncated frame: the stream ended \(missing) bytes before the end of the body"
                : "truncated frame: the stream ended inside a header block"
        case .notAnEvent(let type):
            what = "frame of Content-Type \(type ?? "(none)") is not an event"
        case .emptyEvent:
            what = "event frame without any header"
        case .invalidInnerContentLength(let text):
            what = "event body's inner Content-Length \(text) is not a byte count within the body"
        case .invalidJSON(let reason):
            what = "text/event-json body: \(reason)"
        }
        return "ESL: \(what) (stream byte \(offset))"
    }
}
