import EventSocket
import NIOCore

/// A SwiftNIO `ByteToMessageDecoder` that turns the bytes of an ESL connection into
/// `ESLFrame`s, by feeding them to an `ESLDecoder` (framing, `Content-Length`, size caps).
///
/// Errors are final, as in `ESLDecoder`: a malformed frame or a cap exceeded throws an
/// `ESLDecodingError` (fired down the pipeline by `ByteToMessageHandler`), and the stream is out
/// of step from then on. When the stream ends inside a frame, `decodeLast` throws
/// `truncatedFrame`, so a peer that closes mid-frame is reported, not ignored.
public struct ESLFrameDecoder: ByteToMessageDecoder, Sendable {
    /// Decoded frames.
    public typealias InboundOut = ESLFrame

    private var decoder: ESLDecoder

    /// A decoder with the given caps; see `ESLDecoder.init(limits:requireContentType:)`.
    public init(limits: ESLDecoder.Limits = ESLDecoder.Limits(), requireContentType: Bool = true) {
        decoder = ESLDecoder(limits: limits, requireContentType: requireContentType)
    }

    /// Moves every readable byte of `buffer` into the decoder and returns the frames now complete.
    /// - Throws: `ESLDecodingError` for malformed input or a cap exceeded.
    public mutating func frames(from buffer: inout ByteBuffer) throws(ESLDecodingError) -> [ESLFrame] {
        if buffer.readableBytes > 0 {
            buffer.withUnsafeReadableBytes { decoder.append($0) }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        var frames = [ESLFrame]()
        while let frame = try decoder.next() { frames.append(frame) }
        return frames
    }

    /// Declares the end of the stream: throws `truncatedFrame` when an unfinished frame remains.
    public mutating func finish() throws(ESLDecodingError) {
        try decoder.finish()
    }

    /// Decodes every complete frame in `buffer` (all its bytes are taken into the decoder).
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
        -> DecodingState
    {
        for frame in try frames(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        return .needMoreData
    }

    /// Decodes what is left at the end of the stream, then throws `truncatedFrame` if the
    /// stream ended inside a frame.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        for frame in try frames(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        try finish()
        return .needMoreData
    }
}
