// MSBuild inline task: see TorchSharpNativeFix.targets for why this exists.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkMissingGlibcxxVersionWeak : Task
{
    // The one version whose only user in libLibTorchSharp.so is _ZSt21ios_base_library_initv.
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    static readonly string[] HostLibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required] public string LibraryPath { get; set; } = "";
    [Output] public string Result { get; set; } = "";

    public override bool Execute()
    {
        string? host = HostLibstdcxxCandidates.FirstOrDefault(File.Exists);
        if (host == null) { Result = "no host libstdc++ found, left as shipped"; return true; }
        if (Contains(File.ReadAllBytes(host), Encoding.ASCII.GetBytes(Version + "\0")))
        { Result = host + " provides " + Version + ", left as shipped"; return true; }

        byte[] elf = File.ReadAllBytes(LibraryPath);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        { Log.LogWarning(LibraryPath + " is not a 64-bit little-endian ELF file; not patched"); return true; }

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int verneed = (int)BitConverter.ToUInt64(elf, sh + 24);
            int verneedCount = (int)BitConverter.ToUInt32(elf, sh + 44);
            int strtabHeader = checked((int)shoff + (int)BitConverter.ToUInt32(elf, sh + 40) * shentsize);
            int strtab = (int)BitConverter.ToUInt64(elf, strtabHeader + 24);

            int vn = verneed;
            for (int n = 0; n < verneedCount; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int vna = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = CString(elf, strtab + (int)BitConverter.ToUInt32(elf, vna + 8));
                    if (name == Version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, vna + 4);
                        if ((flags & VerFlgWeak) != 0) { Result = Version + " already weak"; return true; }
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, vna + 4);
                        File.WriteAllBytes(LibraryPath, elf);
                        Result = "marked " + Version + " weak because " + host + " lacks it";
                        return true;
                    }
                    vna += (int)BitConverter.ToUInt32(elf, vna + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        Result = "no " + Version + " requirement found, left as shipped";
        return true;
    }

    static string CString(byte[] data, int offset)
    {
        int end = Array.IndexOf(data, (byte)0, offset);
        return Encoding.ASCII.GetString(data, offset, end - offset);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
