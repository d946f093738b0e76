using System.Reflection;
using System.Reflection.Emit;

namespace KissEf.Tests.Architecture;

/// <summary>
/// The pipeline is one-way (docs/internals.md, "The layers"): Protocol at the bottom, then Mapping, Capture, Outbox,
/// Dispatch and Backfill, each using only the layers below it; the composition root (the builder, the service
/// registration, the options extension) wires them. Read from the compiled assembly: signatures, fields, base
/// types and every type, method and field the IL of each method refers to.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] Layers = ["Logging", "Protocol", "Diagnostics", "Mapping", "Capture", "Outbox", "Dispatch", "Backfill"];

    // Public types live in the root namespace for their users; their layer is the folder they are written in.
    private static readonly Dictionary<string, string> RootTypes = new(StringComparer.Ordinal)
    {
        ["KissTrackingOptions"] = "Logging",
        ["KissEfEventId"] = "Logging",
        ["KissEfDiagnostics"] = "Logging",
        ["KissMappingException"] = "Mapping",
        ["IKissEntityTypeConfiguration`1"] = "Mapping",
        ["KissEntityTypeBuilder`1"] = "Mapping",
        ["KissTriggerBuilder`1"] = "Mapping",
        ["KissEventBuilder`1"] = "Mapping",
        ["KissPropertySetBuilder`1"] = "Mapping",
        ["IKissOutbox"] = "Outbox",
        ["KissOutboxState"] = "Outbox",
        ["IKissDispatcher"] = "Dispatch",
        ["IKissBackfill"] = "Backfill",
        ["KissBackfillProgress"] = "Backfill",
        ["KissBackfillReport"] = "Backfill",
    };

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void Each_layer_uses_only_the_layers_below_it()
    {
        var assembly = typeof(KissTrackingOptions).Assembly;
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = LayerOf(type);
            if (from is null)
            {
                continue;
            }

            foreach (var used in Referenced(type).Where(t => t.Assembly == assembly))
            {
                var to = LayerOf(used);
                if (to is not null && Array.IndexOf(Layers, to) > Array.IndexOf(Layers, from))
                {
                    violations.Add($"{Outer(type).FullName} ({from}) uses {Outer(used).FullName} ({to})");
                }
            }
        }

        Assert.True(violations.Count == 0, "Layering broken:" + Environment.NewLine + string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_check_sees_a_use_through_a_method_body()
    {
        // Control: the outbox dispatcher reads the outbox store (Dispatch uses Outbox) only in method bodies.
        var dispatcher = typeof(KissTrackingOptions).Assembly.GetType("KissEf.Dispatch.KissOutboxDispatcher", throwOnError: true)!;
        Assert.Contains(Referenced(dispatcher), t => t.Namespace == "KissEf.Outbox");
    }

    /// <summary>The layer of a type, or null for the composition root (it may use every layer).</summary>
    private static string? LayerOf(Type type)
    {
        var outer = Outer(type);
        var ns = outer.Namespace ?? string.Empty;
        if (ns.StartsWith("KissEf.", StringComparison.Ordinal))
        {
            var layer = ns["KissEf.".Length..].Split('.')[0];
            return Layers.Contains(layer) ? layer : null;
        }

        return ns == "KissEf" && RootTypes.TryGetValue(outer.Name, out var root) ? root : null;
    }

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
