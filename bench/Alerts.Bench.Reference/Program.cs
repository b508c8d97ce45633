// The bare Kestrel reference: reads the same body as the collector and answers 202, storing nothing.
// Its throughput is what the collector's durable acceptance is compared with.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/api/v1/events", async (HttpRequest request) =>
{
    var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    return Results.Accepted(null, new Accepted(Guid.NewGuid().ToString("N")));
});
app.Run();

internal sealed record Accepted(string Id);
