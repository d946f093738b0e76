using KissEf.Internal.Outbox;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Providers.Sqlite;

/// <summary>
/// SQLite: the portable claim (one writer, no row locks), polling for other processes' commits, and SQLite's own busy
/// handling on every connection of a context that uses the outbox (<see cref="KissSqliteBusyInterceptor"/>).
/// </summary>
internal sealed class KissSqliteOutboxProvider : KissOutboxProvider
{
    public static readonly KissSqliteOutboxProvider Instance = new();

    private KissSqliteOutboxProvider()
    {
    }

    public override string? ProviderName => "Microsoft.EntityFrameworkCore.Sqlite";

    public override void AddContextServices(IServiceCollection services) => services.AddSingleton<IInterceptor, KissSqliteBusyInterceptor>();
}
