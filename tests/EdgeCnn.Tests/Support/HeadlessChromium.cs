using System.Diagnostics;

namespace EdgeCnn.Tests.Support;

/// <summary>Debian's chromium, headless: what a user's browser makes of a page, as a screenshot or as its DOM after the scripts ran.</summary>
internal static class HeadlessChromium
{
    private static string[] Arguments(string profile) =>
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1100,900",
         "--virtual-time-budget=5000", $"--user-data-dir={profile}"];

    /// <summary>Writes a PNG of <paramref name="url"/> after the page's scripts had 5 s of (virtual) time.</summary>
    public static void Screenshot(string url, string png, string profile) => Run([.. Arguments(profile), $"--screenshot={png}", url]);

    /// <summary>The page's DOM after its scripts had 5 s of (virtual) time.</summary>
    public static string DumpDom(string url, string profile) => Run([.. Arguments(profile), "--dump-dom", url]);

    private static string Run(string[] arguments)
    {
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within 60 s: {errors.Result}");
        }
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {errors.Result}");
        return output;
    }
}
