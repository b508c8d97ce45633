using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// Turns a .NET exception into the native API's exception, causes and frames. Runs on the sender's thread, not the
/// request's: reading PDB line information costs milliseconds the first time.
/// </summary>
internal static class ExceptionMapper
{
    /// <summary>The collector's limit on frames per exception.</summary>
    public const int MaxFrames = 250;

    private const int MaxCauses = 10;
    private const int MaxValue = 8 * 1024;

    /// <summary>The exception and its inner exceptions, innermost first, as the contract's <c>exception</c> and <c>causes</c>.</summary>
    public static (NativeException Exception, List<NativeException>? Causes) Map(Exception exception, InAppRule inApp)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var causes = new List<NativeException>();
        for (var inner = exception.InnerException; inner is not null && causes.Count < MaxCauses; inner = inner.InnerException)
            causes.Add(MapOne(inner, inApp));
        causes.Reverse();
        return (MapOne(exception, inApp), causes.Count == 0 ? null : causes);
    }

    private static NativeException MapOne(Exception exception, InAppRule inApp)
    {
        var type = exception.GetType();
        var value = exception.Message;
        return new NativeException
        {
            Type = type.FullName ?? type.Name,
            Value = value.Length > MaxValue ? value[..MaxValue] : value,
            Module = type.Assembly.GetName().Name,
            Frames = Frames(exception, inApp),
        };
    }

    /// <summary>Oldest call first; frames .NET hides from stack traces ([StackTraceHidden]) are left out, as in <c>ToString()</c>.</summary>
    internal static List<NativeFrame> Frames(Exception exception, InAppRule inApp)
    {
        var frames = new List<NativeFrame>();
        var stackFrames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        for (var i = stackFrames.Length - 1; i >= 0; i--)
        {
            var frame = stackFrames[i];
            if (frame.GetMethod() is not { } method || IsHidden(method)) continue;
            var (type, name) = Declared(method);
            var line = frame.GetFileLineNumber();
            frames.Add(new NativeFrame
            {
                Filename = frame.GetFileName(),
                Function = name,
                Lineno = line > 0 ? line : null,
                Module = type?.FullName ?? type?.Name,
                InApp = inApp.Contains(method.Module.Assembly),
            });
        }

        // Keep the start of the call chain and, above all, the end where it failed.
        return frames.Count <= MaxFrames ? frames : [.. frames.Take(50), .. frames.Skip(frames.Count - (MaxFrames - 50))];
    }

    /// <summary>
    /// The method as written: an async or iterator method runs as <c>&lt;Name&gt;d__N.MoveNext</c> in a generated
    /// class; the frame names the method that declares that state machine, as <c>Exception.ToString()</c> does.
    /// </summary>
    private static (Type? Type, string Name) Declared(MethodBase method)
    {
        var type = method.DeclaringType;
        if (method.Name == "MoveNext" && type?.DeclaringType is { } outer && type.IsDefined(typeof(CompilerGeneratedAttribute)))
        {
            var machine = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            foreach (var candidate in outer.GetMethods(all))
            {
                if (candidate.GetCustomAttribute<StateMachineAttribute>() is { } attribute && attribute.StateMachineType == machine)
                    return (outer, candidate.Name);
            }
        }

        return (type, method.Name);
    }

    private static bool IsHidden(MethodBase method) =>
        method.IsDefined(typeof(StackTraceHiddenAttribute)) || method.DeclaringType?.IsDefined(typeof(StackTraceHiddenAttribute)) == true;
}

/// <summary>
/// Which assemblies are the app's own: the app's assembly, its sub-assemblies (<c>Shop.Data</c> for <c>Shop</c>) and the
/// names or prefixes the options add. Framework and library frames are shown but do not decide grouping.
/// </summary>
internal sealed class InAppRule(IEnumerable<string> names)
{
    private readonly string[] prefixes = [.. names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim().TrimEnd('.', '*'))];
    private readonly ConcurrentDictionary<Assembly, bool> known = new();

    public bool Contains(Assembly assembly) => known.GetOrAdd(assembly, a => Contains(a.GetName().Name));

    public bool Contains(string? assemblyName) =>
        assemblyName is not null && prefixes.Any(p =>
            assemblyName.Equals(p, StringComparison.OrdinalIgnoreCase)
            || (assemblyName.StartsWith(p, StringComparison.OrdinalIgnoreCase) && assemblyName.Length > p.Length && assemblyName[p.Length] == '.'));
}
