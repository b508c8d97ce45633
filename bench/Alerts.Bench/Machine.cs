using System.Runtime.InteropServices;

namespace Alerts.Bench;

/// <summary>What the figures were measured on.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim() : "?";
        return $"""
            | | |
            |---|---|
            | cores | {Environment.ProcessorCount} |
            | CPU | {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()} |
            | memory | {memory} |
            | OS | {RuntimeInformation.OSDescription} |
            | .NET | {RuntimeInformation.FrameworkDescription} |
            | load average at start | {LoadAverage()} |
            """;
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Resident set size of a process now and its peak, in bytes (Linux /proc).</summary>
    public static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line);
        }
        return (rss, peak);
    }

    /// <summary>CPU time (user + system) a process has used so far (Linux /proc; clock ticks are 1/100 s).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}
