namespace ReturnsActors.LoadTests.Harness;

/// <summary>What a step sees when it runs: which iteration it is part of and how to stop.</summary>
public sealed class StepContext
{
    internal StepContext(string scenarioName, long iterationNumber, int copyNumber, CancellationToken cancellationToken)
    {
        ScenarioName = scenarioName;
        IterationNumber = iterationNumber;
        CopyNumber = copyNumber;
        CancellationToken = cancellationToken;
    }

    public string ScenarioName { get; }

    /// <summary>The step currently running.</summary>
    public string StepName { get; internal set; } = "";

    /// <summary>Zero-based number of the iteration within the scenario (warm-up included).</summary>
    public long IterationNumber { get; }

    /// <summary>Index of the closed-model copy running the iteration, or -1 for open-model requests.</summary>
    public int CopyNumber { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>State handed from one step to the next within the same iteration.</summary>
    public Dictionary<string, object?> Data { get; } = [];
}
