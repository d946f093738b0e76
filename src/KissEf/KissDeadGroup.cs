namespace KissEf;

/// <summary>
/// The dead outbox rows that failed the same way (<see cref="IKissOutbox.GetDeadGroupsAsync"/>): retried or purged
/// together by <see cref="Key"/>.
/// </summary>
/// <param name="Key">
/// A stable fingerprint of the failure (12 hexadecimal characters): the same for every row whose error is the same
/// status code, or the same message once its numbers, hosts, quoted names and ids are taken out. Pass it to
/// <see cref="IKissOutbox.RetryDeadAsync(string, CancellationToken)"/> or <see cref="IKissOutbox.PurgeDeadAsync(string, CancellationToken)"/>.
/// </param>
/// <param name="Error">
/// The failure, as the fingerprint reads it (<c>HTTP 400 (BadRequest)</c>, <c>network error (ConnectionRefused):
/// Connection refused (&lt;host&gt;)</c>): numbers, hosts, quoted names, ids and e-mail addresses replaced by
/// placeholders, so it holds no person, no key and no URL.
/// </param>
/// <param name="Rows">Dead rows in the group.</param>
/// <param name="Calls">Calls in those rows.</param>
/// <param name="FirstFailedAt">When the group's first row died.</param>
/// <param name="LastFailedAt">When its last row died.</param>
/// <param name="Kinds">Calls by kind: <c>/e</c> and the event's name (<c>/e Signed Up</c>), <c>/s</c>, <c>/a</c>.</param>
public sealed record KissDeadGroup(
    string Key,
    string Error,
    int Rows,
    int Calls,
    DateTimeOffset FirstFailedAt,
    DateTimeOffset LastFailedAt,
    IReadOnlyDictionary<string, int> Kinds);
