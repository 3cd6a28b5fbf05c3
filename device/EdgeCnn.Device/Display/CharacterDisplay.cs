using System.Device.Gpio;
using System.Device.I2c;
using Iot.Device.CharacterLcd;
using Iot.Device.Pcx857x;

namespace EdgeCnn.Device.Display;

/// <summary>
/// A 16x2 character LCD behind a PCF8574 I2C backpack: dotnet/iot's <see cref="Lcd1602"/> over a
/// <see cref="GpioController"/> on the expander (<see cref="Pcf8574"/>), wired as the common backpacks are (P0 RS,
/// P1 RW, P2 E, P3 backlight, P4-P7 data). Owns the I2C device it is given. Writes only the lines that changed:
/// each character costs a dozen bus writes.
/// </summary>
public sealed class CharacterDisplay : IDisposable
{
    private readonly Pcf8574 _expander;
    private readonly GpioController _pins;
    private readonly Lcd1602 _lcd;
    private readonly string?[] _shown = new string?[2];

    /// <summary>Initialises the display, cleared, backlight on.</summary>
    public CharacterDisplay(I2cDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _expander = new Pcf8574(device);
        try
        {
            _pins = new GpioController(_expander);
            _lcd = new Lcd1602(registerSelectPin: 0, enablePin: 2, dataPins: [4, 5, 6, 7], backlightPin: 3, backlightBrightness: 1f,
                readWritePin: 1, controller: _pins, shouldDispose: false);
            _lcd.Clear();
        }
        catch
        {
            _pins?.Dispose();
            _expander.Dispose();
            throw;
        }
    }

    /// <summary>Shows two lines of 16 characters (see <see cref="GlanceText"/>).</summary>
    public void Show(string first, string second)
    {
        Line(0, first);
        Line(1, second);
    }

    private void Line(int row, string text)
    {
        if (_shown[row] == text) return;
        _lcd.SetCursorPosition(0, row);
        _lcd.Write(text);
        _shown[row] = text;
    }

    /// <summary>Clears the display and releases the bus.</summary>
    public void Dispose()
    {
        try
        {
            _lcd.Clear();
        }
        catch (IOException)
        {
            // A display that went away cannot be cleared.
        }
        _lcd.Dispose();
        _pins.Dispose();
        _expander.Dispose();
    }
}
