using System.Device.I2c;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A fake I2C device (the hardware boundary): a PCF8574 backpack with an HD44780 16x2 LCD behind it, as the common
/// modules are wired (P0 RS, P1 RW, P2 E, P3 backlight, P4-P7 data). It decodes what the driver sends, nibble by
/// nibble on each falling edge of E, into the characters the LCD would show, so a test checks the picture, not the bytes.
/// </summary>
internal sealed class FakeCharacterLcd() : I2cSimulatedDeviceBase(new I2cConnectionSettings(1, 0x27))
{
    private readonly char[] _memory = new string(' ', 128).ToCharArray();
    private byte _port = 0xFF;
    private int? _highNibble;
    private bool _fourBit;
    private int _address;

    /// <summary>Fails every transfer while true, as an unplugged display does.</summary>
    public bool Unplugged { get; set; }

    /// <summary>Whether the backlight pin is high.</summary>
    public bool Backlight => (_port & 0x08) != 0;

    /// <summary>The two lines as the LCD shows them.</summary>
    public string[] Lines => [new string(_memory, 0x00, 16), new string(_memory, 0x40, 16)];

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Unplugged) throw new IOException("Error 121 (Remote I/O error) writing to the I2C device (the display is unplugged)");
        foreach (byte b in buffer) Latch(b);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Read(Span<byte> buffer)
    {
        if (Unplugged) throw new IOException("Error 121 (Remote I/O error) reading the I2C device (the display is unplugged)");
        buffer.Fill(_port);
    }

    // The expander has no registers: a write-then-read is a write and a read of the port.
    public override void WriteRead(byte[] inputBuffer, byte[] outputBuffer)
    {
        Write(inputBuffer);
        Read(outputBuffer);
    }

    public override byte ReadByte() => Unplugged ? throw new IOException("Error 121 (Remote I/O error)") : _port;

    private void Latch(byte next)
    {
        bool enableFell = (_port & 0x04) != 0 && (next & 0x04) == 0;
        bool registerSelect = (next & 0x01) != 0, reading = (next & 0x02) != 0;
        _port = next;
        if (!enableFell || reading) return;
        int nibble = next >> 4;
        if (!_fourBit)
        {
            // At power-up the controller is in 8-bit mode and reads each pulse as a whole instruction on D4-D7, until
            // a function set without the 8-bit flag (0x2X) switches it to nibbles, as the HD44780 datasheet describes.
            if (!registerSelect && nibble == 0x2) _fourBit = true;
            return;
        }
        if (_highNibble is not int high)
        {
            _highNibble = nibble;
            return;
        }
        _highNibble = null;
        byte value = (byte)(high << 4 | nibble);
        if (registerSelect)
        {
            _memory[_address & 0x7F] = (char)value;
            _address++;
        }
        else if (value == 0x01)
        {
            Array.Fill(_memory, ' ');
            _address = 0;
        }
        else if (value is 0x02 or 0x03)
        {
            _address = 0;
        }
        else if ((value & 0x80) != 0)
        {
            _address = value & 0x7F;
        }
    }
}
