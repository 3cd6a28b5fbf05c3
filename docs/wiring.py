# Draws docs/wiring.svg: the 40-pin header with the parts the device drives and reads.
names = {1:"3V3",2:"5V",3:"GPIO2 SDA",4:"5V",5:"GPIO3 SCL",6:"GND",7:"GPIO4",8:"GPIO14",9:"GND",10:"GPIO15",11:"GPIO17",12:"GPIO18 PWM0",
13:"GPIO27",14:"GND",15:"GPIO22",16:"GPIO23",17:"3V3",18:"GPIO24",19:"GPIO10",20:"GND",21:"GPIO9",22:"GPIO25",23:"GPIO11",24:"GPIO8",
25:"GND",26:"GPIO7",27:"ID_SD",28:"ID_SC",29:"GPIO5",30:"GND",31:"GPIO6",32:"GPIO12",33:"GPIO13",34:"GND",35:"GPIO19",36:"GPIO16",
37:"GPIO26",38:"GPIO20",39:"GND",40:"GPIO21"}
W, H = 1280, 900
hx, top, step = 620, 120, 20
def pin_xy(n):
    return (hx if n % 2 else hx + 40, top + ((n - 1) // 2) * step)
wires, labels, boxes = [], [], []
def part(x, y, w, h, title, lines, color):
    boxes.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" fill="{color}" stroke="#333"/>')
    boxes.append(f'<text x="{x+10}" y="{y+20}" font-weight="bold" font-size="14">{title}</text>')
    for i, line in enumerate(lines): boxes.append(f'<text x="{x+10}" y="{y+40+i*16}">{line}</text>')
def wire(n, channel, points, color, text=None, text_at=None):
    x, y = pin_xy(n)
    path = [(x, y), (channel, y)] + points
    wires.append('<polyline points="' + ' '.join(f'{a},{b}' for a, b in path) + f'" fill="none" stroke="{color}" stroke-width="2.5" stroke-linejoin="round"/>')
    if text:
        tx, ty = text_at
        labels.append(f'<text x="{tx}" y="{ty}" text-anchor="middle" font-weight="bold" fill="{color}" stroke="white" stroke-width="4" paint-order="stroke">{text}</text>')
LX, RX = 300, 960  # the boxes' inner edges
# Left: LED, active buzzer, button (GND from the left column)
part(20, 200, 280, 90, "LED", ["Outputs: Type Led, Pin 17", "GPIO 17 (pin 11) → 330 Ω → anode (long leg)", "cathode → GND (pin 9)"], "#fff3d6")
wire(11, 420, [(420, 235), (LX, 235)], "#c60", "330 Ω", (350, 229))
wire(9, 440, [(440, 265), (LX, 265)], "#000", "GND", (350, 259))
part(20, 330, 280, 90, "Active buzzer", ["Outputs: Type ActiveBuzzer, Pin 27", "GPIO 27 (pin 13) → buzzer + ; − → GND (pin 25)", "over ~15 mA: NPN (2N2222), 1 kΩ to the base"], "#ffe6e6")
wire(13, 400, [(400, 365), (LX, 365)], "#c00", "+", (350, 359))
wire(25, 460, [(460, 395), (LX, 395)], "#000", "GND", (350, 389))
part(20, 460, 280, 90, "Push button", ["Inputs: Button: Pin 22", "GPIO 22 (pin 15) → button → GND (pin 39)", "no resistor: the pin's own pull-up"], "#e9f7e9")
wire(15, 380, [(380, 495), (LX, 495)], "#080", "button", (345, 489))
wire(39, 470, [(470, 525), (LX, 525)], "#000", "GND", (350, 519))
# Right: PIR, passive buzzer, LCD
part(RX, 80, 300, 100, "PIR sensor HC-SR501", ["Inputs: MotionSensor: Pin 23", "VCC 5 V (pin 2), GND (pin 6)", "OUT → GPIO 23 (pin 16); OUT is 3.3 V"], "#f3e9ff")
wire(2, 830, [(830, 105), (RX, 105)], "#d00", "5 V", (900, 99))
wire(6, 845, [(845, 130), (RX, 130)], "#000", "GND", (905, 124))
wire(16, 860, [(860, 160), (RX, 160)], "#609", "OUT", (915, 154))
part(RX, 220, 300, 90, "Passive buzzer (a tone)", ["Outputs: Type PassiveBuzzer, PWM 0/0", "GPIO 18 (pin 12) → 100 Ω → buzzer → GND (14)", "needs dtoverlay=pwm in /boot/firmware/config.txt"], "#ffe6e6")
wire(12, 875, [(875, 250), (RX, 250)], "#c00", "100 Ω", (920, 244))
wire(14, 890, [(890, 280), (RX, 280)], "#000", "GND", (930, 274))
part(RX, 460, 300, 110, "16x2 LCD + PCF8574 (I2C)", ["Display: Type Lcd1602, Bus 1, Address 39", "VCC 5 V (pin 4), GND (pin 20)", "SDA GPIO 2 (pin 3), SCL GPIO 3 (pin 5)", "at 5 V: remove the backpack's pull-ups"], "#e8f0ff")
wire(4, 905, [(905, 480), (RX, 480)], "#d00", "5 V", (935, 474))
wire(20, 920, [(920, 505), (RX, 505)], "#000", "GND", (940, 499))
wire(3, 598, [(598, 560), (940, 560), (940, 530), (RX, 530)], "#06c", "SDA", (760, 554))
wire(5, 590, [(590, 590), (950, 590), (950, 550), (RX, 550)], "#09f", "SCL", (760, 584))
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="DejaVu Sans, sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       '<text x="20" y="32" font-size="20" font-weight="bold">EdgeCnn on a Raspberry Pi: the 40-pin header from above (pin 1 top left, at the SD-card end)</text>',
       '<text x="20" y="56" font-size="13">GPIO numbers are BCM numbers, as the settings use them. Every part is optional; the settings in each box switch it on.</text>',
       f'<rect x="{hx-14}" y="{top-14}" width="68" height="{20*step+8}" rx="6" fill="#222"/>']
out += wires
colors = {"GND": "#000", "5V": "#d00", "3V3": "#f80"}
for n in range(1, 41):
    x, y = pin_xy(n)
    out.append(f'<circle cx="{x}" cy="{y}" r="6" fill="{colors.get(names[n], "#4a4")}" stroke="#ddd"/>')
    anchor, tx = ("end", x - 40) if n % 2 else ("start", x + 36)
    out.append(f'<text x="{tx}" y="{y+4}" text-anchor="{anchor}" fill="#333" stroke="white" stroke-width="4" paint-order="stroke">{names[n]} ({n})</text>')
out += labels + boxes
out.append('<text x="20" y="840" font-size="12" fill="#555">Resistors: LED 330 Ω (about 4 mA from 3.3 V); passive buzzer 100 Ω in series; an active buzzer over 15 mA needs an NPN transistor (2N2222, 1 kΩ to the base).</text>')
out.append('<text x="20" y="860" font-size="12" fill="#555">The Pi\'s pins take 3.3 V only: the PIR\'s OUT is 3.3 V; an LCD backpack powered from 5 V has its SDA/SCL pulled up to 5 V unless its pull-ups are removed (or use a level shifter).</text>')
out.append('<text x="20" y="880" font-size="12" fill="#555">Made by docs/wiring.py; rendered with: chromium --headless --screenshot=docs/wiring.png --window-size=1280,900 docs/wiring.svg</text>')
out.append('</svg>')
open('docs/wiring.svg', 'w').write('\n'.join(out))
