// Reads the scalars of a run's TensorBoard event files (TFRecord framing: length, its CRC, an Event
// protobuf, its CRC) with TorchSharp's generated Event type, to compare runs.
using Google.Protobuf;

namespace Rho1.Tests.Training;

static class TensorBoardEvents
{
    /// <summary>Every scalar logged under runDir/tensorboard as (tag, step, value), in file order.</summary>
    public static List<(string Tag, long Step, float Value)> Scalars(string runDir)
    {
        var scalars = new List<(string, long, float)>();
        foreach (string file in Directory.GetFiles(Path.Combine(runDir, "tensorboard"), "events.out.tfevents.*").Order())
        {
            using var reader = new BinaryReader(File.OpenRead(file));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                long length = (long)reader.ReadUInt64();
                reader.ReadUInt32(); // masked CRC of the length
                var e = Tensorboard.Event.Parser.ParseFrom(reader.ReadBytes((int)length));
                reader.ReadUInt32(); // masked CRC of the data
                if (e.Summary is null) continue;
                foreach (var v in e.Summary.Value)
                    scalars.Add((v.Tag, e.Step, v.SimpleValue));
            }
        }
        return scalars;
    }
}
