using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Npgsql;
using ReturnsActors.Advisory;
using ReturnsActors.Silo.Advisory;
using ReturnsActors.Silo.Persistence;
using ReturnsActors.Silo.Settings;

namespace ReturnsActors.Silo.Cli;

/// <summary><c>advisory train|evaluate|list|activate</c>: the model store the silos load from (PostgreSQL for the Cluster
/// profile, else <c>Advisory:ModelDirectory</c>). Running silos pick up an activated version within <c>Advisory:PollSeconds</c>.</summary>
internal static class AdvisoryCli
{
    public static Command Command(Option<string?> postgres)
    {
        var modelDirectory = new Option<string?>("--model-dir") { Description = "Model directory (default: setting ReturnsActors:Advisory:ModelDirectory); ignored with --postgres" };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic data and the trainers", DefaultValueFactory = _ => AdvisoryArtifact.DefaultSeed };
        seed.Validators.Add(r => InRange(r, 0, int.MaxValue));
        var rows = new Option<int>("--rows") { Description = "Synthetic returns to generate (80 % train, 20 % hold-out)", DefaultValueFactory = _ => AdvisoryEvaluation.DefaultReturns };
        rows.Validators.Add(r => InRange(r, 500, 200_000));
        var json = new Option<string?>("--json") { Description = "Also write the evaluation as JSON to this file" };
        var version = new Argument<string>("version") { Description = "A stored version, e.g. adv-0123456789abcdef" };
        version.Validators.Add(r =>
        {
            if (!DirectoryAdvisoryModelStore.IsVersion(r.GetValueOrDefault<string>() ?? ""))
            {
                r.AddError($"'{r.GetValueOrDefault<string>()}' is not a model version (adv- and 16 hex digits; see 'advisory list').");
            }
        });

        var train = new Command("train", "Train a new version from the synthetic generator, store it, make it active and print its hold-out metrics")
            { seed, rows, postgres, modelDirectory };
        train.SetAction((r, ct) => WithStoreAsync(r.GetValue(postgres), r.GetValue(modelDirectory), ct, async store =>
        {
            var artifact = await store.TrainAndActivateAsync(r.GetValue(seed), r.GetValue(rows), TimeProvider.System, ct);
            Console.WriteLine($"trained and activated {artifact.Version} in the {store.Source} store");
            Print(artifact.Manifest, artifact.Manifest.Recommendation, artifact.Manifest.Triage);
            return 0;
        }));

        var evaluate = new Command("evaluate", "Score the active version on its documented hold-out (the last 20 % of its synthetic rows); store and print the numbers")
            { json, postgres, modelDirectory };
        evaluate.SetAction((r, ct) => WithStoreAsync(r.GetValue(postgres), r.GetValue(modelDirectory), ct, async store =>
        {
            if (await store.GetActiveAsync(ct) is not { } active || await store.ReadAsync(active.Version, ct) is not { } bytes)
            {
                Console.Error.WriteLine($"ReturnsActors: no active advisory model in the {store.Source} store; run 'advisory train' first.");
                return 1;
            }

            var artifact = AdvisoryArtifact.FromBytes(bytes);
            var report = artifact.Evaluate();
            var evaluation = new StoredEvaluation(TimeProvider.System.GetUtcNow(), report);
            await store.SaveEvaluationAsync(artifact.Version, evaluation, ct);
            if (r.GetValue(json) is { } path)
            {
                AdvisoryEvaluation.WriteJson(report, path);
            }

            Print(artifact.Manifest, report.Recommendation, report.Triage);
            return 0;
        }));

        var list = new Command("list", "List the stored versions; * marks the active one") { postgres, modelDirectory };
        list.SetAction((r, ct) => WithStoreAsync(r.GetValue(postgres), r.GetValue(modelDirectory), ct, async store =>
        {
            foreach (var model in await store.ListAsync(ct))
            {
                var m = model.Manifest;
                Console.WriteLine(Invariant($"{(model.Active ? "*" : " ")} {m.Version}  seed {m.Seed}  rows {m.Rows}  trained {m.TrainedAt:u}  accuracy {m.Recommendation.Accuracy:0.0000}  macro-F1 {m.Recommendation.MacroF1:0.0000}"));
            }

            return 0;
        }));

        var activate = new Command("activate", "Make a stored version the active one") { version, postgres, modelDirectory };
        activate.SetAction((r, ct) => WithStoreAsync(r.GetValue(postgres), r.GetValue(modelDirectory), ct, async store =>
        {
            var wanted = r.GetValue(version)!;
            if (!await store.ActivateAsync(wanted, TimeProvider.System.GetUtcNow(), ct))
            {
                Console.Error.WriteLine($"ReturnsActors: {wanted} is not stored in the {store.Source} store; see 'advisory list'.");
                return 2;
            }

            Console.WriteLine($"activated {wanted}");
            return 0;
        }));

        return new Command("advisory", "Advisory models: train, evaluate, list, activate") { train, evaluate, list, activate };
    }

