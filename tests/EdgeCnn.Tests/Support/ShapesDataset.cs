using OpenCvSharp;

namespace EdgeCnn.Tests.Support;

/// <summary>
/// A small, learnable image dataset the tests draw themselves: filled circles, squares and triangles of random
/// size, position and brightness on a dark noisy background, as PNG files in root/&lt;class&gt;/.
/// </summary>
public static class ShapesDataset
{
    public static readonly string[] Classes = ["circle", "square", "triangle"];

    public static void Write(string root, int perClass, int size = 28, int seed = 7, bool colour = false)
    {
        var random = new Random(seed);
        for (int c = 0; c < Classes.Length; c++)
        {
            string folder = Path.Combine(root, Classes[c]);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < perClass; i++)
            {
                using Mat image = Draw(c, size, random, colour);
                Cv2.ImWrite(Path.Combine(folder, $"{i:D4}.png"), image);
            }
        }
    }

    public static Mat Draw(int shape, int size, Random random, bool colour = false)
    {
        var image = new Mat(size, size, colour ? MatType.CV_8UC3 : MatType.CV_8UC1);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(40));
        int r = random.Next(size / 5, size / 3);
        int cx = random.Next(r + 1, size - r - 1), cy = random.Next(r + 1, size - r - 1);
        Scalar ink = colour ? new Scalar(random.Next(150, 256), random.Next(150, 256), random.Next(150, 256)) : Scalar.All(random.Next(150, 256));
        switch (shape)
        {
            case 0:
                Cv2.Circle(image, new Point(cx, cy), r, ink, -1);
                break;
            case 1:
                Cv2.Rectangle(image, new Rect(cx - r, cy - r, 2 * r, 2 * r), ink, -1);
                break;
            default:
                Cv2.FillConvexPoly(image, [new Point(cx, cy - r), new Point(cx - r, cy + r), new Point(cx + r, cy + r)], ink);
                break;
        }
        return image;
    }
}
