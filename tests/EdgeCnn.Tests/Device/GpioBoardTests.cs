using EdgeCnn.Device.Gpio;

namespace EdgeCnn.Tests.Device;

/// <summary>
/// The GPIO driver and chip chosen from what a machine's files say, over fake /proc, /sys, /dev and library trees
/// laid out as each kind of board has them: a Pi 5 on a new image (libgpiod v2 only, header at gpiochip0), a Pi 5 on
/// an early image (header at gpiochip4), a Pi 4 (libgpiod v1), a desktop (no chips).
/// </summary>
public sealed class GpioBoardTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // A machine's tree: the board's model, libgpiod's file, and each chip's device node and label (current kernels
    // put the label in the GPIO device's folder; with legacy, only the sysfs class has it, linked to the device).
    private string Machine(string? model, string? library, (int Number, string Label)[] chips, bool legacyLabels = false)
    {
        string root = _folder[$"machine-{Guid.NewGuid():N}"];
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        if (model is not null)
        {
            Directory.CreateDirectory(Path.Combine(root, "proc/device-tree"));
            File.WriteAllText(Path.Combine(root, "proc/device-tree/model"), model + "\0");
        }
        if (library is not null)
        {
            Directory.CreateDirectory(Path.Combine(root, "usr/lib/aarch64-linux-gnu"));
            File.WriteAllText(Path.Combine(root, "usr/lib/aarch64-linux-gnu", library), "");
        }
        int legacyBase = 512;
        foreach ((int number, string label) in chips)
        {
            File.WriteAllText(Path.Combine(root, $"dev/gpiochip{number}"), "");
            string device = Path.Combine(root, $"sys/bus/gpio/devices/gpiochip{number}");
            Directory.CreateDirectory(device);
            if (!legacyLabels)
            {
                File.WriteAllText(Path.Combine(device, "label"), label + "\n");
                continue;
            }
            string legacy = Path.Combine(root, $"sys/class/gpio/gpiochip{legacyBase}");
            Directory.CreateDirectory(legacy);
            File.WriteAllText(Path.Combine(legacy, "label"), label + "\n");
            Directory.CreateSymbolicLink(Path.Combine(legacy, "device"), $"../../../bus/gpio/devices/gpiochip{number}");
            legacyBase += 54;
        }
        return root;
    }

    [Fact]
    public void A_Pi_5_with_only_libgpiod_v2_gets_the_v2_driver_on_the_chip_labelled_pinctrl_rp1()
    {
        string root = Machine("Raspberry Pi 5 Model B Rev 1.0", "libgpiod.so.3.1.1", [(0, "pinctrl-rp1"), (10, "gpio-brcmstb@107d508500"), (13, "rp1_gpio_exp")]);

        GpioBoard board = GpioBoard.Detect(root);

        Assert.Equal(LibgpiodVersion.V2, board.Library);
        Assert.Equal("/usr/lib/aarch64-linux-gnu/libgpiod.so.3.1.1", board.LibraryPath);
        Assert.Equal((0, "/dev/gpiochip0, labelled pinctrl-rp1: the 40-pin header"), board.ChooseChip(-1));
        Assert.Equal("Raspberry Pi 5 Model B Rev 1.0; libgpiod v2 (/usr/lib/aarch64-linux-gnu/libgpiod.so.3.1.1); chip /dev/gpiochip0, labelled pinctrl-rp1: the 40-pin header",
            board.Describe(-1));
    }

    [Fact]
    public void A_Pi_5_on_an_early_kernel_has_its_header_at_gpiochip4_found_through_the_legacy_labels()
    {
        string root = Machine("Raspberry Pi 5 Model B Rev 1.0", "libgpiod.so.2.2.2",
            [(0, "gpio-brcmstb@107d508500"), (1, "gpio-brcmstb@107d508520"), (4, "pinctrl-rp1")], legacyLabels: true);

        GpioBoard board = GpioBoard.Detect(root);

        Assert.Equal(LibgpiodVersion.V1, board.Library);
        Assert.Equal(4, board.ChooseChip(-1).Chip);
        Assert.Equal("pinctrl-rp1", board.HeaderLabel);
    }

    [Fact]
    public void A_Pi_4_gets_the_v1_driver_on_pinctrl_bcm2711_and_a_configured_chip_wins()
    {
        string root = Machine("Raspberry Pi 4 Model B Rev 1.5", "libgpiod.so.2", [(0, "pinctrl-bcm2711"), (1, "raspberrypi-exp-gpio")]);

        GpioBoard board = GpioBoard.Detect(root);

        Assert.Equal(LibgpiodVersion.V1, board.Library);
        Assert.Equal(0, board.ChooseChip(-1).Chip);
        Assert.Equal((1, "/dev/gpiochip1 (Gpio:Chip)"), board.ChooseChip(1));
    }

    [Fact]
    public void A_machine_without_gpio_or_libgpiod_says_so()
    {
        GpioBoard board = GpioBoard.Detect(Machine(null, null, []));

        Assert.Equal(LibgpiodVersion.None, board.Library);
        Assert.Null(board.HeaderChip);
        Assert.Contains("no libgpiod installed", board.Describe(-1));
        Assert.Contains("this machine has no GPIO chips", board.Describe(-1));
    }

    [Fact]
    public void Chips_none_of_which_is_a_Pi_header_fall_back_to_chip_0_and_say_to_set_it()
    {
        GpioBoard board = GpioBoard.Detect(Machine("Some SBC", "libgpiod.so.3", [(0, "gpio-mockup-A"), (1, "gpio-mockup-B")]));

        (int chip, string why) = board.ChooseChip(-1);

        Assert.Equal(0, chip);
        Assert.Contains("no chip is labelled as a Raspberry Pi header (gpiochip0 (gpio-mockup-A), gpiochip1 (gpio-mockup-B)); set Gpio:Chip", why);
    }
}
