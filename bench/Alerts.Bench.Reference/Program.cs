using System.IO.Compression;

// The bare Kestrel reference: reads the same body as the collector (inflating a gzip one, as the collector must) and
// answers as it does, storing nothing. Its throughput is what the collector's durable acceptance is compared with.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/api/v1/events", async (HttpRequest request) =>
{
    await ReadAsync(request);
    return Results.Accepted(null, new Accepted(Guid.NewGuid().ToString("N")));
});
// The Sentry endpoints: an envelope or a store body, answered 200 with an id as Sentry SDKs expect.
app.MapPost("/api/{projectId:long}/envelope/", async (HttpRequest request) =>
{
    await ReadAsync(request);
    return Results.Ok(new Accepted(Guid.NewGuid().ToString("N")));
});
app.MapPost("/api/{projectId:long}/store/", async (HttpRequest request) =>
{
    await ReadAsync(request);
    return Results.Ok(new Accepted(Guid.NewGuid().ToString("N")));
});
app.Run();

static async Task ReadAsync(HttpRequest request)
{
    var buffer = new MemoryStream();
    if (request.Headers.ContentEncoding == "gzip")
    {
        await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
        await gzip.CopyToAsync(buffer);
    }
    else
    {
        await request.Body.CopyToAsync(buffer);
    }
}

internal sealed record Accepted(string Id);
