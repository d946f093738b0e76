namespace KissEf.Internal.Building;

/// <summary>
/// The consent of <c>UseConsent&lt;TConsent&gt;</c> for one save (or one chunk of a backfill or a tracked bulk
/// operation): the service, resolved once from the sink's application services as <c>IdentifiedBy</c>'s service is, and
/// its answer per person, so that a save of a thousand calls of one person asks once. A service that throws, or that
/// cannot be resolved, is a failure of the whole batch (<see cref="Failure"/>), until <see cref="Reset"/>.
/// </summary>
internal sealed class KissConsentGate(Type serviceType)
{
    private readonly Dictionary<string, bool> _answers = new(StringComparer.Ordinal);
    private IKissConsent? _service;

    /// <summary>The application's consent type, named by the logs.</summary>
    public Type ServiceType { get; } = serviceType;

    /// <summary>Why the service gave no answer in this batch (it threw, or could not be resolved); null while it answers.</summary>
    public string? Failure { get; private set; }

    /// <summary>What the service threw, for the warning's stack trace.</summary>
    public Exception? Exception { get; private set; }

    /// <summary>
    /// True when <paramref name="person"/> may be tracked: the cached answer, or the service's. False when it refuses,
    /// or when it failed in this batch (<see cref="Failure"/> is then set).
    /// </summary>
    public bool MayTrack(string person, KissCallSink sink)
    {
        if (Failure is not null)
        {
            return false;
        }

        if (_answers.TryGetValue(person, out var known))
        {
            return known;
        }

        try
        {
            if (_service is null)
            {
                // The same resolution as IdentifiedBy's: the context's scope, the root provider for a pooled context.
                if (KissServicePersons.Resolve(ServiceType, "UseConsent", sink, out var resolved) is { } unresolved)
                {
                    Failure = unresolved;
                    return false;
                }

                _service = (IKissConsent)resolved!;
            }

            var answer = _service.MayTrack(person);
            _answers.Add(person, answer);
            return answer;
        }
        catch (Exception exception)
        {
            // Any exception: a consent service that cannot answer must not let a call through.
            Failure = $"it threw {exception.GetType().Name}";
            Exception = exception;
            return false;
        }
    }

    /// <summary>Forgets the answers, the service and its failure: the next batch asks again.</summary>
    public void Reset()
    {
        _answers.Clear();
        _service = null;
        Failure = null;
        Exception = null;
    }
}
