import EventSocket
import Testing

/// Command encoding, and the refusal of line breaks in anything that goes into a command.
@Suite struct CommandTests {
    @Test func commandsAsFreeSWITCHReadsThem() throws {
        let job = "0b6f6d3c-1111-4222-8333-944455556666"
        let cases: [(ESLCommand, String)] = [
            (.auth(password: "ClueCon"), "auth ClueCon\n\n"),
            (.event(.all()), "event plain ALL\n\n"),
            (
                .event(
                    ESLSubscription(
                        format: .json,
                        eventNames: ["CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_ANSWER", "BACKGROUND_JOB"],
                        customSubclasses: ["callcenter::info"])),
                "event json CHANNEL_CREATE CHANNEL_ANSWER BACKGROUND_JOB CUSTOM callcenter::info\n\n"
            ),
            (.nixevent(ESLSubscription(eventNames: ["HEARTBEAT"])), "nixevent HEARTBEAT\n\n"),
            (.noevents, "noevents\n\n"),
            (.api(command: "status"), "api status\n\n"),
            (.api(command: "uuid_kill", arguments: "abc USER_BUSY"), "api uuid_kill abc USER_BUSY\n\n"),
            (
                .bgapi(
                    command: "originate",
                    arguments: "{origination_uuid=c0ffee00}sofia/gateway/gw1/5551234 &park()",
                    jobUUID: job),
                "bgapi originate {origination_uuid=c0ffee00}sofia/gateway/gw1/5551234 &park()\nJob-UUID: \(job)\n\n"
            ),
            (
                .sendmsg(
                    uuid: "c0ffee00",
                    .execute(application: "playback", argument: "/tmp/hello world.wav", eventLock: true)),
                "sendmsg c0ffee00\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: /tmp/hello world.wav\nevent-lock: true\n\n"
            ),
            (
                .sendmsg(uuid: nil, .execute(application: "answer", eventUUID: "e1")),
                "sendmsg\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: e1\n\n"
            ),
            (
                .sendmsg(uuid: "c0ffee00", .hangup(cause: "NORMAL_CLEARING")),
                "sendmsg c0ffee00\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n"
            ),
            (.filter(header: "Event-Name", value: "BACKGROUND_JOB"), "filter Event-Name BACKGROUND_JOB\n\n"),
            (.filterDelete(header: "all", value: nil), "filter delete all\n\n"),
            (.filterDelete(header: "Unique-ID", value: "c0ffee00"), "filter delete Unique-ID c0ffee00\n\n"),
            (.linger(seconds: nil), "linger\n\n"),
            (.linger(seconds: 30), "linger 30\n\n"),
            (.nolinger, "nolinger\n\n"),
            (.exit, "exit\n\n"),
        ]
        for (command, text) in cases {
            #expect(try command.text() == text)
            #expect(try command.encoded() == Array(text.utf8))
            #expect(text.hasSuffix("\n\n"))
            #expect(!text.dropLast(2).contains("\n\n"), "one command, one blank line")
        }
    }

    @Test func lineBreaksAreRefusedEverywhere() {
        for evil in ["a\nb", "a\rb", "status\n\nevent plain ALL", "\r", "x\n"] {
            let commands: [ESLCommand] = [
                .auth(password: evil),
                .event(ESLSubscription(eventNames: [evil])),
                .event(ESLSubscription(eventNames: ["CUSTOM"], customSubclasses: [evil])),
                .nixevent(ESLSubscription(eventNames: [evil])),
                .api(command: evil),
                .api(command: "status", arguments: evil),
                .bgapi(command: evil, jobUUID: "j"),
                .bgapi(command: "originate", arguments: evil, jobUUID: "j"),
                .bgapi(command: "originate", arguments: "x", jobUUID: evil),
                .sendmsg(uuid: evil, .hangup(cause: "NORMAL_CLEARING")),
                .sendmsg(uuid: "u", .hangup(cause: evil)),
                .sendmsg(uuid: "u", .execute(application: evil)),
                .sendmsg(uuid: "u", .execute(application: "playback", argument: evil)),
                .sendmsg(uuid: "u", .execute(application: "playback", eventUUID: evil)),
                .filter(header: evil, value: "v"),
                .filter(header: "h", value: evil),
                .filterDelete(header: evil, value: nil),
                .filterDelete(header: "h", value: evil),
            ]
            for command in commands {
                #expect(throws: ESLCommandError.self, "\(command)") { try command.encoded() }
                do {
                    _ = try command.encoded()
                } catch {
                    guard case .lineBreak(let field) = error else {
                        Issue.record("\(command): \(error)")
                        continue
                    }
                    #expect(error.description.contains(field))
                }
            }
        }
    }

    @Test func wordsAndRequiredValues() throws {
        #expect(throws: ESLCommandError.whitespace(field: "event name")) {
            try ESLCommand.event(ESLSubscription(eventNames: ["CHANNEL_ANSWER HEARTBEAT"])).encoded()
        }
        #expect(throws: ESLCommandError.whitespace(field: "Job-UUID")) {
            try ESLCommand.bgapi(command: "status", jobUUID: "a b").encoded()
        }
        #expect(throws: ESLCommandError.empty(field: "Job-UUID")) {
            try ESLCommand.bgapi(command: "status", jobUUID: "").encoded()
        }
        #expect(throws: ESLCommandError.empty(field: "password")) {
            try ESLCommand.auth(password: "").encoded()
        }
        #expect(throws: ESLCommandError.emptySubscription) {
            try ESLCommand.event(ESLSubscription(eventNames: [])).encoded()
        }
        #expect(throws: ESLCommandError.invalidArgument(field: "linger seconds")) {
            try ESLCommand.linger(seconds: 0).encoded()
        }
        #expect(
            try ESLCommand.event(ESLSubscription(eventNames: ["CUSTOM"], customSubclasses: [])).text()
                == "event plain CUSTOM\n\n")
    }
}
