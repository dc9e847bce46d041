// Marks one ELF version-need entry (e.g. GLIBCXX_3.4.32 of libstdc++.so.6) weak, so that the dynamic
// loader accepts a host library that lacks that version. Only safe when every dynamic symbol bound to the
// version is a pure marker (no code calls through it); the patcher checks that and refuses otherwise.
// Compiled twice: by MSBuild's RoslynCodeTaskFactory (with the task class below) and by the tests
// (which define RHO1_ELF_TESTS and use the pure static part). Not a general ELF editor.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

public enum ElfPatchOutcome { Patched, AlreadyWeak, NotNeeded, Refused }

public sealed class ElfPatchResult
{
    public ElfPatchResult(ElfPatchOutcome outcome, string message) { Outcome = outcome; Message = message; }
    public ElfPatchOutcome Outcome { get; }
    public string Message { get; }
}

public static class ElfVersionNeedPatcher
{
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;
    const ushort VerFlgWeak = 0x2;

    /// <summary>Version names a shared library defines (its .gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public static HashSet<string> DefinedVersions(byte[] elf)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var file = new ElfView(elf);
        foreach (var sec in file.Sections)
        {
            if (sec.Type != ShtGnuVerdef) continue;
            long strtab = file.Sections[(int)sec.Link].Offset;
            long at = sec.Offset;
            for (uint i = 0; i < sec.Info; i++)
            {
                ushort cnt = file.U16(at + 6);
                uint aux = file.U32(at + 12), next = file.U32(at + 16);
                long a = at + aux;
                for (int j = 0; j < cnt; j++)
                {
                    names.Add(file.Str(strtab + file.U32(a)));
                    uint anext = file.U32(a + 4);
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                at += next;
            }
        }
        return names;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the need for <paramref name="version"/> from <paramref name="library"/>, in place,
    /// if every dynamic symbol bound to it is in <paramref name="markerSymbols"/>.
    /// </summary>
    public static ElfPatchResult WeakenNeed(byte[] elf, string library, string version, ISet<string> markerSymbols)
    {
        var file = new ElfView(elf);
        foreach (var sec in file.Sections)
        {
            if (sec.Type != ShtGnuVerneed) continue;
            long strtab = file.Sections[(int)sec.Link].Offset;
            long at = sec.Offset;
            for (uint i = 0; i < sec.Info; i++)
            {
                ushort cnt = file.U16(at + 2);
                string fileName = file.Str(strtab + file.U32(at + 4));
                uint aux = file.U32(at + 8), next = file.U32(at + 12);
                long a = at + aux;
                for (int j = 0; j < cnt && fileName == library; j++)
                {
                    ushort flags = file.U16(a + 4);
                    ushort index = file.U16(a + 6);
                    if (file.Str(strtab + file.U32(a + 8)) == version)
                    {
                        if ((flags & VerFlgWeak) != 0)
                            return new(ElfPatchOutcome.AlreadyWeak, $"{library} {version} is already weak");
                        foreach (string symbol in SymbolsBoundTo(file, index))
                            if (!markerSymbols.Contains(symbol))
                                return new(ElfPatchOutcome.Refused, $"{version} is used by {symbol}, which is not a marker symbol");
                        file.PutU16(a + 4, (ushort)(flags | VerFlgWeak));
                        return new(ElfPatchOutcome.Patched, $"marked {library} {version} weak");
                    }
                    uint anext = file.U32(a + 12);
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                at += next;
            }
        }
        return new(ElfPatchOutcome.NotNeeded, $"no need for {library} {version}");
    }

    static IEnumerable<string> SymbolsBoundTo(ElfView file, ushort versionIndex)
    {
        foreach (var versym in file.Sections)
        {
            if (versym.Type != ShtGnuVersym) continue;
            var dynsym = file.Sections[(int)versym.Link];
            long strtab = file.Sections[(int)dynsym.Link].Offset;
            long count = versym.Size / 2;
            for (long s = 0; s < count; s++)
            {
                if ((file.U16(versym.Offset + 2 * s) & 0x7fff) != versionIndex) continue;
                long sym = dynsym.Offset + s * 24; // Elf64_Sym: st_name is its first word
                yield return file.Str(strtab + file.U32(sym));
            }
        }
    }

    // RoslynCodeTaskFactory compiles against netstandard2.0: no records.
    sealed class Section
    {
        public Section(uint type, long offset, long size, uint link, uint info) { Type = type; Offset = offset; Size = size; Link = link; Info = info; }
        public uint Type { get; }
        public long Offset { get; }
        public long Size { get; }
        public uint Link { get; }
        public uint Info { get; }
    }

    // Little-endian ELF64 reader over a byte array; throws InvalidDataException on anything else.
    sealed class ElfView
    {
        readonly byte[] _b;
        public List<Section> Sections { get; } = new();

        public ElfView(byte[] bytes)
        {
            _b = bytes;
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (bytes[4] != 2 || bytes[5] != 1)
                throw new InvalidDataException("only little-endian ELF64 is supported");
            long shoff = (long)U64(0x28);
            ushort shentsize = U16(0x3A), shnum = U16(0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                Sections.Add(new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), U32(h + 44)));
            }
        }

        void Check(long at, int n)
        {
            if (at < 0 || at + n > _b.Length) throw new InvalidDataException($"ELF offset {at} out of range");
        }
        public ushort U16(long at) { Check(at, 2); return (ushort)(_b[at] | _b[at + 1] << 8); }
        public uint U32(long at) { Check(at, 4); return (uint)(U16(at) | U16(at + 2) << 16); }
        public ulong U64(long at) { Check(at, 8); return U32(at) | (ulong)U32(at + 4) << 32; }
        public void PutU16(long at, ushort v) { Check(at, 2); _b[at] = (byte)v; _b[at + 1] = (byte)(v >> 8); }
        public string Str(long at)
        {
            long end = at;
            while (end < _b.Length && _b[end] != 0) end++;
            Check(at, (int)(end - at));
            return Encoding.ASCII.GetString(_b, (int)at, (int)(end - at));
        }
    }
}

