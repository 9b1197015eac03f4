using System.Collections.Concurrent;
using System.Diagnostics;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A real silo process (the same executable operators run), on its own ports.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly int _outputLines;

    private SiloProcess(Process process, int httpPort, int outputLines)
    {
        _process = process;
        _outputLines = outputLines;
        HttpPort = httpPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int HttpPort { get; }
    public HttpClient Http { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a silo with <paramref name="settings"/> as ReturnsActors__ environment variables (and
    /// <paramref name="environment"/> as they are, e.g. <c>DOTNET_ENVIRONMENT</c>); <see cref="Output"/> keeps the last
    /// <paramref name="outputLines"/> lines.</summary>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> settings, int? httpPort = null, string[]? arguments = null,
        IReadOnlyDictionary<string, string>? environment = null, int outputLines = 400)
    {
        var port = httpPort ?? TestEnvironment.FreeTcpPort();
        var start = new ProcessStartInfo("dotnet", [TestEnvironment.SiloAssembly, .. arguments ?? []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(TestEnvironment.SiloAssembly)!,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["ReturnsActors__Http__Port"] = port.ToString();
        start.Environment["ReturnsActors__Silo__SiloPort"] = TestEnvironment.FreeTcpPort().ToString();
        start.Environment["ReturnsActors__Silo__GatewayPort"] = TestEnvironment.FreeTcpPort().ToString();
        foreach (var (key, value) in settings)
        {
            start.Environment[$"ReturnsActors__{key.Replace(":", "__")}"] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new SiloProcess(Process.Start(start)!, port, outputLines);
    }

    /// <summary>Runs an operator command of the silo executable to its end; returns its exit code and output (stdout, then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var (exitCode, stdout, stderr) = await TestEnvironment.RunProcessAsync("dotnet", [TestEnvironment.SiloAssembly, .. args], environment);
        return (exitCode, stdout + stderr);
    }

    /// <summary>Cluster-profile settings on the shared PostgreSQL and Redis, with membership tuned so a dead silo is voted out in seconds.</summary>
    public static Dictionary<string, string> ClusterSettings(string postgres, string clusterId, string adminKey) => new()
    {
        ["Profile"] = "Cluster",
        ["ClusterId"] = clusterId,
        ["ServiceId"] = "returnsactors-tests",
        ["Postgres:ConnectionString"] = postgres,
        ["Redis:ConnectionString"] = TestEnvironment.Redis,
        ["Bootstrap:AdminApiKey"] = adminKey,
        ["Membership:ProbeTimeout"] = "00:00:01",
        ["Membership:NumMissedProbesLimit"] = "2",
        ["Membership:NumVotesForDeathDeclaration"] = "1",
        ["Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
        ["Membership:TableRefreshTimeout"] = "00:00:02",
        ["Membership:DeathVoteExpirationTimeout"] = "00:00:10",
    };

    /// <summary>Waits until <paramref name="path"/> answers <paramref name="status"/>; fails with the silo's output otherwise.</summary>
    public async Task WaitForStatusAsync(string path, int status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with {_process.ExitCode} while waiting for {path}={status}.\n{Output}");
            }

            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await Http.GetAsync(path, cts.Token);
                last = (int)response.StatusCode;
                if (last == status)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or busy: try again.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{path} did not answer {status} within {timeout} (last: {last?.ToString() ?? "no answer"}).\n{Output}");
    }

    public Task WaitReadyAsync() => WaitForStatusAsync("/health/ready", 200, TimeSpan.FromSeconds(90));

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the orderly stop an orchestrator sends.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        Http.Dispose();
        _process.Dispose();
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > _outputLines && _output.TryDequeue(out _))
        {
        }
    }
}
