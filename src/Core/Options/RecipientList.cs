namespace Alerts.Core.Options;

/// <summary>
/// Recipients written one per line, <c>Ada Lovelace &lt;ada@example.com&gt;</c> or a bare address: how the Dashboard
/// stores a project's ADMINS/MANAGERS (<c>Projects.Admins/Managers</c>).
/// </summary>
public static class RecipientList
{
    /// <summary>The recipients, or null for blank text (inherit); a line that is not an address is named in <paramref name="errors"/>.</summary>
    public static List<Recipient>? Parse(string? text, out List<string> errors)
    {
        errors = [];
        if (string.IsNullOrWhiteSpace(text)) return null;
        var list = new List<Recipient>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            if (Recipient.TryParse(line, out var recipient)) list.Add(recipient);
            else errors.Add($"'{line}' is not an e-mail address.");
        }
        return list;
    }

    public static string? Format(IEnumerable<Recipient>? recipients) =>
        recipients is null ? null : string.Join('\n', recipients.Select(r => r.ToString()));
}
