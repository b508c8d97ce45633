using Alerts.Server.Cli;

return await AlertsCli.RunAsync(args);

/// <summary>The <c>alerts</c> executable; exposed for tests that host it in-process.</summary>
public partial class Program;
