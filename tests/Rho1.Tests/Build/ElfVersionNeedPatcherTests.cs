// The build's libstdc++ fix: exact flag changes on synthetic ELF images, idempotence, refusal when a real
// function uses the version, and the same on a copy of TorchSharp's shipped native library.

namespace Rho1.Tests.Build;

public class ElfVersionNeedPatcherTests
{
    const string Lib = "libstdc++.so.6";
    const string Marker = "_ZSt21ios_base_library_initv";
    static readonly HashSet<string> Markers = new() { Marker };

    static byte[] Sample(string markerSymbol = Marker, ushort flags = 0) => TinyElf.Build(
        new[]
        {
            ("libc.so.6", new[] { new TinyNeed("GLIBC_2.34", 2) }),
            (Lib, new[] { new TinyNeed("GLIBCXX_3.4.30", 3), new TinyNeed("GLIBCXX_3.4.32", 4, flags), new TinyNeed("CXXABI_1.3.13", 5) }),
        },
        new[] { ("memcpy", (ushort)2), ("_ZNSt6chrono3_V212system_clock3nowEv", (ushort)3), (markerSymbol, (ushort)4) },
        Array.Empty<string>());

    static int FlagsOffset(byte[] elf, byte[] patched)
    {
        int diff = -1;
        for (int i = 0; i < elf.Length; i++)
            if (elf[i] != patched[i])
            {
                Assert.Equal(-1, diff); // exactly one byte changes
                diff = i;
            }
        return diff;
    }

    [Fact]
    public void Patching_sets_only_the_weak_bit_of_the_named_need()
    {
        byte[] original = Sample();
        byte[] patched = (byte[])original.Clone();
        var result = ElfVersionNeedPatcher.WeakenNeed(patched, Lib, "GLIBCXX_3.4.32", Markers);
        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        int at = FlagsOffset(original, patched);
        Assert.True(at > 0);
        Assert.Equal(0, original[at]);
        Assert.Equal(2, patched[at]); // VER_FLG_WEAK
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        byte[] elf = Sample();
        ElfVersionNeedPatcher.WeakenNeed(elf, Lib, "GLIBCXX_3.4.32", Markers);
        byte[] once = (byte[])elf.Clone();
        var second = ElfVersionNeedPatcher.WeakenNeed(elf, Lib, "GLIBCXX_3.4.32", Markers);
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(once, elf);
    }

    [Fact]
    public void A_file_without_the_need_is_left_byte_identical()
    {
        byte[] elf = TinyElf.Build(
            new[] { (Lib, new[] { new TinyNeed("GLIBCXX_3.4.30", 2) }) },
            new[] { ("_ZNSt6chrono3_V212system_clock3nowEv", (ushort)2) },
            Array.Empty<string>());
        byte[] before = (byte[])elf.Clone();
        var result = ElfVersionNeedPatcher.WeakenNeed(elf, Lib, "GLIBCXX_3.4.32", Markers);
        Assert.Equal(ElfPatchOutcome.NotNeeded, result.Outcome);
        Assert.Equal(before, elf);
    }

    [Fact]
    public void A_version_used_by_a_real_function_is_refused_and_untouched()
    {
        byte[] elf = Sample(markerSymbol: "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7reserveEv");
        byte[] before = (byte[])elf.Clone();
        var result = ElfVersionNeedPatcher.WeakenNeed(elf, Lib, "GLIBCXX_3.4.32", Markers);
        Assert.Equal(ElfPatchOutcome.Refused, result.Outcome);
        Assert.Contains("reserve", result.Message);
        Assert.Equal(before, elf);
    }

    [Fact]
    public void Same_version_name_from_another_library_is_not_touched()
    {
        byte[] elf = TinyElf.Build(
            new[] { ("libother.so", new[] { new TinyNeed("GLIBCXX_3.4.32", 2) }) },
            new[] { (Marker, (ushort)2) },
            Array.Empty<string>());
        byte[] before = (byte[])elf.Clone();
        Assert.Equal(ElfPatchOutcome.NotNeeded, ElfVersionNeedPatcher.WeakenNeed(elf, Lib, "GLIBCXX_3.4.32", Markers).Outcome);
        Assert.Equal(before, elf);
    }

    [Fact]
    public void Defined_versions_are_read_from_verdef()
    {
        byte[] elf = TinyElf.Build(Array.Empty<(string, TinyNeed[])>(), Array.Empty<(string, ushort)>(),
            new[] { "libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30" });
        var defined = ElfVersionNeedPatcher.DefinedVersions(elf);
        Assert.Equal(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.30", "libstdc++.so.6" }, defined.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void Not_an_elf_file_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.WeakenNeed(new byte[100], Lib, "GLIBCXX_3.4.32", Markers));
    }

    [SkippableFact]
    public void The_shipped_TorchSharp_library_is_patched_on_a_copy()
    {
        // The NuGet cache holds the unpatched original; read it, never write it.
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string original = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(original), $"{original} is not there (restore placed the package elsewhere); the synthetic tests above still cover the logic");
        byte[] bytes = File.ReadAllBytes(original);
        byte[] before = (byte[])bytes.Clone();
        var result = ElfVersionNeedPatcher.WeakenNeed(bytes, Lib, "GLIBCXX_3.4.32", Markers);
        Assert.Equal(ElfPatchOutcome.Patched, result.Outcome);
        int at = FlagsOffset(before, bytes);
        Assert.Equal(2, bytes[at] & 2);
        Assert.Equal(before, File.ReadAllBytes(original));
    }

    [SkippableFact]
    public void The_host_libstdcxx_is_read_and_the_build_decision_matches_it()
    {
        const string host = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        Skip.IfNot(File.Exists(host), $"{host} is not there: not a Debian-layout x64 host");
        var defined = ElfVersionNeedPatcher.DefinedVersions(File.ReadAllBytes(host));
        Assert.Contains("GLIBCXX_3.4", defined);
        // The copy in this test's output folder must be weak exactly when the host lacks the version.
        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(copy), $"{copy} missing");
        byte[] bytes = File.ReadAllBytes(copy);
        var again = ElfVersionNeedPatcher.WeakenNeed(bytes, Lib, "GLIBCXX_3.4.32", Markers);
        var expected = defined.Contains("GLIBCXX_3.4.32") ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyWeak;
        Assert.Equal(expected, again.Outcome);
    }
}
