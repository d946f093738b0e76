using Microsoft.Extensions.Options;

namespace KissEf.Internal.Configuration;

/// <summary>The rules of <see cref="KissTrackingOptions"/> that span fields or are not ranges.</summary>
internal sealed class KissTrackingOptionsRules : IValidateOptions<KissTrackingOptions>
{
    public ValidateOptionsResult Validate(string? name, KissTrackingOptions options)
    {
        var failures = new List<string>();
        if (!options.DryRun && string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("KissTrackingOptions.ApiKey is required: call UseApiKey(...), set KissMetrics:ApiKey, or call UseDryRun() to send nothing.");
        }

        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || endpoint.Scheme is not ("http" or "https"))
        {
            failures.Add("KissTrackingOptions.Endpoint must be an absolute http or https URI, like https://trk.kissmetrics.com.");
        }
        else if (!string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment))
        {
            failures.Add("KissTrackingOptions.Endpoint must have no query and no fragment.");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
