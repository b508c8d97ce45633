namespace Alerts.Notifier.Mail.Templates;

/// <summary>Inline styles: many mail clients drop &lt;style&gt; blocks, none drop style attributes.</summary>
internal static class MailStyles
{
    public const string Body = "margin:0;padding:16px;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.45;color:#1f2328;background:#ffffff";
    public const string Title = "font-size:20px;margin:0 0 6px";
    public const string Heading = "font-size:15px;margin:20px 0 6px;padding-bottom:2px;border-bottom:1px solid #d1d9e0";
    public const string Muted = "color:#59636e;font-weight:normal";
    public const string Value = "margin:0 0 8px;padding:8px 10px;background:#fff1f0;border-left:3px solid #cf222e;font-size:14px;white-space:pre-wrap;word-break:break-word";
    public const string Facts = "border-collapse:collapse;font-size:13px";
    public const string FactLabel = "text-align:left;vertical-align:top;padding:2px 14px 2px 0;color:#59636e;font-weight:normal;white-space:nowrap";
    public const string FactValue = "padding:2px 0;word-break:break-all";
    public const string AppFrame = "margin:0 0 4px;padding:6px 10px;background:#fff8c5;border-left:3px solid #bf8700";
    public const string LibraryFrame = "margin:0 0 4px;padding:6px 10px;background:#f6f8fa;border-left:3px solid #d1d9e0;color:#59636e";
    public const string AppBadge = "margin-left:6px;padding:0 5px;border-radius:3px;background:#bf8700;color:#ffffff;font-size:11px";
    public const string Context = "margin:4px 0 0;padding:4px 8px;background:#ffffff;font-size:13px;white-space:pre-wrap;word-break:break-word";
    public const string Rule = "border:0;border-top:1px solid #d1d9e0;margin:20px 0 10px";
    public const string Link = "color:#0969da";
    public const string ActionButton = "display:inline-block;margin:0 8px 8px 0;padding:5px 12px;border:1px solid #d1d9e0;border-radius:6px;background:#f6f8fa;color:#1f2328;text-decoration:none;font-size:13px";
    public const string Note = "margin:4px 0 0;color:#59636e;font-size:12px";
}
