using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory;

/// <summary>Hyper-parameters of the recommendation model. Part of the model version.</summary>
public sealed record AdvisorTrainingOptions(int Iterations = 100, int Leaves = 16, int MinimumExamplesPerLeaf = 20, double LearningRate = 0.1)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"iterations={Iterations};leaves={Leaves};minLeaf={MinimumExamplesPerLeaf};lr={LearningRate:R}");
}

/// <summary>
/// Recommends an action for a return with a LightGBM multiclass model (ML.NET) and explains it.
/// </summary>
/// <remarks>
/// <para><b>Explanations</b> are marginal leave-one-feature-out deltas: for each feature the value is
/// swapped for each of a few typical values (every category, or the 10/30/50/70/90 % quantiles of the
/// training data for numbers) with all other features kept; the contribution is the probability of the
/// recommended action with the real value minus the mean probability over the swaps. A positive
/// contribution means "this value pushed toward the recommendation". It works for any model, costs
/// about 35 extra predictions, and ignores interactions between two swapped features.</para>
/// <para>The model version is a hash of the data description (generator version, seed, row count),
/// the trainer and its options, so the same inputs always give the same version.</para>
/// <para>Thread-safe: predictions go through one engine under a lock.</para>
/// </remarks>
public sealed class ReturnAdvisor
{
    public const string TrainerName = "LightGbmMulticlass";
    private const string ModelEntry = "model.zip";
    private const string ManifestEntry = "advisor.json";
    private const double MinReasonContribution = 0.02;
    private static readonly double[] QuantileLevels = [0.1, 0.3, 0.5, 0.7, 0.9];

    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly DataViewSchema _inputSchema;
    private readonly PredictionEngine<ReturnRow, ActionScores> _engine;
    private readonly FeatureReferences _references;
    private readonly Lock _gate = new();

    private ReturnAdvisor(MLContext ml, ITransformer model, DataViewSchema inputSchema, FeatureReferences references, string version)
    {
        _ml = ml;
        _model = model;
        _inputSchema = inputSchema;
        _references = references;
        _engine = ml.Model.CreatePredictionEngine<ReturnRow, ActionScores>(model, inputSchema);
        ModelVersion = version;
    }

    /// <summary>Version of this model, e.g. <c>adv-3f2a…</c>; goes into every recommendation.</summary>
    public string ModelVersion { get; }

    /// <summary>Trains on <see cref="SyntheticReturns.Generate"/> with this seed and count.</summary>
    public static ReturnAdvisor TrainSynthetic(int seed, int count = 5000, AdvisorTrainingOptions? options = null) =>
        Train(SyntheticReturns.Generate(seed, count), $"{SyntheticReturns.GeneratorVersion}:seed={seed}:count={count}", seed, options);

