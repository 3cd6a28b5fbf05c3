using System.Globalization;

namespace EdgeCnn.Vision;

/// <summary>
/// A network camera's stream (<c>rtsp://</c>, <c>http://</c>, ...) decoded by the <c>ffmpeg</c> program into raw
/// frames on a pipe. Not OpenCV's VideoCapture: the FFMPEG inside the OpenCV runtime we ship is built without network
/// protocols, so it cannot open a URL at all.
/// </summary>
public static class NetworkStreamSource
{
    /// <summary>
    /// Starts ffmpeg on <paramref name="url"/>, scaling to <paramref name="width"/>x<paramref name="height"/>. A
    /// stream that sends nothing for <paramref name="timeout"/> (at connect or later) ends the source, so the caller
    /// reconnects well before the service's watchdog would kill it. Logs and errors show the URL without credentials.
    /// </summary>
    public static RawYuvPipeSource Open(string url, int width, int height, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(url);
        string microseconds = ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        List<string> arguments = ["-nostdin", "-hide_banner", "-loglevel", "error"];
        // RTSP over TCP: cameras' UDP streams lose packets on Wi-Fi and do not pass NAT; a socket timeout for it.
        if (url.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)) arguments.AddRange(["-rtsp_transport", "tcp", "-timeout", microseconds]);
        else arguments.AddRange(["-rw_timeout", microseconds]);
        arguments.AddRange(["-i", url, "-an", "-sn", "-vf", $"scale={width}:{height}", "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"]);
        string shown = StreamUrl.Redact(url);
        try
        {
            return new RawYuvPipeSource("ffmpeg", arguments, width, height, $"stream {shown} ({width}x{height} through ffmpeg)", timeout, StreamUrl.Redact);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"stream {shown}: ffmpeg, which decodes network streams, cannot be started; install it (sudo apt install ffmpeg).", e);
        }
    }
}