    /// <summary>A number out of range is refused here; one that is not a number already by the parser.</summary>
    private static void InRange(OptionResult result, int min, int max)
    {
        if (result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && (value < min || value > max))
        {
            result.AddError(Invariant($"{result.Option.Name} must be between {min} and {max}."));
        }
    }

    /// <summary>--postgres, then --model-dir, then the settings (Cluster: PostgreSQL, else the model directory).</summary>
    private static async Task<int> WithStoreAsync(string? postgres, string? modelDirectory, CancellationToken ct, Func<IAdvisoryModelStore, Task<int>> work)
    {
        var configuration = OperatorCli.Configuration();
        var cluster = string.Equals(configuration[$"{ReturnsActorsSettings.Section}:Profile"], nameof(HostingProfile.Cluster), StringComparison.OrdinalIgnoreCase);
        var directory = modelDirectory ?? configuration[$"{ReturnsActorsSettings.Section}:Advisory:ModelDirectory"];
        if (postgres is null && (modelDirectory is not null || !cluster))
        {
            return string.IsNullOrWhiteSpace(directory)
                ? throw new SettingsException($"Invalid setting {ReturnsActorsSettings.Section}:Advisory:ModelDirectory: is required by 'advisory' outside the Cluster profile (or pass --model-dir or --postgres).")
                : await work(new DirectoryAdvisoryModelStore(directory));
        }

        await using var dataSource = NpgsqlDataSource.Create(OperatorCli.ConnectionString(postgres, "advisory"));
        try
        {
            await new SchemaMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);
            return await work(new PostgresAdvisoryModelStore(dataSource, string.IsNullOrWhiteSpace(directory) ? null : new DirectoryAdvisoryModelStore(directory)));
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"ReturnsActors: cannot use PostgreSQL ({ex.Message}).");
            return 1;
        }
    }

    private static void Print(AdvisoryModelManifest manifest, ModelMetrics recommendation, ModelMetrics triage)
    {
        Console.WriteLine(Invariant($"model {manifest.Version}: {manifest.GeneratorVersion}, seed {manifest.Seed}, {manifest.Rows} returns, {manifest.Phrases} phrases, trained {manifest.TrainedAt:u}"));
        Print("recommendation", recommendation);
        Print("triage", triage);
    }

    private static void Print(string name, ModelMetrics m)
    {
        var calibration = m.Temperature == 1 ? "" : Invariant($" (temperature {m.Temperature:0.0000}; uncalibrated {m.UncalibratedExpectedCalibrationError:0.0000})");
        Console.WriteLine(Invariant($"{name}: accuracy {m.Accuracy:0.0000}  macro-F1 {m.MacroF1:0.0000}  ECE {m.ExpectedCalibrationError:0.0000}{calibration}  ({m.TrainRows} train / {m.TestRows} hold-out)"));
        Console.WriteLine("  confidence   rows  mean conf  accuracy");
        foreach (var b in m.Calibration)
        {
            Console.WriteLine(Invariant($"  {b.Lower:0.00}-{b.Upper:0.00}  {b.Count,6}  {b.MeanConfidence,9:0.0000}  {b.Accuracy,8:0.0000}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