#if !RHO1_ELF_TESTS
/// <summary>MSBuild task: weakens a version need in copies of native libraries in the output folder.</summary>
public sealed class WeakenElfVersionNeed : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
    [Microsoft.Build.Framework.Required] public string Library { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string MarkerSymbols { get; set; } = "";
    /// <summary>Candidate paths of the host's copy of Library; the first that exists is read.</summary>
    [Microsoft.Build.Framework.Required] public string HostLibraryCandidates { get; set; } = "";

    public override bool Execute()
    {
        string? host = null;
        foreach (string c in HostLibraryCandidates.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(c)) { host = c; break; }
        if (host == null)
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"Rho1: no host {Library} found; native libraries left as shipped");
            return true;
        }
        if (ElfVersionNeedPatcher.DefinedVersions(File.ReadAllBytes(host)).Contains(Version))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"Rho1: {host} has {Version}; native libraries left as shipped");
            return true;
        }
        var markers = new HashSet<string>(MarkerSymbols.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            byte[] bytes = File.ReadAllBytes(path);
            var result = ElfVersionNeedPatcher.WeakenNeed(bytes, Library, Version, markers);
            if (result.Outcome == ElfPatchOutcome.Patched)
            {
                // Write a new file and rename it over the old one: never modify a file in place, in case the
                // output copy is a hard link into the NuGet cache.
                string tmp = path + ".rho1-tmp";
                File.WriteAllBytes(tmp, bytes);
                File.Replace(tmp, path, null);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"Rho1: {path}: {result.Message} (host {host} lacks it)");
            }
            else if (result.Outcome == ElfPatchOutcome.Refused)
                Log.LogWarning($"Rho1: {path}: not patched: {result.Message}");
            else
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"Rho1: {path}: {result.Message}");
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
