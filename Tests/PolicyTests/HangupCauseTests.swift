import CallCenter
import DialingPolicies
import Foundation
import Testing

/// FreeSWITCH's causes (`CAUSE_CHART` in switch_channel.c) whose unanswered outcome is not
/// `failed`, with the outcome each gave when `init(freeSWITCH:)` still folded them onto one of 13
/// causes (the fold in the comment).
let section112Outcomes: [String: CallOutcome] = [
    "NO_ANSWER": .noAnswer, "NO_USER_RESPONSE": .noAnswer, "RECOVERY_ON_TIMER_EXPIRE": .noAnswer,
    "NO_PICKUP": .noAnswer, "SUBSCRIBER_ABSENT": .noAnswer, "USER_NOT_REGISTERED": .noAnswer,  // → NO_ANSWER
    "PROGRESS_TIMEOUT": .noAnswer, "ALLOTTED_TIMEOUT": .noAnswer,  // → RECOVERY_ON_TIMER_EXPIRE
    "USER_BUSY": .busy, "BUSY_EVERYWHERE": .busy,  // → USER_BUSY
    "CALL_REJECTED": .busy, "DECLINE": .busy, "REJECT_ALL": .busy, "UNWANTED": .busy,
    "OUTGOING_CALL_BARRED": .busy,  // → CALL_REJECTED
    "UNALLOCATED_NUMBER": .invalidNumber, "INVALID_NUMBER_FORMAT": .invalidNumber,
    "NUMBER_CHANGED": .invalidNumber, "DOES_NOT_EXIST_ANYWHERE": .invalidNumber,  // → UNALLOCATED_NUMBER
    "ORIGINATOR_CANCEL": .cancelled, "LOSE_RACE": .cancelled, "PICKED_OFF": .cancelled,  // → ORIGINATOR_CANCEL
]

/// The rest of section 1.12: each gave `failed`, folded onto NORMAL_CLEARING (NONE, SUCCESS,
/// NORMAL_UNSPECIFIED, the transfers, MANAGER_REQUEST), kept (NORMAL_CLEARING,
/// NORMAL_TEMPORARY_FAILURE, NETWORK_/DESTINATION_OUT_OF_ORDER, CRASH) or to the fallback.
let section112Failed = [
    "NONE", "NO_ROUTE_TRANSIT_NET", "NO_ROUTE_DESTINATION", "CHANNEL_UNACCEPTABLE", "CALL_AWARDED_DELIVERED",
    "NORMAL_CLEARING", "REDIRECTION_TO_NEW_DESTINATION", "EXCHANGE_ROUTING_ERROR", "DESTINATION_OUT_OF_ORDER",
    "FACILITY_REJECTED", "RESPONSE_TO_STATUS_ENQUIRY", "NORMAL_UNSPECIFIED", "NORMAL_CIRCUIT_CONGESTION",
    "NETWORK_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE", "SWITCH_CONGESTION", "ACCESS_INFO_DISCARDED",
    "REQUESTED_CHAN_UNAVAIL", "PRE_EMPTED", "FACILITY_NOT_SUBSCRIBED", "INCOMING_CALL_BARRED",
    "BEARERCAPABILITY_NOTAUTH", "BEARERCAPABILITY_NOTAVAIL", "SERVICE_UNAVAILABLE", "BEARERCAPABILITY_NOTIMPL",
    "CHAN_NOT_IMPLEMENTED", "FACILITY_NOT_IMPLEMENTED", "SERVICE_NOT_IMPLEMENTED", "INVALID_CALL_REFERENCE",
    "INCOMPATIBLE_DESTINATION", "INVALID_MSG_UNSPECIFIED", "MANDATORY_IE_MISSING", "MESSAGE_TYPE_NONEXIST",
    "WRONG_MESSAGE", "IE_NONEXIST", "INVALID_IE_CONTENTS", "WRONG_CALL_STATE", "MANDATORY_IE_LENGTH_ERROR",
    "PROTOCOL_ERROR", "INTERWORKING", "SUCCESS", "CRASH", "SYSTEM_SHUTDOWN", "MANAGER_REQUEST",
    "BLIND_TRANSFER", "ATTENDED_TRANSFER", "USER_CHALLENGE", "MEDIA_TIMEOUT", "INVALID_GATEWAY", "GATEWAY_DOWN",
    "INVALID_URL", "INVALID_PROFILE", "SRTP_READ_ERROR", "BOWOUT", "NOT_ACCEPTABLE", "NO_IDENTITY",
    "BAD_IDENTITY_INFO", "UNSUPPORTED_CERTIFICATE", "INVALID_IDENTITY", "STALE_DATE",
]

