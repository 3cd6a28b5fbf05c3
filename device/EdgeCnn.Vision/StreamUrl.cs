using System.Text.RegularExpressions;

namespace EdgeCnn.Vision;

/// <summary>Stream URLs as they may be shown: in logs, errors and <c>check</c>, never with their credentials.</summary>
public static partial class StreamUrl
{
    /// <summary>
    /// <paramref name="url"/> with the user name and password (<c>rtsp://user:password@camera/</c>) and the values of
    /// query parameters that carry secrets (<c>?password=</c>, <c>token</c>, <c>key</c>, <c>auth</c>, <c>secret</c>,
    /// <c>pwd</c>, <c>user</c>) replaced by <c>***</c>. Works on text that is not a valid URL too.
    /// </summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string withoutUser = UserInfo().Replace(url, "${scheme}***@");
        return SecretParameter().Replace(withoutUser, "${name}=***");
    }

    // scheme://anything-but-slash-or-at@ : the user-info part, which may hold "user:password".
    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<name>[?&;][^=&;#\s]*(?:pass|pwd|token|key|auth|secret|user)[^=&;#\s]*)=[^&;#\s]*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}
