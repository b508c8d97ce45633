using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerts.Notifier.Mail;

/// <summary>Renders a Razor component to an HTML string outside any request, as mail templates need.</summary>
internal static class HtmlTemplates
{
    // The templates inject nothing; an empty provider is all HtmlRenderer asks for.
    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();

    public static string Render<TComponent>(IDictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        // One renderer per mail: a renderer keeps every root component it rendered until it is disposed.
        using var renderer = new HtmlRenderer(NoServices, NullLoggerFactory.Instance);
        var html = renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return root.ToHtmlString();
        });
        // The templates are synchronous, so a fresh renderer's dispatcher has run this inline: nothing blocks here.
        return html.GetAwaiter().GetResult();
    }
}
