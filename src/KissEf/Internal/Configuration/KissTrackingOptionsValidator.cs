using Microsoft.Extensions.Options;

namespace KissEf.Internal.Configuration;

/// <summary>Checks the ranges declared on <see cref="KissTrackingOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class KissTrackingOptionsValidator : IValidateOptions<KissTrackingOptions>
{
}
