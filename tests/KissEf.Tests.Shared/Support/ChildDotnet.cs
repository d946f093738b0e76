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

    /// <summary>The path of a child's dll, recorded at build time by KissEf.Tests.csproj under <paramref name="key"/>.</summary>
    public static string RecordedAssembly(string key)
    {
        var recorded = typeof(ChildDotnet).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value;
        Assert.False(string.IsNullOrEmpty(recorded), $"KissEf.Tests.csproj did not record {key}.");
        Assert.True(File.Exists(recorded), $"{key}: the dll was not built where the test project recorded it: {recorded}");
        return recorded!;
    }
}
