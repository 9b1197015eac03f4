using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace ReturnsActors.Advisory;

/// <summary>What a trained advisory artifact is: how it was made and how it scored on its hold-out.</summary>
/// <param name="Version">The artifact's version; also the advisor's <see cref="ReturnAdvisor.ModelVersion"/>, so every
/// recommendation names it.</param>
/// <param name="GeneratorVersion">Version of the synthetic data generator (<see cref="SyntheticReturns.GeneratorVersion"/>).</param>
/// <param name="Seed">Seed of the generators and the trainers.</param>
/// <param name="Rows">Synthetic returns generated; the first 80 % train the advisor, the last 20 % are the hold-out.</param>
/// <param name="Phrases">Synthetic reason phrases generated, split the same way for the triage.</param>
/// <param name="Trainer">The advisor's trainer.</param>
/// <param name="TrainerOptions">The advisor's hyper-parameters.</param>
/// <param name="TriageTrainer">The triage's trainer and text features.</param>
/// <param name="TrainedAt">When it was trained.</param>
/// <param name="Recommendation">Hold-out metrics of the advisor.</param>
/// <param name="Triage">Hold-out metrics of the triage.</param>
/// <param name="Calibration">How the confidences were calibrated and the fitted temperatures; null for artifacts made
/// before calibration (they load uncalibrated).</param>
public sealed record AdvisoryModelManifest(
    string Version,
    string GeneratorVersion,
    int Seed,
    int Rows,
    int Phrases,
    string Trainer,
    string TrainerOptions,
    string TriageTrainer,
    DateTimeOffset TrainedAt,
    ModelMetrics Recommendation,
    ModelMetrics Triage,
    ModelCalibration? Calibration = null);

/// <summary>The post-hoc calibration of an artifact's confidences (<see cref="TemperatureScaling"/>).</summary>
/// <param name="Method">How the temperatures were fitted.</param>
/// <param name="Phrases">Phrases in the triage's calibration slice (not trained on, not in the hold-out).</param>
/// <param name="TriageTemperature">Temperature applied to the triage's probabilities.</param>
public sealed record ModelCalibration(string Method, int Phrases, double TriageTemperature);

/// <summary>An evaluation of a stored version, as the evaluate command saved it for the operations page.</summary>
public sealed record StoredEvaluation(DateTimeOffset EvaluatedAt, AdvisoryReport Report);

/// <summary>
/// One versioned, self-contained pair of models (advisor and triage) with its manifest. Stored as one zip holding
/// <c>manifest.json</c>, <c>advisor.zip</c> and <c>triage.zip</c> (ML.NET models); the manifest is also kept beside it
/// in plain JSON. Training is reproducible: the same seed, row counts and options give the same version and the
/// same predictions (single-threaded LightGBM), so a retrain with the same inputs republishes the same version.
/// </summary>
public sealed class AdvisoryArtifact
{
    public const int DefaultSeed = 42;
    private const string ManifestEntry = "manifest.json";
    private const string AdvisorEntry = "advisor.zip";
    private const string TriageEntry = "triage.zip";

    private AdvisoryArtifact(AdvisoryModelManifest manifest, ReturnAdvisor advisor, ReasonTriage triage)
    {
        Manifest = manifest;
        Advisor = advisor;
        Triage = triage;
    }

    public AdvisoryModelManifest Manifest { get; }
    public ReturnAdvisor Advisor { get; }
    public ReasonTriage Triage { get; }
    public string Version => Manifest.Version;

