using Alerts.Core.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Alerts.Dashboard;

/// <summary>The OpenAPI document of every endpoint this process maps, at <c>/openapi/v1.json</c>, and a reference page at <c>/api/docs</c>.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(o => o.AddOperationTransformer(DescribeRawBodyAsync).AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Alerts";
            document.Info.Description = "Ingestion (native API and the Sentry protocol), the incidents API, and health probes.";
            // Health checks are not route handlers, so the generator does not see them; they are part of the contract all the same.
            document.Paths ??= [];
            document.Paths["/healthz"] = Probe("Liveness: the process answers.");
            document.Paths["/readyz"] = Probe("Readiness: the database and the bus are reachable.");
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePath, o => o.WithTitle("Alerts API").WithOpenApiRoutePattern(DocumentPath));
        return app;
    }

    /// <summary>
    /// The ingestion endpoints read their bodies themselves (size limits, gzip, Sentry's framing), so the generator sees
    /// no body; declaring one with Accepts would make routing refuse other content types, which SDKs do send.
    /// </summary>
    private static async Task DescribeRawBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
        var (contentType, schema) = name switch
        {
            "PostEvent" => ("application/json", await context.GetOrCreateSchemaAsync(typeof(EventPayload), cancellationToken: ct)),
            "PostSentryStore" => ("application/json", new OpenApiSchema { Type = JsonSchemaType.Object, Description = "A Sentry event." }),
            "PostSentryEnvelope" => ("application/x-sentry-envelope",
                new OpenApiSchema { Type = JsonSchemaType.String, Description = "A Sentry envelope: a JSON header line, then items." }),
            _ => (null, null),
        };
        if (contentType is null) return;
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = schema } },
        };
    }

    private static OpenApiPathItem Probe(string summary) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new("Health") },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Healthy" },
                    ["503"] = new OpenApiResponse { Description = "Unhealthy" },
                },
            },
        },
    };
}
