using System.Diagnostics;
using KissEf.Internal.Calls;

namespace KissEf.Internal.Direct;

/// <summary>A call waiting in direct delivery's queue, with what its delivery reports: the trace context of the
/// commit that released it and when it was queued (Unix ms); with tenants, the tenant of the context that committed it
/// (its calls are sent with that tenant's key).</summary>
internal readonly record struct KissQueuedCall(KissCall Call, ActivityContext Trace, long QueuedAt, string? Tenant = null);
