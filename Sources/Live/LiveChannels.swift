import Foundation

// MARK: - The channel list after a gap

/// The channels FreeSWITCH has up, read from `api show channels as json`: what the bridges'
/// `reconcile(liveChannels:at:)` compare their calls in flight with after a reconnect.
public enum LiveChannels {
    /// Why a channel list could not be read.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        public var description: String { "show channels as json: \(reason)" }
    }

    private struct Listing: Decodable {
        var row_count: Int?
        var rows: [Row]?
    }

    private struct Row: Decodable {
        var uuid: String?
    }

    /// The `uuid` of every row of `text`, the api/response body of `show channels as json`
    /// (`{"row_count":2,"rows":[{"uuid":"…",…},…]}`; FreeSWITCH writes `{"row_count":0}` with no
    /// rows when nothing is up).
    /// - Throws: `ParseError` for an `-ERR` reply, text that is not that JSON object, or a row
    ///   count that does not match the rows (a cut reply).
    public static func parse(showChannelsJSON text: String) throws(ParseError) -> Set<String> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-ERR") || trimmed.hasPrefix("-USAGE") {
            throw ParseError(reason: "FreeSWITCH replied \(trimmed.prefix(80))")
        }
        let listing: Listing
        do {
            listing = try JSONDecoder().decode(Listing.self, from: Data(trimmed.utf8))
        } catch {
            throw ParseError(reason: "not the JSON object expected (\(trimmed.prefix(80)))")
        }
        let rows = listing.rows ?? []
        if let count = listing.row_count, count != rows.count {
            throw ParseError(reason: "row_count is \(count) but \(rows.count) rows arrived")
        }
        return Set(rows.compactMap(\.uuid))
    }
}
