using System.Reflection;
using System.Reflection.Emit;

namespace KissEf.Tests.Architecture;

/// <summary>
/// The pipeline is one-way (docs/internals.md, "The layers"): each folder of <c>src/KissEf/Internal</c> is a layer
/// that uses only the layers below it. Public types have no folder layer: each sits at the highest layer it reaches,
/// so a layer may use a public contract (options, ids, records) but never a public type that wires upper layers (the
/// builder, the extension methods). Read from the compiled assembly: signatures, fields, base types and every type,
/// method and field the IL of each method refers to.
/// </summary>
public sealed class LayeringTests
{
    private const string Internal = "KissEf.Internal.";

    /// <summary>The layers, bottom first: the folders of <c>src/KissEf/Internal</c>.</summary>
    private static readonly string[] Layers =
        ["Logging", "Calls", "Protocol", "Diagnostics", "Model", "Building", "Capture", "Outbox", "Providers", "Direct", "Backfill", "Bulk", "Health", "Configuration"];

    private static readonly Assembly KissEf = typeof(KissTrackingOptions).Assembly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly Dictionary<Type, int> PublicLayers = new();

    [Fact]
    public void Each_layer_uses_only_the_layers_below_it()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in KissEf.GetTypes().Where(t => t.DeclaringType is null && FolderLayer(t) >= 0))
        {
            var from = FolderLayer(type);
            foreach (var used in Referenced(type).Select(Outer).Where(t => t.Assembly == KissEf).Distinct())
            {
                var to = LayerOf(used);
                if (to > from)
                {
                    violations.Add($"{type.FullName} ({Layers[from]}) uses {used.FullName} ({Layers[to]})");
                }
            }
        }

        Assert.True(violations.Count == 0, "Layering broken:" + Environment.NewLine + string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void Every_internal_type_lives_in_a_layer()
    {
        var outside = KissEf.GetTypes()
            .Where(t => t.DeclaringType is null && !t.IsPublic && t.Namespace is { } ns && ns.StartsWith("KissEf", StringComparison.Ordinal))
            .Where(t => FolderLayer(t) < 0 && t.FullName != "KissEf.Outbox.KissOutboxMessage" && !IsCompilerMade(t))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(outside.Count == 0, "Internal types outside src/KissEf/Internal's layers: " + string.Join(", ", outside));
    }

    [Fact]
    public void Every_public_type_is_at_the_root_or_in_an_extension_namespace()
    {
        var misplaced = KissEf.GetExportedTypes()
            .Where(t => t.DeclaringType is null && t.Namespace is not ("KissEf" or "Microsoft.EntityFrameworkCore" or "Microsoft.Extensions.DependencyInjection" or "Microsoft.Extensions.Hosting"))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(misplaced.Count == 0, "Public types outside the root namespace: " + string.Join(", ", misplaced));
    }

    [Fact]
    public void The_check_sees_a_use_through_a_method_body()
    {
        // Control: the row settler writes through the outbox store (Dispatch uses Outbox) only in method bodies.
        var settler = KissEf.GetType("KissEf.Internal.Outbox.Dispatch.KissRowSettler", throwOnError: true)!;
        Assert.Contains(Referenced(settler), t => t.Namespace == "KissEf.Internal.Outbox");
    }

    [Fact]
    public void A_public_type_sits_at_the_highest_layer_it_reaches()
    {
        // Controls: the options are a contract every layer may read; the registration wires the top of the pipeline.
        Assert.Equal(-1, LayerOf(typeof(KissTrackingOptions)));
        Assert.Equal(Array.IndexOf(Layers, "Configuration"), LayerOf(typeof(Microsoft.Extensions.DependencyInjection.KissServiceCollectionExtensions)));
    }

    /// <summary>The layer of an internal type from its namespace (<c>KissEf.Internal.Outbox.Dispatch</c> is <c>Outbox</c>), else -1.</summary>
    private static int FolderLayer(Type type)
    {
        var ns = type.Namespace ?? string.Empty;
        if (ns == "KissEf.Outbox")
        {
            // The outbox entity keeps the namespace users' migration snapshots record (see KissOutboxConvention).
            return Array.IndexOf(Layers, "Outbox");
        }

        return ns.StartsWith(Internal, StringComparison.Ordinal) ? Array.IndexOf(Layers, ns[Internal.Length..].Split('.')[0]) : -1;
    }

    /// <summary>An internal type's folder layer; a public type's, the highest layer it reaches (-1: none, a contract).</summary>
    private static int LayerOf(Type type)
    {
        if (FolderLayer(type) is var folder and >= 0)
        {
            return folder;
        }

        if (!type.IsPublic)
        {
            return -1;
        }

        lock (PublicLayers)
        {
            if (PublicLayers.TryGetValue(type, out var known))
            {
                return known;
            }

            PublicLayers[type] = -1; // a cycle among public types adds nothing
            var layer = Referenced(type).Select(Outer).Where(t => t.Assembly == KissEf && t != type).Select(LayerOf).DefaultIfEmpty(-1).Max();
            PublicLayers[type] = layer;
            return layer;
        }
    }

    private static bool IsCompilerMade(Type type) => type.Name.StartsWith('<') || type.Namespace is "Microsoft.CodeAnalysis" or "System.Runtime.CompilerServices";

    private static Type Outer(Type type)
    {
        while (type.DeclaringType is { } declaring)
        {
            type = declaring;
        }

        return type;
    }

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || !found.Add(t))
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
            }

            if (t.IsGenericType)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var field in type.GetFields(all))
        {
            Add(field.FieldType);
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            foreach (var used in FromBody(method))
            {
                Add(used);
            }
        }

        foreach (var nested in type.GetNestedTypes(all))
        {
            foreach (var used in Referenced(nested))
            {
                Add(used);
            }
        }

        return found;
    }

    /// <summary>The declaring types of the methods, fields and types the IL of <paramref name="method"/> names.</summary>
    private static IEnumerable<Type> FromBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            var opcode = OpCodesByValue[value];
            var size = opcode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                _ => 4,
            };
            if (opcode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                }

                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case FieldInfo f:
                        yield return f.DeclaringType!;
                        yield return f.FieldType;
                        break;
                    case MethodBase m:
                        yield return m.DeclaringType!;
                        if (m.IsGenericMethod)
                        {
                            foreach (var argument in m.GetGenericArguments())
                            {
                                yield return argument;
                            }
                        }

                        if (m is MethodInfo mi)
                        {
                            yield return mi.ReturnType;
                        }

                        foreach (var parameter in m.GetParameters())
                        {
                            yield return parameter.ParameterType;
                        }

                        break;
                }
            }

            at += size;
        }
    }
}
