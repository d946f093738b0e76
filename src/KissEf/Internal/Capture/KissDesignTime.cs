using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Capture;

/// <summary>
/// Whether the process is a design-time tool that runs the application's startup code: EF's tools (<c>dotnet ef</c>,
/// which set <see cref="EF.IsDesignTime"/>), or the build-time OpenAPI document generation of
/// <c>Microsoft.Extensions.ApiDescription.Server</c>, whose <c>dotnet-getdocument</c> starts the application's host
/// inside its <c>GetDocument.Insider</c> process (the check ASP.NET Core's documentation gives). There KissEf sends
/// nothing and opens no connection: no key is needed, and no database is touched by a build.
/// </summary>
internal static class KissDesignTime
{
    private const string DocumentGenerator = "GetDocument.Insider";

    // The entry assembly of a process never changes.
    private static readonly bool GeneratingDocument = string.Equals(Assembly.GetEntryAssembly()?.GetName().Name, DocumentGenerator, StringComparison.Ordinal);

    /// <summary>True under a design-time tool.</summary>
    public static bool IsActive => GeneratingDocument || EF.IsDesignTime;
}
