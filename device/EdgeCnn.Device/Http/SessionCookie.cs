using System.Security.Cryptography;
using System.Text;

namespace EdgeCnn.Device.Http;

/// <summary>
/// The cookie that lets a browser show the live page and its stream after opening <c>/?token=TOKEN</c> once (an
/// <c>&lt;img&gt;</c> cannot send a header). It never holds the token: cookies are not kept apart by port, so every
/// web app on 127.0.0.1 (where the documented <c>ssh -L</c> puts the page) receives it. It holds a value derived
/// from the token (HMAC-SHA256), which opens this endpoint's pages and cannot be used as the bearer token nor turned
/// back into it; changing the token ends every session. Its name is derived the same way, so two devices tunnelled
/// to two local ports keep a cookie each.
/// </summary>
public sealed class SessionCookie
{
    private readonly byte[] _value;

    /// <summary>The cookie for the device whose bearer token is <paramref name="token"/> (UTF-8 bytes).</summary>
    public SessionCookie(byte[] token)
    {
        ArgumentNullException.ThrowIfNull(token);
        Name = "edgecnn_" + Convert.ToHexStringLower(HMACSHA256.HashData(token, "edgecnn cookie name"u8))[..12];
        Value = Convert.ToHexStringLower(HMACSHA256.HashData(token, "edgecnn live page session"u8));
        _value = Encoding.ASCII.GetBytes(Value);
    }

    /// <summary>The cookie's name.</summary>
    public string Name { get; }

    /// <summary>The cookie's value.</summary>
    public string Value { get; }

    /// <summary>Whether <paramref name="presented"/> is this cookie's value, in constant time.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), _value);
}
