import Foundation

/// The process's own resources, as Prometheus client libraries export them
/// (`process_cpu_seconds_total`, `process_resident_memory_bytes`, ...): read from Linux's
/// `/proc/self` at each scrape. Elsewhere (no `/proc`) there is no sample and the
/// families are absent.
struct ProcessSample: Sendable, Equatable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var openFileDescriptors: Double
    var maximumFileDescriptors: Double
    /// Since the Unix epoch.
    var startTimeSeconds: Double

    static func read() -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let systemStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let fields = Self.fieldsAfterCommand(stat),
              let bootTime = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
                .flatMap({ $0.split(separator: " ").last }).flatMap({ Double($0) }),
              let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return nil }
        return parse(fields: fields, bootTime: bootTime, openFileDescriptors: descriptors.count,
                     ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: Double(sysconf(Int32(_SC_PAGESIZE))),
                     maximumFileDescriptors: Self.maximumFileDescriptors())
    }

    /// `/proc/self/stat` after `pid (command)`: the command may hold spaces and parentheses,
    /// so the fields start after the last `)`. Field 3 (state) comes first.
    static func fieldsAfterCommand(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
    }

    /// From the fields after the command (`proc(5)`: utime 14, stime 15, starttime 22,
    /// vsize 23, rss 24, counted from 1 with state as 3).
    static func parse(fields: [Substring], bootTime: Double, openFileDescriptors: Int, ticksPerSecond: Double,
                      pageSize: Double, maximumFileDescriptors: Double) -> ProcessSample? {
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
              let resident = field(24), ticksPerSecond > 0 else { return nil }
        return ProcessSample(cpuSeconds: (user + system) / ticksPerSecond, residentBytes: resident * pageSize,
                             virtualBytes: virtual, openFileDescriptors: Double(openFileDescriptors),
                             maximumFileDescriptors: maximumFileDescriptors, startTimeSeconds: bootTime + start / ticksPerSecond)
    }

    private static func maximumFileDescriptors() -> Double {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return .nan }
        return Double(limit.rlim_cur)
    }
}
