namespace EdgeCnn.Device.Gpio;

/// <summary>Which libgpiod is installed: its API version decides the System.Device.Gpio driver.</summary>
public enum LibgpiodVersion
{
    /// <summary>None found.</summary>
    None,

    /// <summary>libgpiod 1.x (<c>libgpiod.so.2</c>, Debian 12's libgpiod2): <c>LibGpiodDriver</c>.</summary>
    V1,

    /// <summary>libgpiod 2.x (<c>libgpiod.so.3</c>, Debian 13 and Raspberry Pi OS since 2026): <c>LibGpiodV2Driver</c>.</summary>
    V2,
}

/// <summary>
/// What this machine's GPIO is, read from its files: the board (the device tree's model), the libgpiod installed,
/// and the GPIO chip of the 40-pin header, found by its label (<c>pinctrl-rp1</c> on a Pi 5, <c>pinctrl-bcm2711</c> on a
/// Pi 4, <c>pinctrl-bcm2835</c> on earlier boards), because its number differs between boards and kernels (a Pi 5 had
/// it at gpiochip4 on early kernels, gpiochip0 since). System.Device.Gpio on its own picks the v1 driver first and maps
/// boards by ID, which fails on a Pi 5 image with only libgpiod v2. Read from <c>root</c> so tests can give a fake tree.
/// </summary>
/// <param name="Model">The board, e.g. "Raspberry Pi 5 Model B Rev 1.0"; null when the machine does not say.</param>
/// <param name="Library">The libgpiod found.</param>
/// <param name="LibraryPath">Where it was found.</param>
/// <param name="HeaderChip">The number N of /dev/gpiochipN that carries the 40-pin header; null when none is labelled so.</param>
/// <param name="Chips">Every chip found, as <c>gpiochipN (label)</c>.</param>
public sealed record GpioBoard(string? Model, LibgpiodVersion Library, string? LibraryPath, int? HeaderChip, IReadOnlyList<string> Chips)
{
    /// <summary>The labels of the 40-pin header's chip, newest board first.</summary>
    public static readonly IReadOnlyList<string> HeaderLabels = ["pinctrl-rp1", "pinctrl-bcm2712", "pinctrl-bcm2711", "pinctrl-bcm2835"];

    private static readonly string[] LibraryFolders =
    [
        "usr/lib/aarch64-linux-gnu", "lib/aarch64-linux-gnu", "usr/lib/arm-linux-gnueabihf", "lib/arm-linux-gnueabihf",
        "usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/local/lib", "usr/lib64", "usr/lib", "lib",
    ];

    /// <summary>Reads the machine under <paramref name="root"/> (<c>/</c> for this one).</summary>
    public static GpioBoard Detect(string root = "/")
    {
        ArgumentNullException.ThrowIfNull(root);
        string? model = ReadText(Path.Combine(root, "proc/device-tree/model")) ?? ReadText(Path.Combine(root, "sys/firmware/devicetree/base/model"));
        (LibgpiodVersion library, string? libraryPath) = FindLibrary(root);
        var chips = new List<string>();
        int? header = null;
        int headerRank = int.MaxValue;
        string dev = Path.Combine(root, "dev");
        IEnumerable<string> devices = Directory.Exists(dev) ? Directory.GetFiles(dev, "gpiochip*") : [];
        foreach (int number in devices.Select(d => Path.GetFileName(d)["gpiochip".Length..]).Where(n => int.TryParse(n, out _)).Select(int.Parse).Order())
        {
            string? label = ChipLabel(root, number);
            chips.Add(label is null ? $"gpiochip{number}" : $"gpiochip{number} ({label})");
            int rank = label is null ? -1 : HeaderLabels.ToList().IndexOf(label);
            if (rank >= 0 && rank < headerRank) (header, headerRank) = (number, rank);
        }
        return new GpioBoard(model, library, libraryPath, header, chips);
    }

    /// <summary>The header's chip label, or null.</summary>
    public string? HeaderLabel => HeaderChip is int chip ? Chips.FirstOrDefault(c => c.StartsWith($"gpiochip{chip} ", StringComparison.Ordinal))?.Split('(', ')')[1] : null;

    /// <summary>
    /// The chip to use: <paramref name="configured"/> when it is set (0 or more), else the header's, else 0; and why,
    /// in words for the log and <c>check</c>.
    /// </summary>
    public (int Chip, string Why) ChooseChip(int configured)
    {
        if (configured >= 0) return (configured, $"/dev/gpiochip{configured} (Gpio:Chip)");
        if (HeaderChip is int chip) return (chip, $"/dev/gpiochip{chip}, labelled {HeaderLabel}: the 40-pin header");
        return (0, Chips.Count == 0
            ? "/dev/gpiochip0, but this machine has no GPIO chips"
            : $"/dev/gpiochip0: no chip is labelled as a Raspberry Pi header ({string.Join(", ", Chips)}); set Gpio:Chip if that is wrong");
    }

    /// <summary>The driver for <see cref="Library"/> and why: <c>libgpiod v2 (libgpiod.so.3 in /usr/lib/...)</c>.</summary>
    public string LibraryWhy => Library switch
    {
        LibgpiodVersion.V2 => $"libgpiod v2 ({LibraryPath})",
        LibgpiodVersion.V1 => $"libgpiod v1 ({LibraryPath})",
        _ => "no libgpiod installed (sudo apt install libgpiod2, or libgpiod3 on newer systems)",
    };

    /// <summary>The board, its libgpiod, its chips, in one line.</summary>
    public string Describe(int configuredChip) =>
        $"{Model ?? "an unknown board"}; {LibraryWhy}; chip {ChooseChip(configuredChip).Why}";

    // The chip's label: in the GPIO device's own folder on current kernels, else through the legacy sysfs class,
    // whose gpiochipBASE folders link to their device (gpiochipN).
    private static string? ChipLabel(string root, int number)
    {
        if (ReadText(Path.Combine(root, $"sys/bus/gpio/devices/gpiochip{number}/label")) is string own) return own;
        string legacy = Path.Combine(root, "sys/class/gpio");
        if (!Directory.Exists(legacy)) return null;
        foreach (string folder in Directory.GetDirectories(legacy, "gpiochip*"))
        {
            string device = Path.Combine(folder, "device");
            string? target = Directory.Exists(device) ? new DirectoryInfo(device).LinkTarget ?? new DirectoryInfo(device).Name : null;
            if (target is not null && Path.GetFileName(target.TrimEnd('/')) == $"gpiochip{number}") return ReadText(Path.Combine(folder, "label"));
        }
        return null;
    }

    private static (LibgpiodVersion, string?) FindLibrary(string root)
    {
        foreach ((LibgpiodVersion version, string name) in new[] { (LibgpiodVersion.V2, "libgpiod.so.3"), (LibgpiodVersion.V1, "libgpiod.so.2") })
        {
            foreach (string folder in LibraryFolders)
            {
                string directory = Path.Combine(root, folder);
                if (!Directory.Exists(directory)) continue;
                string? found = Directory.GetFiles(directory, name + "*").Order(StringComparer.Ordinal).FirstOrDefault();
                if (found is not null) return (version, "/" + Path.GetRelativePath(root, found));
            }
        }
        return (LibgpiodVersion.None, null);
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim('\0', '\n', ' ') is { Length: > 0 } text ? text : null : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
