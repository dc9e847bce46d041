// Builds minimal little-endian ELF64 images with just the sections the version-need patcher reads
// (.dynstr, .dynsym, .gnu.version, .gnu.version_r, .gnu.version_d), so its tests know the exact bytes.
using System.Text;

namespace Rho1.Tests.Build;

public sealed record TinyNeed(string Version, ushort Index, ushort Flags = 0);

public static class TinyElf
{
    public static byte[] Build(
        IReadOnlyList<(string File, TinyNeed[] Needs)> needs,
        IReadOnlyList<(string Name, ushort VersionIndex)> symbols,
        IReadOnlyList<string> defines)
    {
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var offsets = new Dictionary<string, uint>();
        uint Str(string s)
        {
            if (offsets.TryGetValue(s, out uint o)) return o;
            o = (uint)strtab.Length;
            strtab.Write(Encoding.ASCII.GetBytes(s));
            strtab.WriteByte(0);
            offsets[s] = o;
            return o;
        }

        var dynsym = new MemoryStream();
        var versym = new MemoryStream();
        dynsym.Write(new byte[24]);
        versym.Write(new byte[2]);
        foreach (var (name, index) in symbols)
        {
            var entry = new byte[24];
            BitConverter.GetBytes(Str(name)).CopyTo(entry, 0);
            dynsym.Write(entry);
            versym.Write(BitConverter.GetBytes(index));
        }

        var verneed = new MemoryStream();
        for (int f = 0; f < needs.Count; f++)
        {
            var (file, list) = needs[f];
            bool last = f == needs.Count - 1;
            W16(verneed, 1); W16(verneed, (ushort)list.Length); W32(verneed, Str(file)); W32(verneed, 16);
            W32(verneed, last ? 0u : (uint)(16 + 16 * list.Length));
            for (int i = 0; i < list.Length; i++)
            {
                W32(verneed, 0); W16(verneed, list[i].Flags); W16(verneed, list[i].Index);
                W32(verneed, Str(list[i].Version)); W32(verneed, i == list.Length - 1 ? 0u : 16u);
            }
        }

        var verdef = new MemoryStream();
        for (int d = 0; d < defines.Count; d++)
        {
            W16(verdef, 1); W16(verdef, 0); W16(verdef, (ushort)(d + 1)); W16(verdef, 1);
            W32(verdef, 0); W32(verdef, 20); W32(verdef, d == defines.Count - 1 ? 0u : 28u);
            W32(verdef, Str(defines[d])); W32(verdef, 0);
        }

        // Layout: header, then each section body, then the section header table.
        var bodies = new (uint Type, byte[] Data, uint Link, uint Info)[]
        {
            (3, strtab.ToArray(), 0, 0),
            (11, dynsym.ToArray(), 1, 1),
            (0x6fffffff, versym.ToArray(), 2, 0),
            (0x6ffffffe, verneed.ToArray(), 1, (uint)needs.Count),
            (0x6ffffffd, verdef.ToArray(), 1, (uint)defines.Count),
        };
        var image = new MemoryStream();
        image.Write(new byte[64]);
        var placed = new List<(uint Type, long Offset, long Size, uint Link, uint Info)>();
        foreach (var b in bodies)
        {
            while (image.Length % 8 != 0) image.WriteByte(0);
            placed.Add((b.Type, image.Length, b.Data.Length, b.Link, b.Info));
            image.Write(b.Data);
        }
        while (image.Length % 8 != 0) image.WriteByte(0);
        long shoff = image.Length;
        image.Write(new byte[64]); // SHN_UNDEF
        foreach (var s in placed)
        {
            var h = new byte[64];
            BitConverter.GetBytes(s.Type).CopyTo(h, 4);
            BitConverter.GetBytes(s.Offset).CopyTo(h, 24);
            BitConverter.GetBytes(s.Size).CopyTo(h, 32);
            BitConverter.GetBytes(s.Link).CopyTo(h, 40);
            BitConverter.GetBytes(s.Info).CopyTo(h, 44);
            image.Write(h);
        }
        byte[] elf = image.ToArray();
        new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.CopyTo(elf, 0);
        BitConverter.GetBytes(shoff).CopyTo(elf, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(elf, 0x3A);
        BitConverter.GetBytes((ushort)(placed.Count + 1)).CopyTo(elf, 0x3C);
        // Section indices in `Link` above count the null section: .dynstr is 1, .dynsym is 2.
        return elf;
    }

    static void W16(Stream s, ushort v) => s.Write(BitConverter.GetBytes(v));
    static void W32(Stream s, uint v) => s.Write(BitConverter.GetBytes(v));
}
