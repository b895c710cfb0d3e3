import EventSocket
import Foundation
import Testing

// MARK: - Fixtures (origins and licences in Fixtures/SOURCES.md; read only through Bundle.module)

/// The bytes of fixture `path` (relative to Fixtures/).
func fixture(_ path: String) throws -> [UInt8] {
    let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return [UInt8](try Data(contentsOf: root.appendingPathComponent(path)))
}

/// One row of MANIFEST.tsv: a frame and what a parser must find in it.
struct ManifestRow: Sendable, CustomStringConvertible {
    var file: String
    var frame: Int
    var offset: Int
    /// Outer Content-Type, or nil for the row marked `(none)`.
    var contentType: String?
    var contentLength: Int?
    /// Event-Name: the event's for event frames, the outer header's otherwise (connect reply).
    var eventName: String?
    /// `Key=value` details: unquoted keys are event headers, quoted keys outer headers, and
    /// `body` the first 60 bytes of the body.
    var details: [(key: String, value: String, quoted: Bool)]
    var raw: String

    var description: String { "\(file)#\(frame)@\(offset)" }
}

/// MANIFEST.tsv, parsed.
func manifest() throws -> [ManifestRow] {
    let text = String(decoding: try fixture("MANIFEST.tsv"), as: UTF8.self)
    var rows = [ManifestRow]()
    for line in text.split(separator: "\n").dropFirst() {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard columns.count == 7, let frame = Int(columns[1]), let offset = Int(columns[2]) else {
            Issue.record("bad manifest line: \(line)")
            continue
        }
        var details = [(key: String, value: String, quoted: Bool)]()
        if !columns[6].isEmpty, !columns[6].hasPrefix("NO Content-Type") {
            for part in columns[6].components(separatedBy: "; ") {
                guard let equals = part.firstIndex(of: "=") else { continue }
                let key = String(part[..<equals])
                var value = String(part[part.index(after: equals)...])
                let quoted = value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2
                if quoted {
                    value = String(value.dropFirst().dropLast())
                        .replacingOccurrences(of: "\\n", with: "\n")
                }
                details.append((key, value, quoted))
            }
        }
        rows.append(
            ManifestRow(
                file: columns[0], frame: frame, offset: offset,
                contentType: columns[3] == "(none)" ? nil : columns[3],
                contentLength: Int(columns[4]), eventName: columns[5].isEmpty ? nil : columns[5],
                details: details, raw: String(line)))
    }
    return rows
}

/// Every capture file the manifest covers, in manifest order.
func manifestFiles(_ rows: [ManifestRow]) -> [String] {
    var seen = [String]()
    for row in rows where !seen.contains(row.file) { seen.append(row.file) }
    return seen
}

/// The decoder configuration a file is read with: the fsock capture has a frame without
/// Content-Type (its known defect), so it is read without requiring one.
func decoderFor(_ file: String) -> ESLDecoder {
    ESLDecoder(requireContentType: !file.hasPrefix("fsock/"))
}

// MARK: - Decoding helpers

/// What decoding a stream produced: its frames, then the error (from next() or finish()) if any.
struct Outcome: Equatable {
    var frames: [ESLFrame]
    var error: ESLDecodingError?
}

/// Decodes `bytes` fed in the chunks given by cutting at `cuts` (sorted offsets).
func decode(_ bytes: [UInt8], cuts: [Int], decoder: ESLDecoder = ESLDecoder()) -> Outcome {
    var decoder = decoder
    var frames = [ESLFrame]()
    var start = 0
    do {
        for cut in cuts + [bytes.count] where cut >= start {
            decoder.append(bytes[start..<cut])
            start = cut
            while let frame = try decoder.next() { frames.append(frame) }
        }
        try decoder.finish()
        return Outcome(frames: frames, error: nil)
    } catch {
        return Outcome(frames: frames, error: error)
    }
}

/// Decodes `bytes` whole.
func decodeWhole(_ bytes: [UInt8], decoder: ESLDecoder = ESLDecoder()) -> Outcome {
    decode(bytes, cuts: [], decoder: decoder)
}

/// Decodes `bytes` one byte at a time.
func decodeByteByByte(_ bytes: [UInt8], decoder: ESLDecoder = ESLDecoder()) -> Outcome {
    var decoder = decoder
    var frames = [ESLFrame]()
    do {
        for byte in bytes {
            decoder.append([byte])
            while let frame = try decoder.next() { frames.append(frame) }
        }
        try decoder.finish()
        return Outcome(frames: frames, error: nil)
    } catch {
        return Outcome(frames: frames, error: error)
    }
}

/// Cuts of random sizes (1 to `maxChunk` bytes) over `count` bytes.
func randomCuts(count: Int, maxChunk: Int, rng: inout SplitMix64) -> [Int] {
    var cuts = [Int]()
    var at = 0
    while true {
        at += 1 + Int(rng.next() % UInt64(maxChunk))
        if at >= count { return cuts }
        cuts.append(at)
    }
}

// MARK: - Seeded randomness

/// SplitMix64: a tiny, fast, seedable generator, so every random test names its seed and replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}

extension String {
    /// The bytes of this string, for building streams in tests.
    var bytes: [UInt8] { Array(utf8) }
}
