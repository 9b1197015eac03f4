using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>The advisory model lifecycle on a Cluster database: the CLI trains and evaluates, a silo started afterwards
/// serves that version (API and ops page), and a retrain or an activation reaches the running silo without a restart.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed partial class AdvisoryModelTests
{
    private const string AdminKey = "ra_advisory_model_tests_admin_key_0123456789";
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public async Task CliTrainAndEvaluate_AreServedByASiloStartedAfterwards_AndARetrainReachesItWithoutRestart()
    {
        var database = await TestEnvironment.CreateDatabaseAsync("ra_models");
        var directory = Directory.CreateTempSubdirectory("ra-models-").FullName;
        try
        {
            var store = new[] { "--postgres", database };
            var none = await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "evaluate", .. store]);
            Assert.Equal(1, none.ExitCode);
            Assert.Contains("no active advisory model", none.Output);

            var trained = await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "train", "--seed", "7", "--rows", "1000", .. store]);
            Assert.True(trained.ExitCode == 0, trained.Output);
            var first = Version(trained.Output);
            Assert.Contains("recommendation: accuracy", trained.Output);

            var firstJson = Path.Combine(directory, "first.json");
            var secondJson = Path.Combine(directory, "second.json");
            var evaluated = await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "evaluate", "--json", firstJson, .. store]);
            Assert.True(evaluated.ExitCode == 0, evaluated.Output);
            Assert.Contains("0.90-1.00", evaluated.Output);
            Assert.Equal(0, (await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "evaluate", "--json", secondJson, .. store])).ExitCode);
            var report = await File.ReadAllTextAsync(firstJson);
            Assert.Equal(report, await File.ReadAllTextAsync(secondJson));
            var evaluation = JsonDocument.Parse(report).RootElement;
            Assert.Equal(first, evaluation.GetProperty("modelVersion").GetString());
            Assert.True(evaluation.GetProperty("recommendation").GetProperty("accuracy").GetDouble() >= 0.90, report);
            Assert.True(evaluation.GetProperty("recommendation").GetProperty("macroF1").GetDouble() >= 0.85, report);
            Assert.Equal(200, evaluation.GetProperty("recommendation").GetProperty("testRows").GetInt32());
            // The triage's confidences are rescaled by the temperature its artifact was trained with; the advisor's are not.
            var triageMetrics = evaluation.GetProperty("triage");
            var temperature = triageMetrics.GetProperty("temperature").GetDouble();
            Assert.InRange(temperature, 0.05, 0.99);
            Assert.True(triageMetrics.GetProperty("expectedCalibrationError").GetDouble() <= 0.05, report);
            Assert.True(triageMetrics.GetProperty("uncalibratedExpectedCalibrationError").GetDouble() > 0.1, report);
            Assert.Equal(1, evaluation.GetProperty("recommendation").GetProperty("temperature").GetDouble());
            // The loaded model scores its hold-out exactly as the trained one did: the training printout matches.
            Assert.Equal(MetricsLines(trained.Output), MetricsLines(evaluated.Output));

            var settings = SiloProcess.ClusterSettings(database, $"models-{Guid.NewGuid():N}", AdminKey);
            settings["Advisory:PollSeconds"] = "1";
            await using var silo = SiloProcess.Start(settings);
            await silo.WaitReadyAsync();
            using var admin = new HttpClient { BaseAddress = silo.Http.BaseAddress };
            admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
            var served = await ObservabilityCluster.WaitForAdvisoryModelAsync(admin, first);
            Assert.Equal("postgres", served.GetProperty("source").GetString());
            Assert.Equal(7, served.GetProperty("model").GetProperty("seed").GetInt32());
            Assert.Equal(Compact(evaluation.GetProperty("recommendation")), Compact(served.GetProperty("lastEvaluation").GetProperty("report").GetProperty("recommendation")));
            Assert.Equal(Compact(evaluation.GetProperty("recommendation")), Compact(served.GetProperty("model").GetProperty("recommendation")));

            var tenant = ApiRequests.NewTenantId();
            await admin.CreateTenantAsync(AdminKey, tenant);
            await using (var ops = await OpsPageSession.OpenAsync(silo.Http.BaseAddress!, AdminKey, tenant))
            {
                Assert.Equal(first, await ops.Page.TextContentAsync("#modelVersion"));
                Assert.StartsWith("Evaluated ", await ops.Page.TextContentAsync("#modelBasis"));
                var accuracy = evaluation.GetProperty("recommendation").GetProperty("accuracy").GetDouble().ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
                Assert.Contains(accuracy, await ops.Page.Locator("#modelMetrics tbody tr").First.TextContentAsync());
                Assert.Contains(temperature.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), await ops.Page.Locator("#modelMetrics tbody tr").Nth(1).TextContentAsync());
                Assert.Equal(6, await ops.Page.Locator("#modelCalibration tbody tr").CountAsync());
                Assert.Empty(ops.Errors);
            }

            var retrained = await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "train", "--seed", "8", "--rows", "1000", .. store]);
            Assert.True(retrained.ExitCode == 0, retrained.Output);
            var second = Version(retrained.Output);
            Assert.NotEqual(first, second);
            var switched = await ObservabilityCluster.WaitForAdvisoryModelAsync(admin, second);
            Assert.False(switched.TryGetProperty("lastEvaluation", out var e) && e.ValueKind != JsonValueKind.Null);
            admin.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
            using (var triage = await admin.PostAsJsonAsync("/v1/advisory/triage", new { text = "the parcel arrived crushed" }))
            {
                Assert.Equal(HttpStatusCode.OK, triage.StatusCode);
                Assert.Equal(second, JsonDocument.Parse(await triage.Content.ReadAsStringAsync()).RootElement.GetProperty("modelVersion").GetString());
            }

            var listed = await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "list", .. store]);
            Assert.Contains($"* {second}", listed.Output);
            Assert.Contains($"  {first}", listed.Output);
            Assert.Equal(0, (await SiloProcess.RunCommandAsync(NoEnvironment, ["advisory", "activate", first, .. store])).ExitCode);
            await ObservabilityCluster.WaitForAdvisoryModelAsync(admin, first);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task TwoSilosStartingOnAnEmptyStore_TrainOneModelBetweenThem_AndBothServeIt()
    {
        var database = await TestEnvironment.CreateDatabaseAsync("ra_models");
        var directory = Directory.CreateTempSubdirectory("ra-models-").FullName;
        try
        {
            var settings = SiloProcess.ClusterSettings(database, $"models-{Guid.NewGuid():N}", AdminKey);
            settings["Advisory:ModelDirectory"] = directory;
            await using var a = SiloProcess.Start(settings);
            await using var b = SiloProcess.Start(settings);
            await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());

            var versions = new List<string>();
            foreach (var silo in new[] { a, b })
            {
                using var admin = new HttpClient { BaseAddress = silo.Http.BaseAddress };
                admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
                var served = await ObservabilityCluster.WaitForAdvisoryModelAsync(admin);
                versions.Add(served.GetProperty("model").GetProperty("version").GetString()!);
                Assert.Equal(42, served.GetProperty("model").GetProperty("seed").GetInt32());
            }

            Assert.Equal(versions[0], versions[1]);
            const string Training = "training the first one";
            Assert.Equal(1, Regex.Count(a.Output, Training) + Regex.Count(b.Output, Training));
            // The Cluster store keeps a copy of each artifact it publishes in the model directory.
            Assert.True(File.Exists(Path.Combine(directory, $"{versions[0]}.zip")));
            Assert.Equal(versions[0], JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, $"{versions[0]}.json"))).RootElement.GetProperty("version").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task BadCliInput_GetsOneClearLine_AndExitCode2()
    {
        var directory = Directory.CreateTempSubdirectory("ra-models-").FullName;
        try
        {
            var cases = new (string[] Args, string Message)[]
            {
                (["advisory", "train", "--rows", "5", "--model-dir", directory], "--rows must be between 500 and 200000"),
                (["advisory", "train", "--seed", "x", "--model-dir", directory], "--seed"),
                (["advisory", "activate", "../etc/passwd", "--model-dir", directory], "is not a model version"),
                (["advisory", "activate", "adv-0123456789abcdef", "--model-dir", directory], "adv-0123456789abcdef is not stored"),
                (["advisory", "train"], "ReturnsActors:Advisory:ModelDirectory"),
                (["advisory", "retrain"], "retrain"),
            };
            foreach (var (args, message) in cases)
            {
                var result = await SiloProcess.RunCommandAsync(NoEnvironment, args);
                Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)} → {result.ExitCode}: {result.Output}");
                Assert.Contains(message, result.Output);
                Assert.StartsWith("ReturnsActors: ", result.Output);
                Assert.DoesNotContain("   at ", result.Output);
            }

            Assert.Empty(Directory.GetFiles(directory, "*.zip"));

            // A damaged artifact is a failure (1), said in one line.
            await File.WriteAllTextAsync(Path.Combine(directory, "active"), "adv-0123456789abcdef\n2026-01-01T00:00:00Z\n");
            await File.WriteAllTextAsync(Path.Combine(directory, "adv-0123456789abcdef.zip"), "not a zip");
            var damaged = await SiloProcess.RunCommandAsync(NoEnvironment, "advisory", "evaluate", "--model-dir", directory);
            Assert.Equal(1, damaged.ExitCode);
            Assert.StartsWith("ReturnsActors: evaluate failed: ", damaged.Output);
            Assert.DoesNotContain("   at ", damaged.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Version(string output) => VersionPattern().Match(output) is { Success: true } m ? m.Value : throw new InvalidOperationException(output);

    private static string[] MetricsLines(string output) =>
        [.. output.Split('\n').Where(l => !l.StartsWith("trained", StringComparison.Ordinal) && !l.StartsWith("model ", StringComparison.Ordinal) && l.Length > 0)];

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    [GeneratedRegex("adv-[0-9a-f]{16}")]
    private static partial Regex VersionPattern();
}
