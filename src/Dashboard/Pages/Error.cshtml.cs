using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alerts.Dashboard.Pages;

/// <summary>A status code page (404 and the like) for the pages; re-executed with the original status, so it is kept.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Code { get; private set; }

    public void OnGet(int code)
    {
        Code = code;
        ViewData["Title"] = code == 404 ? "Page not found" : $"Error {code}";
    }

    public void OnPost(int code) => OnGet(code);
}
