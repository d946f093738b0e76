using System.Diagnostics.CodeAnalysis;

// RS0026 (PublicApiAnalyzers): IKissBackfill has two overloads of each method that both take an optional
// CancellationToken. Nothing is shipped yet, so it is recorded here for a decision before 1.0 (drop the shorter
// overloads, or make their token required) rather than changed under the backfill's owner.
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Unshipped; to decide before 1.0.", Scope = "member", Target = "~M:KissEf.IKissBackfill.EnqueueAsync``1(System.Linq.IQueryable{``0},System.Threading.CancellationToken)")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Unshipped; to decide before 1.0.", Scope = "member", Target = "~M:KissEf.IKissBackfill.EnqueueAsync``1(System.Linq.IQueryable{``0},System.IProgress{KissEf.KissBackfillProgress},System.Threading.CancellationToken)")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Unshipped; to decide before 1.0.", Scope = "member", Target = "~M:KissEf.IKissBackfill.ExportAsync``1(System.Linq.IQueryable{``0},System.IO.Stream,System.Threading.CancellationToken)")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Unshipped; to decide before 1.0.", Scope = "member", Target = "~M:KissEf.IKissBackfill.ExportAsync``1(System.Linq.IQueryable{``0},System.IO.Stream,System.IProgress{KissEf.KissBackfillProgress},System.Threading.CancellationToken)")]

// RS0026: issue 19 fixes the names of IKissOutbox's dead-letter group methods, RetryDeadAsync(groupKey, ct) and
// PurgeDeadAsync(groupKey, ct), beside the existing RetryDeadAsync(ct) and PurgeDeadAsync(olderThan, ct); their first
// parameters differ in type, so no call is ambiguous.
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Names fixed by issue 19; first parameters differ in type.", Scope = "member", Target = "~M:KissEf.IKissOutbox.RetryDeadAsync(System.Threading.CancellationToken)~System.Threading.Tasks.Task{System.Int32}")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Names fixed by issue 19; first parameters differ in type.", Scope = "member", Target = "~M:KissEf.IKissOutbox.RetryDeadAsync(System.String,System.Threading.CancellationToken)~System.Threading.Tasks.Task{System.Int32}")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Names fixed by issue 19; first parameters differ in type.", Scope = "member", Target = "~M:KissEf.IKissOutbox.PurgeDeadAsync(System.TimeSpan,System.Threading.CancellationToken)~System.Threading.Tasks.Task{System.Int32}")]
[assembly: SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Names fixed by issue 19; first parameters differ in type.", Scope = "member", Target = "~M:KissEf.IKissOutbox.PurgeDeadAsync(System.String,System.Threading.CancellationToken)~System.Threading.Tasks.Task{System.Int32}")]
