using System.Text.Json;
using ReturnsActors.LoadTests.Cli;
using ReturnsActors.LoadTests.Reports;
using Spectre.Console;

namespace ReturnsActors.LoadTests.Tests;

[Trait("Category", "Slow")]
public sealed class CliTests(LoopbackServer server) : IClassFixture<LoopbackServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loadtests-").FullName;
    private readonly StringWriter _output = new();

    public void Dispose()
    {
        _output.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteConfig(string path, string simulation, string threshold, string type = "http-noop")
    {
        var file = Path.Combine(_dir, "loadtest.json");
        File.WriteAllText(file, $$"""
            {
              // comments are allowed
              "target": { "baseUrl": "{{server.BaseAddress}}", "apiKey": "test-key" },
              "scenarios": [
                {
                  "name": "probe",
                  "type": "{{type}}",
                  "settings": { "path": "{{path}}", "paths": [ "{{path}}" ] },
                  "maxDuration": "40s",
                  "simulations": [ {{simulation}} ],
                  "thresholds": [ {{threshold}} ]
                }
              ]
            }
            """);
        return file;
    }

    private Task<int> RunCliAsync(params string[] args) =>
        LoadTestCli.RunAsync(args, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output) }));

    [Fact]
    public async Task Run_WhenThresholdsPass_ExitsZero_AndWritesParseableReports()
    {
        var config = WriteConfig(
            "ok",
            """{ "kind": "inject", "rate": 20, "during": "2s" }""",
            """{ "check": "fail_rate < 0.01" }, { "step": "get", "check": "p99_ms < 60000" }""");
        var outDir = Path.Combine(_dir, "out");

        var exitCode = await RunCliAsync("run", "--config", config, "--out", outDir, "--no-live");

        Assert.True(exitCode == 0, _output.ToString());
        var csv = File.ReadAllLines(Path.Combine(outDir, "report.csv"));
        Assert.StartsWith("# machine: os=", csv[0]);
        Assert.Contains($"cores={Environment.ProcessorCount}", csv[0]);
        Assert.Equal(CsvReport.Columns, csv[1].Split(','));
        var rows = csv.Skip(2).Select(line => line.Split(',')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(CsvReport.Columns.Count, row.Length));
        Assert.Equal(["scenario", "probe", ""], rows[0][..3]);
        Assert.Equal(["step", "probe", "get"], rows[1][..3]);
        Assert.Equal("40", rows[1][3]);

        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.StartsWith("<!-- machine: os=", html);
        Assert.Contains("<svg", html);
        Assert.Contains("<polyline", html);
        Assert.DoesNotContain("http://cdn", html);
        Assert.DoesNotContain("<script", html);

        Assert.StartsWith("machine: os=", File.ReadAllText(Path.Combine(outDir, "report.md")));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        var root = json.RootElement;
        Assert.Equal("machine", root.EnumerateObject().First().Name);
        Assert.True(root.GetProperty("passed").GetBoolean());
        var stats = root.GetProperty("scenarios")[0].GetProperty("stats");
        Assert.Equal(40, stats.GetProperty("requests").GetInt64());
        Assert.True(stats.GetProperty("series").GetArrayLength() >= 2);
        Assert.Equal(40, stats.GetProperty("statusCodes").GetProperty("200").GetInt64());
    }

    [Fact]
    public async Task Run_WhenAnAbortingThresholdFails_StopsEarly_AndExitsOne()
    {
        var config = WriteConfig(
            "fail",
            """{ "kind": "keep-constant", "copies": 2, "during": "30s" }""",
            """{ "check": "fail_rate < 0.01", "abortOnFail": true }""",
            type: "http-get");
        var outDir = Path.Combine(_dir, "out");

        var exitCode = await RunCliAsync("run", "--config", config, "--out", outDir, "--no-live");

        Assert.Equal(1, exitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        Assert.True(json.RootElement.GetProperty("aborted").GetBoolean());
        var threshold = json.RootElement.GetProperty("thresholds")[0];
        Assert.False(threshold.GetProperty("passed").GetBoolean());
        Assert.Equal("aborted the run", threshold.GetProperty("note").GetString());
        var stats = json.RootElement.GetProperty("scenarios")[0].GetProperty("stats");
        Assert.True(stats.GetProperty("statusCodes").GetProperty("500").GetInt64() > 0);
        Assert.True(stats.GetProperty("durationSeconds").GetDouble() < 30, "aborted before the planned 30 s");
    }

    [Fact]
    public async Task Run_DurationOverride_ReplacesThePlannedDuration()
    {
        var config = WriteConfig("ok", """{ "kind": "inject", "rate": 10, "during": "1h" }""", """{ "check": "ok >= 10" }""");
        var outDir = Path.Combine(_dir, "out");

        var exitCode = await RunCliAsync("run", "--config", config, "--out", outDir, "--no-live", "--duration", "1s");

        Assert.True(exitCode == 0, _output.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        Assert.Equal(10, json.RootElement.GetProperty("scenarios")[0].GetProperty("stats").GetProperty("requests").GetInt64());
    }

    [Theory]
    [InlineData("missing-config")]
    [InlineData("unknown-type")]
    [InlineData("bad-threshold")]
    [InlineData("no-config-option")]
    [InlineData("unknown-command")]
    public async Task UsageErrors_ExitTwo(string problem)
    {
        var good = """{ "kind": "inject", "rate": 1, "during": "1s" }""";
        string[] args = problem switch
        {
            "missing-config" => ["run", "--config", Path.Combine(_dir, "nope.json")],
            "unknown-type" => ["run", "--config", WriteConfig("ok", good, """{ "check": "ok > 0" }""", type: "no-such-scenario")],
            "bad-threshold" => ["run", "--config", WriteConfig("ok", good, """{ "check": "p99 is fast" }""")],
            "no-config-option" => ["run", "--no-live"],
            _ => ["bogus"],
        };

        Assert.Equal(2, await RunCliAsync(args));
    }

    [Fact]
    public async Task List_ShowsTheBuiltInScenarios()
    {
        Assert.Equal(0, await RunCliAsync("list"));
        Assert.Contains("http-noop", _output.ToString());
        Assert.Contains("http-get", _output.ToString());
    }

    [Fact]
    public void SmokeConfig_IsValid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "configs", "smoke.json");
        using var plan = Config.LoadPlan.Build(Config.LoadPlan.ReadConfig(path), Scenarios.ScenarioRegistry.BuiltIn());
        Assert.Equal(["noop", "reads"], plan.Scenarios.Select(s => s.Name));
    }
}
