using ReturnsActors.LoadTests.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops the run gracefully so the reports are still written.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};
return await LoadTestCli.RunAsync(args, cancellationToken: cancel.Token);
