// How the ranks of a job share an evaluation: batch b (in the order one process would run them) is rank b mod N's;
// each rank fills its own entries of a result array, and the arrays are combined over ranks so that every entry
// comes from exactly one rank (a sum with zeros, x + 0 = x; texts gathered), giving every rank the results one
// process computes, bit for bit. No rank waits while another evaluates alone.
using System.Text;
using Rho1.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Evaluation;

public sealed class EvalShares(ICollectives world)
{
    /// <summary>One process: every batch is its own, combining does nothing.</summary>
    public static readonly EvalShares Single = new(SingleProcess.Instance);

    public int Rank => world.Rank;
    public int Size => world.Size;

    /// <summary>Whether batch <paramref name="batch"/> (0-based, in one process's order) is this rank's to run.</summary>
    public bool Mine(int batch) => world.Size == 1 || batch % world.Size == world.Rank;

    /// <summary>Every rank's entries of <paramref name="values"/> (zero where another rank's), combined in place.</summary>
    public void Combine(double[] values)
    {
        if (world.Size == 1 || values.Length == 0) return;
        world.Barrier(); // without a deadline: the shares are uneven (a rank's last batch, a slow device), the combining is not
        using var t = torch.tensor(values, ScalarType.Float64);
        world.AllReduceSum(t);
        t.data<double>().CopyTo(values, 0);
    }

    /// <summary>Every rank's texts (null where another rank's), combined in place; one rank holds each entry.</summary>
    public void Combine(string?[] texts)
    {
        if (world.Size == 1 || texts.Length == 0) return;
        world.Barrier(); // as above
        // (index, byte count, UTF-8 bytes) per own entry, padded to the longest rank's: all-gather needs one shape.
        var own = new MemoryStream();
        using (var writer = new BinaryWriter(own, Encoding.UTF8, leaveOpen: true))
            for (int i = 0; i < texts.Length; i++)
                if (texts[i] is { } text)
                {
                    byte[] bytes = Encoding.UTF8.GetBytes(text);
                    writer.Write(i);
                    writer.Write(bytes.Length);
                    writer.Write(bytes);
                }
        using var length = torch.tensor(new[] { own.Length }, ScalarType.Int64);
        using var lengths = world.AllGather(length);
        long[] sizes = lengths.data<long>().ToArray();
        long longest = Math.Max(1, sizes.Max());
        byte[] padded = new byte[longest];
        own.ToArray().CopyTo(padded, 0);
        using var mine = torch.tensor(padded, ScalarType.Byte);
        using var all = world.AllGather(mine);
        byte[] gathered = all.data<byte>().ToArray();
        for (int r = 0; r < world.Size; r++)
        {
            using var reader = new BinaryReader(new MemoryStream(gathered, (int)(r * longest), (int)sizes[r]), Encoding.UTF8);
            while (reader.BaseStream.Position < sizes[r])
            {
                int index = reader.ReadInt32();
                texts[index] = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
            }
        }
    }
}
