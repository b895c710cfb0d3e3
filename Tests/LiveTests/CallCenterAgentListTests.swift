import CallCenter
import Live
import Testing

/// Replies of `callcenter_config agent list`.
enum AgentListReplies {
    /// The header of FreeSWITCH 1.10's `agents` table.
    static let header =
        "name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|"
        + "busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|"
        + "last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count"

    /// Real: two agents, one on a queue call (its channel in `uuid`), one waiting, as quoted in
    /// xiaosongfu/freeswitch-helper, pkg/callcenter/model.go (2020), then mod_callcenter's `+OK`.
    static let real = """
        \(header)
        1018|single_box|d7fae5ff-221f-48c2-b497-de844d98f9c7|callback|user/1018|Available|In a queue call|0|0|0|0|0|1579140526|1579140140|1579140523|1579058496|0|63|6949|1579079168|0
        1015|single_box||callback|user/1015|Available|Waiting|0|0|0|0|0|1579071874|1579071878|1579140523|1579067112|0|8|178|1579140528|0
        +OK

        """

    /// Synthetic: the roster's three agents in every kind of status, in the same columns.
    static let synthetic = """
        \(header)
        1000@default|single_box||callback|user/1000|On Break|Waiting|3|10|10|60|0|0|0|0|1700000100|0|0|0|0|0
        1001@default|single_box||callback|user/1001|Available|Idle|3|10|10|60|0|0|0|0|1700000200|0|0|0|0|0
        1002@default|single_box||callback|user/1002|Logged Out|Waiting|3|10|10|60|0|0|0|0|0|0|0|0|0|0
        9000@default|single_box||uuid-standby|user/9000|Gone Fishing|Dreaming|3|10|10|60|0|0|0|0|1700000300|0|0|0|0|0
        +OK

        """
}

@Suite("Live: callcenter_config agent list")
struct CallCenterAgentListTests {
    typealias R = AgentListReplies

    @Test("real reply: statuses and states by name, the agent on a call named by its channel")
    func real() throws {
        let agents = try CallCenterAgentList.parse(agentList: R.real)
        #expect(agents.count == 2)
        #expect(agents["1018"] == CallCenterAgent(status: "Available", state: "In a queue call"))
        #expect(agents["1015"] == CallCenterAgent(status: "Available", state: "Waiting"))
        #expect(agents["1018"]?.dialerState == .talking)
        #expect(agents["1015"]?.dialerState == .idle)
        let rows = try CallCenterAgentList.rows(agentList: R.real)
        #expect(rows.map(\.name) == ["1018", "1015"])
        #expect(rows[0].uuid == "d7fae5ff-221f-48c2-b497-de844d98f9c7" && rows[1].uuid == nil)
        #expect(rows[0].lastStatusChange == 1_579_058_496)
        #expect(rows[0].fields["contact"] == "user/1018" && rows[0].fields["calls_answered"] == "63")
        #expect(CallCenterAgentList.agentsByChannel(rows) == ["d7fae5ff-221f-48c2-b497-de844d98f9c7": "1018"])
    }

    @Test("synthetic: breaks and Idle get awaySince from last_status_change; unknown values kept")
    func awayAndUnknown() throws {
        let plain = try CallCenterAgentList.parse(agentList: R.synthetic)
        #expect(plain["1000@default"]?.awaySince == nil)  // no clock given: not set
        let agents = try CallCenterAgentList.parse(agentList: R.synthetic, timeOfEpoch: { Seconds($0 - 1_700_000_000) })
        #expect(agents["1000@default"] == CallCenterAgent(status: "On Break", state: "Waiting", awaySince: 100, wrapUpTime: 10))
        #expect(agents["1000@default"]?.dialerState == .paused(since: 100))
        #expect(agents["1001@default"]?.dialerState == .paused(since: 200))
        #expect(agents["1002@default"] == CallCenterAgent(status: "Logged Out", state: "Waiting", wrapUpTime: 10))
        #expect(agents["1002@default"]?.dialerState == .loggedOut)
        #expect(agents["9000@default"] == CallCenterAgent(status: "Gone Fishing", state: "Dreaming", wrapUpTime: 10))
        #expect(agents["9000@default"]?.dialerState == .loggedOut)
    }

    @Test("no agents: +OK alone; CRLF line ends; empty values and (null) read as nil")
    func emptyAndSpelling() throws {
        #expect(try CallCenterAgentList.parse(agentList: "+OK\n").isEmpty)
        #expect(try CallCenterAgentList.parse(agentList: "+OK").isEmpty)
        let crlf = "name|status|state\r\n1001@default|Available|Waiting\r\n+OK\r\n"
        #expect(try CallCenterAgentList.parse(agentList: crlf) == ["1001@default": .init(status: "Available", state: "Waiting")])
        let nulls = "name|uuid|status|state\n1001@default|(null)||(null)\n+OK\n"
        #expect(try CallCenterAgentList.parse(agentList: nulls) == ["1001@default": .init()])
        #expect(try CallCenterAgentList.rows(agentList: nulls).first?.uuid == nil)
    }

    @Test("columns read by header name: other orders, fewer and extra columns")
    func columnsByName() throws {
        let reordered = """
            state|status|name|skill_level|last_status_change
            In a queue call|Available (On Demand)|1002@default|7|1700000000
            +OK
            """
        let agents = try CallCenterAgentList.parse(agentList: reordered)
        #expect(agents == ["1002@default": .init(status: "Available (On Demand)", state: "In a queue call")])
        #expect(try CallCenterAgentList.rows(agentList: reordered).first?.fields["skill_level"] == "7")
    }

    @Test("errors name the line and column: -ERR, missing header columns, wrong field counts, no +OK")
    func errors() {
        func error(_ text: String) -> CallCenterAgentList.ParseError? {
            do {
                _ = try CallCenterAgentList.parse(agentList: text)
                return nil
            } catch { return error }
        }
        #expect(error("-ERR Invalid!\n")?.reason.contains("FreeSWITCH replied -ERR Invalid!") == true)
        #expect(error("-USAGE: callcenter_config …\n")?.line == 1)
        #expect(error("")?.reason == "the reply is empty")
        let missing = error("name|status\n1001@default|Available\n+OK\n")
        #expect(missing?.line == 1 && missing?.column == "state")
        #expect(error("status|state\nAvailable|Waiting\n+OK\n")?.column == "name")
        let short = R.synthetic.replacingOccurrences(of: "|user/1001|Available|Idle|", with: "|user/1001|Available|")
        let shortError = error(short)
        #expect(shortError?.line == 3)
        #expect(shortError?.reason.hasPrefix("20 fields where the header has 21") == true)
        let long = error("name|status|state\n1001@default|Available|Waiting|extra\n+OK\n")
        #expect(long?.line == 2 && long?.reason.hasPrefix("4 fields where the header has 3") == true)
        let cut = String(R.real.prefix(R.real.count - 6))  // "+OK\n\n" and the last digit gone
        #expect(error(cut)?.reason.contains("does not end with +OK") == true)
        let noName = error("name|status|state\n|Available|Waiting\n+OK\n")
        #expect(noName?.line == 2 && noName?.column == "name")
        let twice = error("name|status|state\nx|Available|Waiting\n\nx|On Break|Idle\n+OK\n")
        #expect(twice?.line == 4 && twice?.reason == "x appears twice")
        #expect(
            error("name|status\n+OK")?.description
                == "callcenter_config agent list, line 1 column state: the header has no state column")
    }
}