/// Every cause of section 1.12 with the outcome a dialer reads from it unanswered.
let section112Causes: [(name: String, outcome: CallOutcome)] =
    section112Outcomes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    + section112Failed.map { ($0, .failed) }

@Suite("Hang-up causes: an open set, the outcome of each")
struct HangupCauseTests {
    @Test("the table covers section 1.12's 82 names, once each")
    func tableComplete() {
        #expect(section112Causes.count == 82)
        #expect(Set(section112Causes.map(\.name)).count == 82)
        #expect(HangupCause.known.allSatisfy { section112Outcomes[$0.rawValue] != nil || section112Failed.contains($0.rawValue) })
    }

    @Test("each 1.12 cause, unanswered, gives the outcome it gave when folded, and the record keeps its name",
          arguments: section112Causes.map(\.name))
    func outcome(name: String) throws {
        let expected = try #require(section112Causes.first { $0.name == name }).outcome
        let cause = try #require(HangupCause(rawValue: name))
        #expect(cause.rawValue == name)
        #expect(cause.unansweredOutcome == expected)

        // Through a dialer: the call record carries the exact name and the folded outcome.
        var d = BaselineDriver(ProgressiveDialer())
        #expect(try d.start(baselineTask(1), agents: [.idle]) == [baselineDial(1, 0), .wakeUp(at: 1)])
        let commands = d.send(.callEnded(CallID(1), cause: cause), at: 0.5)
        #expect(commands.first == baselineRecord(1, 0, dialed: 0, ended: 0.5, expected, cause))
    }

    @Test("a name no release lists is kept and read as failed; the known ones keep their text")
    func unknown() throws {
        let cause = try #require(HangupCause(rawValue: "SOME_CAUSE_2030"))
        #expect(cause.rawValue == "SOME_CAUSE_2030")
        #expect(cause.unansweredOutcome == .failed)
        #expect(cause != .normalTemporaryFailure)
        #expect("\(cause)" == "SOME_CAUSE_2030")
        #expect(HangupCause.known.map(\.rawValue) == [
            "NORMAL_CLEARING", "NO_ANSWER", "NO_USER_RESPONSE", "USER_BUSY", "UNALLOCATED_NUMBER",
            "ORIGINATOR_CANCEL", "CALL_REJECTED", "NORMAL_TEMPORARY_FAILURE", "RECOVERY_ON_TIMER_EXPIRE",
            "INVALID_NUMBER_FORMAT", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "CRASH",
        ])
    }

    @Test("malformed names are refused: empty, lower case, spaces, punctuation, a leading digit, too long")
    func malformed() {
        let longest = String(repeating: "A", count: HangupCause.maxNameLength)
        #expect(HangupCause(rawValue: longest)?.rawValue == longest)
        #expect(HangupCause(rawValue: "Q850_16")?.rawValue == "Q850_16")
        for name in ["", "normal_clearing", "USER BUSY", "USER-BUSY", "NO_ANSWER\n", "'; DROP TABLE x", "16",
                     "_X", "NÖ_ANSWER", longest + "A"] {
            #expect(HangupCause(rawValue: name) == nil, "\(name)")
        }
    }

    @Test("JSON: the plain name, as the enumeration wrote it; a malformed name does not decode")
    func json() throws {
        let encoder = JSONEncoder()
        let data = try encoder.encode([HangupCause.normalClearing, HangupCause(rawValue: "MEDIA_TIMEOUT")!])
        #expect(String(decoding: data, as: UTF8.self) == #"["NORMAL_CLEARING","MEDIA_TIMEOUT"]"#)
        #expect(try JSONDecoder().decode([HangupCause].self, from: data) == [.normalClearing, HangupCause(rawValue: "MEDIA_TIMEOUT")!])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([HangupCause].self, from: Data(#"["busy"]"#.utf8)) }
    }
}
