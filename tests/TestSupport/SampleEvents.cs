namespace Alerts.TestSupport;

/// <summary>Native API bodies shaped like what a Django or ASP.NET Core app sends.</summary>
public static class SampleEvents
{
    public static string Error(string type = "ZeroDivisionError", string value = "division by zero", int line = 42, string path = "/orders/17") => $$"""
        {
          "kind": "error",
          "environment": "production", "release": "1.4.2", "serverName": "web-1", "level": "error",
          "message": "Internal Server Error: {{path}}",
          "exception": { "type": "{{type}}", "value": "{{value}}", "module": "builtins",
                         "frames": [ { "filename": "django/core/handlers/base.py", "function": "_get_response", "lineno": 197, "module": "django.core.handlers.base", "inApp": false },
                                     { "filename": "shop/views.py", "function": "order_detail", "lineno": {{line}}, "module": "shop.views", "inApp": true,
                                       "contextLine": "    return total / count" } ] },
          "request": { "url": "https://shop.example.com{{path}}", "method": "GET",
                       "referrer": "https://shop.example.com/orders/", "userAgent": "Mozilla/5.0", "remoteAddr": "203.0.113.9" }
        }
        """;

    public static string BrokenLink(string path = "/old-page", string referrer = "https://shop.example.com/blog/", string userAgent = "Mozilla/5.0") => $$"""
        {
          "kind": "broken_link",
          "request": { "url": "https://shop.example.com{{path}}", "method": "GET",
                       "referrer": "{{referrer}}", "userAgent": "{{userAgent}}", "remoteAddr": "198.51.100.4" }
        }
        """;
}
