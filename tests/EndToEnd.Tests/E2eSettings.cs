using System.Globalization;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>The configuration a user would give <c>alerts</c>, as environment variables.</summary>
internal static class E2eSettings
{
    public const string Prefix = "[Shop] ";
    public const string ServerEmail = "alerts@shop.example.com";
    public static readonly string[] Admins = ["ada@example.com", "alan@example.com"];
    public static readonly string[] Managers = ["max@example.com"];

    /// <summary>One project (<see cref="AlertsTestApp.ProjectKey"/>), two admins, one manager, SMTP to 127.0.0.1:<paramref name="smtpPort"/>.</summary>
    public static Dictionary<string, string> Smtp(int smtpPort) => new()
    {
        ["Alerts__Projects__0__Id"] = AlertsTestApp.ProjectId.ToString(CultureInfo.InvariantCulture),
        ["Alerts__Projects__0__Name"] = "shop",
        ["Alerts__Projects__0__Key"] = AlertsTestApp.ProjectKey,
        ["Alerts__Admins__0__Name"] = "Ada Admin",
        ["Alerts__Admins__0__Email"] = Admins[0],
        ["Alerts__Admins__1__Name"] = "Alan Admin",
        ["Alerts__Admins__1__Email"] = Admins[1],
        ["Alerts__Managers__0__Name"] = "Max Manager",
        ["Alerts__Managers__0__Email"] = Managers[0],
        ["Alerts__ServerEmail"] = ServerEmail,
        ["Alerts__EmailSubjectPrefix"] = Prefix,
        ["Alerts__Email__Host"] = "127.0.0.1",
        ["Alerts__Email__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Alerts__Email__TimeoutSeconds"] = "10",
        ["Alerts__Notifier__SweepIntervalSeconds"] = "1",
    };

    /// <summary><paramref name="settings"/> with <paramref name="overrides"/> applied.</summary>
    public static Dictionary<string, string> With(this Dictionary<string, string> settings, params (string Key, string Value)[] overrides)
    {
        var copy = new Dictionary<string, string>(settings);
        foreach (var (key, value) in overrides)
        {
            copy[key] = value;
        }

        return copy;
    }
}
