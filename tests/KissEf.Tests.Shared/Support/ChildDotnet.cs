using System.Reflection;

namespace KissEf.Tests.Support;

/// <summary>What the tests that start .NET child processes (crash host, dispatcher host, sample app) share.</summary>
public static class ChildDotnet
{
    /// <summary>The muxer to run a child's dll with: the one the SDK names, the one running this process, or <c>dotnet</c>.</summary>
    public static string Host()
    {
        // The SDK tells child processes which muxer runs them; the test host itself usually runs under it too.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } self
            && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }

    /// <summary>
    /// The path of a child's dll, recorded at build time under <paramref name="key"/> by the test project that builds the
    /// child (KissEf.ProcessTests.csproj), as metadata of its own assembly: the loaded assemblies are searched, since
    /// this library is not the one that records it.
    /// </summary>
    public static string RecordedAssembly(string key)
    {
        var recorded = AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetCustomAttributes<AssemblyMetadataAttribute>())
            .FirstOrDefault(a => a.Key == key)?.Value;
        Assert.False(string.IsNullOrEmpty(recorded), $"No loaded test assembly recorded {key} (KissEf.ProcessTests.csproj does).");
        Assert.True(File.Exists(recorded), $"{key}: the dll was not built where the test project recorded it: {recorded}");
        return recorded!;
    }
}
