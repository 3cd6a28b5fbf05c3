using EdgeCnn.Trainer.Layers;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCnn.Vision;

namespace EdgeCnn.Trainer.Architecture;

/// <summary>A network as a list of layers from the vocabulary: a preset or a user's JSON architecture file.</summary>
internal sealed partial record ArchitectureSpec
{
    public string Name { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>The input this architecture is meant for; <c>--input</c> and the dataset are used when absent.</summary>
    public InputShape? Input { get; init; }

    public LayerSpec[] Layers { get; init; } = [];

    /// <summary>A preset name, or the path of an architecture JSON file.</summary>
    public static ArchitectureSpec Resolve(string nameOrPath)
    {
        if (Presets.TryGet(nameOrPath, out ArchitectureSpec? preset)) return preset;
        if (File.Exists(nameOrPath)) return Load(nameOrPath);
        throw new ArgumentException($"--arch {nameOrPath}: not a preset ({string.Join(", ", Presets.Names)}) and no such architecture file.");
    }

    /// <summary>Reads an architecture file; errors name the file and the layer index.</summary>
    public static ArchitectureSpec Load(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("layers", out JsonElement layers) || layers.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: an architecture file is an object with a \"layers\" array.");
            var parsed = new List<LayerSpec>();
            int index = 0;
            foreach (JsonElement layer in layers.EnumerateArray())
            {
                string where = $"{path}: layers[{index}]";
                if (layer.ValueKind != JsonValueKind.Object || !layer.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{where} needs a \"type\": one of {string.Join(", ", LayerSpec.Types)}.");
                if (!LayerSpec.Types.Contains(type.GetString()))
                    throw new InvalidDataException($"{where}: unknown layer type \"{type.GetString()}\"; supported: {string.Join(", ", LayerSpec.Types)}.");
                try
                {
                    parsed.Add(layer.Deserialize<LayerSpec>(VisionJson.Options)!);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{where} ({type.GetString()}): {e.Message}", e);
                }
                index++;
            }
            InputShape? input = null;
            if (root.TryGetProperty("input", out JsonElement inputElement))
            {
                input = inputElement.Deserialize<InputShape>(VisionJson.Options)
                    ?? throw new InvalidDataException($"{path}: \"input\" must be {{\"channels\": 1, \"height\": 28, \"width\": 28}}.");
            }
            string name = root.TryGetProperty("name", out JsonElement nameElement) && nameElement.ValueKind == JsonValueKind.String
                ? nameElement.GetString()!
                : Path.GetFileNameWithoutExtension(path);
            string? description = root.TryGetProperty("description", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return new ArchitectureSpec { Name = name, Description = description, Input = input, Layers = [.. parsed] }.WithNames(path);
        }
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, VisionJson.Options));

    /// <summary>Gives every unnamed layer the name type_N and checks that names are unique and simple.</summary>
    public ArchitectureSpec WithNames(string source)
    {
        var counts = new Dictionary<string, int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var named = new LayerSpec[Layers.Length];
        for (int i = 0; i < Layers.Length; i++)
        {
            LayerSpec layer = Layers[i];
            int n = counts[layer.Type] = counts.GetValueOrDefault(layer.Type) + 1;
            string name = layer.Name ?? $"{layer.Type}_{n}";
            if (!SimpleName().IsMatch(name))
                throw new InvalidDataException($"{source}: layers[{i}] name \"{name}\" may use only letters, digits, '_' and '-'.");
            if (!seen.Add(name))
                throw new InvalidDataException($"{source}: layers[{i}] name \"{name}\" is used twice; layer names must be unique.");
            named[i] = layer is BranchesLayer branches
                ? branches with { Name = name, Paths = [.. branches.Paths.Select((path, k) => NamePath(path, $"{source}: layers[{i}].paths[{k}]"))] }
                : layer with { Name = name };
        }
        return this with { Layers = named };
    }

    // Names inside a path are its own (conv_1, relu_1, …): the plan puts the block's name and the path's in front.
    private static LayerSpec[] NamePath(LayerSpec[] path, string source)
    {
        if (path.Any(l => l is BranchesLayer)) throw new InvalidDataException($"{source}: branches cannot be nested; put them one after another.");
        return new ArchitectureSpec { Name = "", Layers = path }.WithNames(source).Layers;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SimpleName();
}
