using System.Reflection;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Configuration;

/// <summary>
/// The one validator of <see cref="KissTrackingOptions"/> run at start: the declared ranges
/// (<see cref="KissTrackingOptionsValidator"/>), the other rules (<see cref="KissTrackingOptionsRules"/>), the
/// delivery chosen at registration, and, when the options come from a configuration section, unknown keys.
/// Every message starts with the setting: <c>KissMetrics:MaxConcurrency: …</c> when bound from the section
/// <c>KissMetrics</c>, <c>KissTrackingOptions.MaxConcurrency: …</c> otherwise.
/// </summary>
internal sealed class KissOptionsValidation(KissRegistration registration) : IValidateOptions<KissTrackingOptions>
{
    private const string OptionsPrefix = nameof(KissTrackingOptions) + ".";

    // The generator's failures read "X: The field KissTrackingOptions.X must be ..."; the rules' read
    // "KissTrackingOptions.X is ...". Both are rewritten to start with the setting as the user wrote it.
    private static readonly HashSet<string> Settings = new(
        typeof(KissTrackingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .Select(p => p.Name),
        StringComparer.OrdinalIgnoreCase);

    private readonly KissTrackingOptionsValidator _ranges = new();
    private readonly KissTrackingOptionsRules _rules = new();

    public ValidateOptionsResult Validate(string? name, KissTrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Collect(_ranges.Validate(name, options), failures);
        Collect(_rules.Validate(name, options), failures);

        if (registration.Delivery is { } registered && options.Delivery != registered)
        {
            failures.Add(Setting(nameof(KissTrackingOptions.Delivery)) +
                $"is {options.Delivery}, but AddKissTracking registered {registered} delivery: set Delivery in the configuration section or in the builder, not in a later Configure<KissTrackingOptions>.");
        }

        // Only a section is KissEf's own: the root of a configuration holds everything else of the app too.
        if (Section is IConfigurationSection section)
        {
            foreach (var child in section.GetChildren().Where(c => !Settings.Contains(c.Key)))
            {
                failures.Add($"{child.Path}: is not a KissEf setting (settings: {string.Join(", ", Settings.Order(StringComparer.Ordinal))}).");
            }
        }

        // OptionsValidationException joins the failures with "; ": each is a clause, so that none reads ".;".
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures.Select(KissText.Clause)) : ValidateOptionsResult.Success;
    }

    private void Collect(ValidateOptionsResult result, List<string> failures)
    {
        if (!result.Failed || result.Failures is null)
        {
            return;
        }

        failures.AddRange(result.Failures.Select(Rewrite));
    }

    private string Rewrite(string failure)
    {
        var text = failure;
        string? member = null;
        if (text.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon && Settings.Contains(text[..colon]))
        {
            member = text[..colon];
            text = text[(colon + 2)..];
        }
        else if (text.StartsWith(OptionsPrefix, StringComparison.Ordinal)
                 && text.IndexOf(' ', StringComparison.Ordinal) is > 0 and var space
                 && Settings.Contains(text[OptionsPrefix.Length..space]))
        {
            member = text[OptionsPrefix.Length..space];
            text = text[(space + 1)..];
        }

        if (member is null)
        {
            return failure;
        }

        // DataAnnotations' texts name the member again: "The field KissTrackingOptions.X must …", "The KissTrackingOptions.X field is …".
        text = text
            .Replace($"The field {OptionsPrefix}{member} ", string.Empty, StringComparison.Ordinal)
            .Replace($"The {OptionsPrefix}{member} field ", string.Empty, StringComparison.Ordinal);
        return Setting(member) + text;
    }

    /// <summary>The section every call bound, read when the options are validated (after the last call).</summary>
    private IConfiguration? Section => registration.Builder.Section;

    private string Setting(string member)
        => Section switch
        {
            null => OptionsPrefix + member + ": ",
            IConfigurationSection { Path.Length: > 0 } s => ConfigurationPath.Combine(s.Path, member) + ": ",
            _ => member + ": ",
        };
}
