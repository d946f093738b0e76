namespace SampleApp.Model;

/// <summary>A subscription plan. KissEf sends an enum by its name ("Pro"), not its number.</summary>
public enum Plan
{
    Free,
    Pro,
    Business,
}
