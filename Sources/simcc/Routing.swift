import Foundation
import Simulation

/// Runs a routing study for `simcc run`: every variant on the same callers, then the reports.
enum RoutingRun {
    static func run(_ study: RoutingStudy, folder: String, threads: Int) throws {
        let result = RoutingStudyRunner.run(study, threads: threads)
        do {
            try RoutingReports.write(result, to: folder)
        } catch {
            throw CLIError("cannot write results into \(folder): \(error.localizedDescription)")
        }
        print(RoutingReports.table(result), terminator: "")
        print("results in \(folder)/ (summary.json, intervals.csv, replications.csv, report.html)")
    }
}
