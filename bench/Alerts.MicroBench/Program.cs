using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Alerts.MicroBench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
