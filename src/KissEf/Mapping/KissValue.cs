using System.Linq.Expressions;
using System.Reflection;

namespace KissEf.Mapping;

/// <summary>
/// A value a map reads from an entity. When the expression is a plain member access (<c>c =&gt; c.Plan</c>),
/// <see cref="MemberName"/> names it, so the saved value is read from EF's entry (which already holds
/// store-generated values before the CLR object does); otherwise the compiled delegate runs on the entity.
/// </summary>
internal sealed class KissValue<TEntity>
    where TEntity : class
{
    private KissValue(string text, Func<TEntity, object?> compiled, string? memberName)
    {
        Text = text;
        Compiled = compiled;
        MemberName = memberName;
    }

    /// <summary>The expression as written, for error messages.</summary>
    public string Text { get; }

    /// <summary>Evaluates the expression on the CLR object.</summary>
    public Func<TEntity, object?> Compiled { get; }

    /// <summary>The member read when the expression is a plain member access of the entity, else null.</summary>
    public string? MemberName { get; }

    /// <summary>The map's slot for <see cref="MemberName"/> (set once when the map is compiled), or -1.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Compiles <paramref name="expression"/> once, to a typed delegate.</summary>
    public static KissValue<TEntity> From<TValue>(Expression<Func<TEntity, TValue>> expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var body = expression.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            body = convert.Operand;
        }

        var member = body is MemberExpression { Member: PropertyInfo or FieldInfo } access
            && access.Expression == expression.Parameters[0]
                ? access.Member.Name
                : null;

        var boxed = Expression.Lambda<Func<TEntity, object?>>(
            Expression.Convert(expression.Body, typeof(object)),
            expression.Parameters);
        return new KissValue<TEntity>(expression.ToString(), boxed.Compile(), member);
    }
}
