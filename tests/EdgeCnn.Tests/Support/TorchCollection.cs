namespace EdgeCnn.Tests.Support;

/// <summary>
/// Tests that use libtorch's global random generator or the process console run one at a time, so a seeded run
/// is not disturbed by another test drawing random numbers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