    /// <summary>Generates the synthetic data, trains both models on the first 80 % (the triage less its calibration slice, which
    /// fits its temperature) and scores them on the rest.</summary>
    public static AdvisoryArtifact Train(
        int seed = DefaultSeed,
        int rows = AdvisoryEvaluation.DefaultReturns,
        int phrases = AdvisoryEvaluation.DefaultPhrases,
        DateTimeOffset? trainedAt = null,
        AdvisorTrainingOptions? options = null)
    {
        if (rows < 100 || phrases < 60)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), "At least 100 returns and 60 phrases are needed for a hold-out.");
        }

        options ??= new AdvisorTrainingOptions();
        var split = AdvisoryEvaluation.Split(seed, rows, phrases);
        var triage = ReasonTriage.Train(split.TrainPhrases, split.CalibrationPhrases, seed);
        var description = Describe(SyntheticReturns.GeneratorVersion, seed, rows, split.Train.Count, phrases, ReasonTriage.TrainerName, TemperatureScaling.Method, triage.Temperature);
        var advisor = ReturnAdvisor.Train(split.Train, description, seed, options);
        var (recommendation, triageMetrics) = AdvisoryEvaluation.Score(advisor, triage, split);
        var calibration = new ModelCalibration(TemperatureScaling.Method, split.CalibrationPhrases.Count, triage.Temperature);
        var manifest = new AdvisoryModelManifest(advisor.ModelVersion, SyntheticReturns.GeneratorVersion, seed, rows, phrases,
            ReturnAdvisor.TrainerName, options.Describe(), ReasonTriage.TrainerName, trainedAt ?? DateTimeOffset.UtcNow, recommendation, triageMetrics, calibration);
        return new AdvisoryArtifact(manifest, advisor, triage);
    }

    /// <summary>Scores the models as they are now on the documented hold-out of the data they were trained from.</summary>
    public AdvisoryReport Evaluate()
    {
        // Artifacts made before calibration trained on the whole training share.
        var split = AdvisoryEvaluation.Split(Manifest.Seed, Manifest.Rows, Manifest.Phrases, Manifest.Calibration is null ? 0 : TemperatureScaling.CalibrationFraction);
        var (recommendation, triage) = AdvisoryEvaluation.Score(Advisor, Triage, split);
        return new AdvisoryReport(Manifest.Seed, Version, Manifest.Trainer, Manifest.GeneratorVersion, recommendation, triage);
    }

    public string ManifestJson => AdvisoryEvaluation.ToJson(Manifest);

    public static AdvisoryModelManifest ReadManifest(string json) =>
        AdvisoryEvaluation.FromJson<AdvisoryModelManifest>(json) ?? throw new InvalidDataException("Empty advisory model manifest.");

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry(ManifestEntry).Open())
            using (var writer = new StreamWriter(entry))
            {
                writer.Write(ManifestJson);
            }

            using (var entry = zip.CreateEntry(AdvisorEntry).Open())
            {
                Advisor.Save(entry);
            }

            using (var entry = zip.CreateEntry(TriageEntry).Open())
            {
                Triage.Save(entry);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an artifact written by <see cref="ToBytes"/>; refuses one whose models disagree with its manifest.</summary>
    public static AdvisoryArtifact FromBytes(byte[] bytes)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var manifest = ReadManifest(new StreamReader(Open(zip, ManifestEntry)).ReadToEnd());
        var advisor = ReturnAdvisor.Load(Open(zip, AdvisorEntry));
        var triage = ReasonTriage.Load(Open(zip, TriageEntry), manifest.Calibration?.TriageTemperature ?? 1);
        if (manifest.Calibration is { } c && ReturnAdvisor.VersionOf(
            Describe(manifest.GeneratorVersion, manifest.Seed, manifest.Rows, manifest.Recommendation.TrainRows, manifest.Phrases, manifest.TriageTrainer, c.Method, c.TriageTemperature),
            manifest.TrainerOptions) != manifest.Version)
        {
            throw new InvalidDataException($"The manifest of {manifest.Version} does not describe that version (was it edited?).");
        }

        return advisor.ModelVersion == manifest.Version
            ? new AdvisoryArtifact(manifest, advisor, triage)
            : throw new InvalidDataException($"The advisor in the artifact is {advisor.ModelVersion}, its manifest says {manifest.Version}.");
    }

    /// <summary>The data, triage and calibration as they enter the version: the fitted temperature is part of it, so a change
    /// in calibration is a new version, and a manifest whose temperature was edited no longer matches its version.</summary>
    private static string Describe(string generator, int seed, int rows, int trainRows, int phrases, string triageTrainer, string calibration, double temperature) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{generator}:seed={seed}:count={rows}:train={trainRows}:phrases={phrases}:triage={triageTrainer}:calibration={calibration}:triageTemperature={temperature:R}");

    private static MemoryStream Open(ZipArchive zip, string name)
    {
        // ML.NET needs a seekable stream; zip entries are not.
        using var entry = zip.GetEntry(name)?.Open() ?? throw new InvalidDataException($"No {name} in the advisory artifact.");
        var copy = new MemoryStream();
        entry.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}
