using System.Globalization;
using System.Text;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>A Keras-style text table of a plan: layer, output shape, parameters, MACs, and the totals.</summary>
internal static class SummaryTable
{
    public static string Render(NetworkPlan plan)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = plan.Layers.Select(l => (Layer: $"{l.Name} ({l.Layer.Type})", Shape: l.Output.ToString(), Params: l.Parameters.ToString("N0", c), Macs: l.Macs.ToString("N0", c))).ToList();
        int w1 = Math.Max(20, rows.Max(r => r.Layer.Length)), w2 = Math.Max(16, rows.Max(r => r.Shape.Length));
        int w3 = Math.Max(10, rows.Max(r => r.Params.Length)), w4 = Math.Max(12, rows.Max(r => r.Macs.Length));
        int width = w1 + w2 + w3 + w4 + 6;
        var text = new StringBuilder();
        text.AppendLine(c, $"Model: {plan.Architecture.Name}   input {plan.Input}   {plan.Classes} classes");
        text.AppendLine(new string('=', width));
        text.AppendLine(c, $"{"Layer (type)".PadRight(w1)}  {"Output shape".PadRight(w2)}  {"Params".PadLeft(w3)}  {"MACs".PadLeft(w4)}");
        text.AppendLine(new string('=', width));
        foreach (var r in rows) text.AppendLine(c, $"{r.Layer.PadRight(w1)}  {r.Shape.PadRight(w2)}  {r.Params.PadLeft(w3)}  {r.Macs.PadLeft(w4)}");
        text.AppendLine(new string('=', width));
        text.AppendLine(c, $"Total params: {plan.Parameters:N0} ({plan.Parameters * 4 / 1024.0:F1} KiB as float32)");
        text.AppendLine(c, $"Total MACs per image: {plan.Macs:N0}");
        return text.ToString();
    }
}