    /// <summary>Trains on the given rows. <paramref name="dataDescription"/> identifies the data in the model version.</summary>
    public static ReturnAdvisor Train(IReadOnlyList<LabeledReturn> rows, string dataDescription, int seed, AdvisorTrainingOptions? options = null)
    {
        options ??= new AdvisorTrainingOptions();
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => ReturnRow.From(r.Features, r.Action)));
        var actions = ml.Data.LoadFromEnumerable(Enum.GetValues<AdvisoryAction>().Select(a => new LabelKey { Label = AdvisoryNames.Of(a) }));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ReturnRow.Label), keyData: actions)
            .Append(ml.Transforms.Categorical.OneHotEncoding([
                new InputOutputColumnPair("ReasonHot", nameof(ReturnRow.Reason)),
                new InputOutputColumnPair("TierHot", nameof(ReturnRow.Tier)),
                new InputOutputColumnPair("ChannelHot", nameof(ReturnRow.Channel))]))
            .Append(ml.Transforms.Concatenate("Features", "ReasonHot", "TierHot", "ChannelHot",
                nameof(ReturnRow.DefectRate), nameof(ReturnRow.PriorReturns), nameof(ReturnRow.OrderValue),
                nameof(ReturnRow.DaysSinceDelivery), nameof(ReturnRow.WarrantyMonthsLeft)))
            .Append(ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                LabelColumnName = "LabelKey",
                FeatureColumnName = "Features",
                NumberOfIterations = options.Iterations,
                NumberOfLeaves = options.Leaves,
                MinimumExampleCountPerLeaf = options.MinimumExamplesPerLeaf,
                LearningRate = options.LearningRate,
                UseSoftmax = true,
                Seed = seed,
                // One thread keeps training bit-for-bit reproducible.
                NumberOfThreads = 1,
            }));
        var model = pipeline.Fit(data);
        var version = VersionOf(dataDescription, options);
        return new ReturnAdvisor(ml, model, data.Schema, FeatureReferences.From(rows), version);
    }

    /// <summary>The model version for this data and these options, without training.</summary>
    public static string VersionOf(string dataDescription, AdvisorTrainingOptions options) => VersionOf(dataDescription, options.Describe());

    internal static string VersionOf(string dataDescription, string trainerOptions)
    {
        var text = $"data={dataDescription}|trainer={TrainerName}|{trainerOptions}";
        return "adv-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>Writes the model, its version and the explanation references as one zip.</summary>
    public void Save(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var buffer = new MemoryStream())
        {
            _ml.Model.Save(_model, _inputSchema, buffer);
            using var entry = zip.CreateEntry(ModelEntry).Open();
            buffer.Position = 0;
            buffer.CopyTo(entry);
        }

        using var manifest = zip.CreateEntry(ManifestEntry).Open();
        JsonSerializer.Serialize(manifest, new AdvisorManifest(ModelVersion, TrainerName, _references));
    }

    public void Save(string path)
    {
        using var file = File.Create(path);
        Save(file);
    }

    /// <summary>Reads a model written by <see cref="Save(Stream)"/>.</summary>
    public static ReturnAdvisor Load(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        AdvisorManifest manifest;
        using (var entry = zip.GetEntry(ManifestEntry)?.Open() ?? throw new InvalidDataException($"No {ManifestEntry} in the model file."))
        {
            manifest = JsonSerializer.Deserialize<AdvisorManifest>(entry) ?? throw new InvalidDataException("Empty advisor manifest.");
        }

        var ml = new MLContext();
        // A fresh process may not have loaded the LightGBM assembly yet; the loader finds components by assembly.
        ml.ComponentCatalog.RegisterAssembly(typeof(LightGbmMulticlassTrainer).Assembly);
        using var buffer = new MemoryStream();
        using (var entry = zip.GetEntry(ModelEntry)?.Open() ?? throw new InvalidDataException($"No {ModelEntry} in the model file."))
        {
            entry.CopyTo(buffer);
        }

        buffer.Position = 0;
        var model = ml.Model.Load(buffer, out var schema);
        return new ReturnAdvisor(ml, model, schema, manifest.References, manifest.Version);
    }

    public static ReturnAdvisor Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>Probability of each action, indexed by <see cref="AdvisoryAction"/>.</summary>
    public double[] Probabilities(ReturnFeatures features) => Score(ReturnRow.From(features, null));

    /// <summary>The recommended action, its confidence and the top reasons.</summary>
    public Recommendation Recommend(ReturnFeatures features)
    {
        var row = ReturnRow.From(features, null);
        var scores = Score(row);
        var best = TemperatureScaling.ArgMax(scores);

        var action = (AdvisoryAction)best;
        var reasons = new List<RecommendationReason>();
        foreach (var feature in Enum.GetValues<AdvisoryFeature>())
        {
            var swaps = _references.Swaps(row, feature);
            var mean = swaps.Average(swap => Score(swap)[best]);
            var contribution = scores[best] - mean;
            if (contribution >= MinReasonContribution)
            {
                var value = Display(features, feature);
                reasons.Add(new RecommendationReason(feature, value, Math.Round(contribution, 4), string.Create(CultureInfo.InvariantCulture,
                    $"{AdvisoryNames.Of(feature)} {value} raised the case for {AdvisoryNames.Of(action)} by {contribution * 100:0} points")));
            }
        }

        var top = reasons.OrderByDescending(r => r.Contribution).ThenBy(r => r.Feature).Take(3).ToList();
        return new Recommendation(action, Math.Round(scores[best], 4), top, ModelVersion);
    }

    private double[] Score(ReturnRow row)
    {
        float[] raw;
        lock (_gate)
        {
            raw = _engine.Predict(row).Score;
        }

        return [.. raw.Select(s => (double)s)];
    }

    private static string Display(ReturnFeatures f, AdvisoryFeature feature) => feature switch
    {
        AdvisoryFeature.Reason => AdvisoryNames.Of(f.Reason),
        AdvisoryFeature.SkuFamilyDefectRate => (f.SkuFamilyDefectRate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%",
        AdvisoryFeature.PriorReturns => f.PriorReturns.ToString(CultureInfo.InvariantCulture),
        AdvisoryFeature.CustomerTier => f.Tier.ToString().ToLowerInvariant(),
        AdvisoryFeature.OrderValue => f.OrderValue.ToString("0.00", CultureInfo.InvariantCulture),
        AdvisoryFeature.DaysSinceDelivery => f.DaysSinceDelivery.ToString(CultureInfo.InvariantCulture),
        AdvisoryFeature.WarrantyMonthsLeft => f.WarrantyMonthsLeft.ToString(CultureInfo.InvariantCulture),
        AdvisoryFeature.Channel => f.Channel.ToString().ToLowerInvariant(),
        _ => throw new ArgumentOutOfRangeException(nameof(feature)),
    };

    internal static float Quantile(IEnumerable<float> values, double level)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Clamp(Math.Round(level * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }

    internal static float[] Quantiles(IEnumerable<float> values)
    {
        var list = values.ToList();
        return [.. QuantileLevels.Select(level => Quantile(list, level))];
    }
}

/// <summary>The model's input row (ML.NET needs a public mutable class).</summary>
public sealed class ReturnRow
{
    public string Reason { get; set; } = "";
    public float DefectRate { get; set; }
    public float PriorReturns { get; set; }
    public string Tier { get; set; } = "";
    public float OrderValue { get; set; }
    public float DaysSinceDelivery { get; set; }
    public float WarrantyMonthsLeft { get; set; }
    public string Channel { get; set; } = "";
    public string Label { get; set; } = "";

    internal static ReturnRow From(ReturnFeatures f, AdvisoryAction? action) => new()
    {
        Reason = AdvisoryNames.Of(f.Reason),
        DefectRate = (float)f.SkuFamilyDefectRate,
        PriorReturns = f.PriorReturns,
        Tier = f.Tier.ToString().ToLowerInvariant(),
        OrderValue = (float)f.OrderValue,
        DaysSinceDelivery = f.DaysSinceDelivery,
        WarrantyMonthsLeft = f.WarrantyMonthsLeft,
        Channel = f.Channel.ToString().ToLowerInvariant(),
        Label = action is { } a ? AdvisoryNames.Of(a) : "",
    };

    internal ReturnRow Copy() => (ReturnRow)MemberwiseClone();
}

/// <summary>The model's output row.</summary>
public sealed class ActionScores
{
    public float[] Score { get; set; } = [];
}

/// <summary>One label value, to fix the key order of the actions.</summary>
public sealed class LabelKey
{
    public string Label { get; set; } = "";
}

/// <summary>Typical values of each feature, used as swaps when explaining.</summary>
public sealed record FeatureReferences(
    string[] Reasons, string[] Tiers, string[] Channels,
    float[] DefectRates, float[] PriorReturns, float[] OrderValues, float[] DaysSinceDelivery, float[] WarrantyMonthsLeft)
{
    internal static FeatureReferences From(IReadOnlyList<LabeledReturn> rows)
    {
        var features = rows.Select(r => r.Features).ToList();
        return new FeatureReferences(
            [.. Enum.GetValues<ReasonClass>().Select(AdvisoryNames.Of)],
            [.. Enum.GetValues<CustomerTier>().Select(t => t.ToString().ToLowerInvariant())],
            [.. Enum.GetValues<SalesChannel>().Select(c => c.ToString().ToLowerInvariant())],
            ReturnAdvisor.Quantiles(features.Select(f => (float)f.SkuFamilyDefectRate)),
            ReturnAdvisor.Quantiles(features.Select(f => (float)f.PriorReturns)),
            ReturnAdvisor.Quantiles(features.Select(f => (float)f.OrderValue)),
            ReturnAdvisor.Quantiles(features.Select(f => (float)f.DaysSinceDelivery)),
            ReturnAdvisor.Quantiles(features.Select(f => (float)f.WarrantyMonthsLeft)));
    }

    internal IEnumerable<ReturnRow> Swaps(ReturnRow row, AdvisoryFeature feature) => feature switch
    {
        AdvisoryFeature.Reason => Reasons.Select(v => With(row, r => r.Reason = v)),
        AdvisoryFeature.CustomerTier => Tiers.Select(v => With(row, r => r.Tier = v)),
        AdvisoryFeature.Channel => Channels.Select(v => With(row, r => r.Channel = v)),
        AdvisoryFeature.SkuFamilyDefectRate => DefectRates.Select(v => With(row, r => r.DefectRate = v)),
        AdvisoryFeature.PriorReturns => PriorReturns.Select(v => With(row, r => r.PriorReturns = v)),
        AdvisoryFeature.OrderValue => OrderValues.Select(v => With(row, r => r.OrderValue = v)),
        AdvisoryFeature.DaysSinceDelivery => DaysSinceDelivery.Select(v => With(row, r => r.DaysSinceDelivery = v)),
        AdvisoryFeature.WarrantyMonthsLeft => WarrantyMonthsLeft.Select(v => With(row, r => r.WarrantyMonthsLeft = v)),
        _ => throw new ArgumentOutOfRangeException(nameof(feature)),
    };

    private static ReturnRow With(ReturnRow row, Action<ReturnRow> set)
    {
        var copy = row.Copy();
        set(copy);
        return copy;
    }
}

internal sealed record AdvisorManifest(string Version, string Trainer, FeatureReferences References);
