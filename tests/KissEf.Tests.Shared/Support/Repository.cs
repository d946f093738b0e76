namespace KissEf.Tests.Support;

/// <summary>Where the repository's files are, for the tests that read the docs, the samples or pack the sources.</summary>
public static class Repository
{
    /// <summary>The folder of the repository (the one holding KissEf.sln), found upwards from the test assembly's folder.</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KissEf.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No KissEf.sln above {AppContext.BaseDirectory}.");
    }
}
