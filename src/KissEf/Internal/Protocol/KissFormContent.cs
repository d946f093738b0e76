using System.Net.Http.Headers;
using System.Text;

namespace KissEf.Internal.Protocol;

/// <summary>
/// The body of a long call sent as a POST: the call's parameters, percent-encoded as in a query (RFC 3986,
/// a space is <c>%20</c>), as <c>application/x-www-form-urlencoded</c>. Buffered, so a retry resends it.
/// </summary>
internal sealed class KissFormContent : ByteArrayContent
{
    private static readonly MediaTypeHeaderValue FormType = new("application/x-www-form-urlencoded");

    private KissFormContent(string text, bool keyed)
        : base(Encoding.ASCII.GetBytes(text))
    {
        Text = text;
        Keyed = keyed;
        Headers.ContentType = FormType;
    }

    /// <summary>The encoded parameters (ASCII only: every name and value is percent-encoded).</summary>
    public string Text { get; }

    /// <summary>True once <see cref="KissApiKeyHandler"/> has put <c>_k</c> first in the body.</summary>
    public bool Keyed { get; }

    /// <summary>A body of <paramref name="parameters"/>, without the key.</summary>
    public static KissFormContent Create(ReadOnlySpan<char> parameters) => new(parameters.ToString(), keyed: false);

    /// <summary>The same body with <paramref name="key"/> (<c>_k=…</c>) as its first parameter.</summary>
    public KissFormContent WithKey(string key) => new(string.Concat(key, "&", Text), keyed: true);
}
