import Foundation

// MARK: - Durations and rates in planner terms

/// Why a duration or rate written by a planner could not be read; the message says what was expected.
public struct UnitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text that could not be read.
    public var text: String
    /// What was expected instead, as a sentence fragment.
    public var expected: String
    public var description: String { "expected \(expected), got '\(text)'" }
}

/// Reads the durations and rates planners write (`3min`, `20s`, `1.5h`, `3.5/min`, `120/h`).
///
/// Durations are returned in seconds, rates in events per second. Units: `ms`, `s`/`sec`,
/// `min`/`m`, `h`/`hr`, `d`/`day`. A bare number is a number of seconds.
public enum Units {
    static let secondsPerUnit: [(String, Double)] = [
        ("ms", 0.001), ("msec", 0.001), ("s", 1), ("sec", 1), ("secs", 1), ("second", 1),
        ("seconds", 1), ("m", 60), ("min", 60), ("mins", 60), ("minute", 60), ("minutes", 60),
        ("h", 3600), ("hr", 3600), ("hrs", 3600), ("hour", 3600), ("hours", 3600),
        ("d", 86400), ("day", 86400), ("days", 86400),
    ]

    /// The number of seconds a unit name stands for, or nil.
    static func seconds(inUnit unit: String) -> Double? {
        secondsPerUnit.first { $0.0 == unit }?.1
    }

    /// Splits `"3.5min"` into (3.5, "min"); nil when there is no leading number.
    static func splitNumber(_ text: String) -> (Double, String)? {
        let trimmed = text.trimmingSpaces()
        var end = trimmed.startIndex
        for index in trimmed.indices {
            let c = trimmed[index]
            if c.isNumber || c == "." || c == "e" || c == "E"
                || ((c == "-" || c == "+") && (index == trimmed.startIndex
                    || "eE".contains(trimmed[trimmed.index(before: index)])))
            {
                // An "e" is part of the number only when a digit or sign follows ("1e3", not "1each").
                if c == "e" || c == "E" {
                    let next = trimmed.index(after: index)
                    guard next < trimmed.endIndex,
                        trimmed[next].isNumber || trimmed[next] == "-" || trimmed[next] == "+"
                    else { break }
                }
                end = trimmed.index(after: index)
            } else {
                break
            }
        }
        guard end > trimmed.startIndex, let value = Double(trimmed[..<end]), value.isFinite else {
            return nil
        }
        return (value, String(trimmed[end...]).trimmingSpaces())
    }

    /// Parses a non-negative duration such as `3min`, `20s`, `1.5h` or `45` (seconds).
    /// - Complexity: O(length of `text`).
    public static func duration(_ text: String) throws(UnitError) -> Double {
        let expected = "a duration such as '20s', '3min' or '1.5h'"
        guard let (value, unit) = splitNumber(text) else {
            throw UnitError(text: text, expected: expected)
        }
        let factor: Double
        if unit.isEmpty {
            factor = 1
        } else if let f = seconds(inUnit: unit.lowercased()) {
            factor = f
        } else {
            throw UnitError(text: text, expected: expected + " (unknown unit '\(unit)')")
        }
        guard value >= 0 else {
            throw UnitError(text: text, expected: "a duration that is not negative")
        }
        return value * factor
    }

    /// Parses a non-negative rate such as `3.5/min`, `120/h`, `0.5/s` or `2 per min`, in events per second.
    /// - Complexity: O(length of `text`).
    public static func rate(_ text: String) throws(UnitError) -> Double {
        let expected = "a rate such as '3.5/min', '120/h' or '0.5/s'"
        let normalized = text.replacingOccurrences(of: " per ", with: "/")
        let parts = normalized.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let (value, rest) = splitNumber(String(parts[0])), rest.isEmpty
        else {
            throw UnitError(text: text, expected: expected)
        }
        let unitText = String(parts[1]).trimmingSpaces().lowercased()
        // "/15min" is allowed: a count per a duration.
        let per: Double
        if let f = seconds(inUnit: unitText) {
            per = f
        } else if let (n, u) = splitNumber(unitText), let f = seconds(inUnit: u), n > 0 {
            per = n * f
        } else {
            throw UnitError(text: text, expected: expected + " (unknown unit '\(parts[1])')")
        }
        guard value >= 0 else {
            throw UnitError(text: text, expected: "a rate that is not negative")
        }
        return value / per
    }

    /// Formats seconds the way a planner writes them (`90s`, `3min`, `1.5h`), for messages and tables.
    public static func format(seconds: Double) -> String {
        func trim(_ x: Double) -> String {
            let rounded = (x * 1000).rounded() / 1000
            return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        }
        if seconds >= 3600, (seconds / 3600 * 1000).rounded() == seconds / 3600 * 1000 {
            return trim(seconds / 3600) + "h"
        }
        if seconds >= 60, (seconds / 60 * 1000).rounded() == seconds / 60 * 1000 {
            return trim(seconds / 60) + "min"
        }
        return trim(seconds) + "s"
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
