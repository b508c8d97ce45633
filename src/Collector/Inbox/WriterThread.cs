using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Alerts.Collector.Inbox;

/// <summary>
/// A loop on a thread of its own, raised above the request threads where the OS allows it. The inbox's writer holds
/// SQLite's one write lock through its commit and fsync: preempted there by request threads, it keeps every post
/// waiting, and on a pool thread it would also queue behind them for each step of its loop.
/// </summary>
internal static class WriterThread
{
    private const int RaisedNice = -10; // request threads run at the default 0

    /// <summary>Runs the loop on a new thread; the task completes when the loop returns or throws.</summary>
    public static Task Run(string name, Action loop, ILogger logger)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            if (!TryRaise()) logger.LogInformation("{Thread} runs at normal priority: raising it needs CAP_SYS_NICE", name);
            try
            {
                loop();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = name }.Start();
        return done.Task;
    }

    private static bool TryRaise()
    {
        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = ThreadPriority.AboveNormal;
            return true;
        }
        // Linux ignores .NET's thread priority; setpriority with a thread id sets this thread's nice value alone.
        return SetPriority(PrioProcess, GetThreadId(), RaisedNice) == 0;
    }

    private const int PrioProcess = 0;

    // Plain int signatures, marshalled as they are: DllImport needs no unsafe code here.
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int nice);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
