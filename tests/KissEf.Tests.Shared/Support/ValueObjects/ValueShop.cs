namespace KissEf.Tests.Support.ValueObjects;

/// <summary>A todo list whose values are value objects (Clean Architecture's TodoList and its Colour).</summary>
public sealed class VoTodoList
{
    public int Id { get; set; }

    public string? OwnerEmail { get; set; }

    public string? Title { get; set; }

    /// <summary>OwnsOne: columns of the list's row.</summary>
    public VoColour Colour { get; set; } = VoColour.From("#FFFFFF");

    /// <summary>OwnsOne that owns <see cref="VoPlace.Position"/> in turn, all in the list's row.</summary>
    public VoPlace? Place { get; set; }

    /// <summary>OwnsOne in a table of its own (ListBadges).</summary>
    public VoBadge? Badge { get; set; }

    /// <summary>OwnsMany: a table of its own, keyed by an Id of its own.</summary>
    public List<VoTag> Tags { get; set; } = [];
}

/// <summary>An immutable value object, made by its factory, with no Equals of its own.</summary>
public sealed class VoColour
{
    private VoColour(string code, string name)
    {
        Code = code;
        Name = name;
    }

    public string Code { get; private set; }

    public string Name { get; private set; }

    public static VoColour From(string code) => new(code, code switch
    {
        "#FFFFFF" => "White",
        "#FF5733" => "Orange",
        "#66A3FF" => "Blue",
        _ => "Other",
    });
}

/// <summary>A value object that holds another one.</summary>
public sealed class VoPlace
{
    public string? City { get; init; }

    public VoPosition? Position { get; init; }
}

public sealed class VoPosition
{
    public double Latitude { get; init; }

    public double Longitude { get; init; }
}

public sealed class VoBadge
{
    public string? Label { get; init; }

    public int Level { get; init; }
}

public sealed class VoTag
{
    public string? Name { get; init; }
}

/// <summary>A profile whose value objects live in JSON columns.</summary>
public sealed class VoProfile
{
    public int Id { get; set; }

    public string? Email { get; set; }

    /// <summary>A complex property mapped to a JSON column (ComplexProperty(...).ToJson()).</summary>
    public VoSettings Settings { get; set; } = new();

    /// <summary>A complex collection mapped to a JSON column (ComplexCollection(...).ToJson()).</summary>
    public List<VoLink> Links { get; set; } = [];

    /// <summary>An owned type mapped to a JSON column (OwnsOne(...).ToJson()), with a nested owned type.</summary>
    public VoAddress? Address { get; set; }

    /// <summary>An owned collection mapped to a JSON column (OwnsMany(...).ToJson()).</summary>
    public List<VoPhone> Phones { get; set; } = [];
}

public sealed record VoSettings
{
    public string? ContactEmail { get; init; }

    public string Theme { get; init; } = "light";

    public int PageSize { get; init; } = 20;
}

public sealed record VoLink
{
    public string Url { get; init; } = "";

    public string Label { get; init; } = "";
}

public sealed class VoAddress
{
    public string? City { get; init; }

    public string? Street { get; init; }

    public VoPosition? Position { get; init; }
}

public sealed class VoPhone
{
    public string? Number { get; init; }
}

/// <summary>A board whose groups live in a JSON column (a complex collection), each with optional metadata that holds a collection.</summary>
public sealed class VoBoard
{
    public int Id { get; set; }

    public string? OwnerEmail { get; set; }

    public List<VoGroup> Groups { get; set; } = [];
}

public sealed class VoGroup
{
    public string Name { get; set; } = "";

    public List<VoItem> Items { get; set; } = [];
}

public sealed class VoItem
{
    public string Name { get; set; } = "";

    /// <summary>An optional complex value that holds a collection: setting it to null is dotnet/efcore#38632.</summary>
    public VoMeta? Meta { get; set; }
}

public sealed class VoMeta
{
    public List<VoEntry> Entries { get; set; } = [];
}

public sealed class VoEntry
{
    public string Key { get; set; } = "";
}
