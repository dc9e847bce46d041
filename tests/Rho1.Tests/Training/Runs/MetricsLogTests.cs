// metrics.jsonl across faults and resumes: a non-finite value is written as null (JSON has no NaN) and never
// becomes a "last" value; resuming cuts the file back to the checkpoint's step, dropping a line torn by a kill.
using System.Text.Json.Nodes;
using Rho1.Training.Runs;

namespace Rho1.Tests.Training.Runs;

public class MetricsLogTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rho1-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Non_finite_values_are_written_as_null_and_last_keeps_the_last_finite_one()
    {
        using (var log = new MetricsLog(_dir, 0, tensorboard: false))
        {
            log.Write(new JsonObject { ["step"] = 1, ["loss"] = 2.5, ["grad_norm"] = 1.5f });
            log.Write(new JsonObject { ["step"] = 2, ["loss"] = double.NaN, ["grad_norm"] = float.PositiveInfinity });
            Assert.Equal(2.5, log.Last("loss"));
            Assert.Equal(1.5, log.Last("grad_norm"));
            Assert.Null(log.Last("val_loss"));
        }
        Assert.Equal(new[] { "{\"step\":1,\"loss\":2.5,\"grad_norm\":1.5}", "{\"step\":2,\"loss\":null,\"grad_norm\":null}" },
            File.ReadAllLines(Path.Combine(_dir, "metrics.jsonl")));
    }

    [Fact]
    public void Resuming_cuts_back_to_the_step_and_drops_a_torn_line()
    {
        string path = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllText(path, "{\"step\":2,\"loss\":3.0}\n{\"step\":4,\"loss\":2.0}\n{\"step\":4,\"val_loss\":2.25}\n{\"step\":6,\"loss\":1.0}\n{\"step\":8,\"lo");
        using (var log = new MetricsLog(_dir, resumedStep: 4, tensorboard: false))
        {
            Assert.Equal(2.0, log.Last("loss"));
            Assert.Equal(2.25, log.Last("val_loss"));
            log.Write(new JsonObject { ["step"] = 6, ["loss"] = 1.5 });
        }
        Assert.Equal(new[] { "{\"step\":2,\"loss\":3.0}", "{\"step\":4,\"loss\":2.0}", "{\"step\":4,\"val_loss\":2.25}", "{\"step\":6,\"loss\":1.5}" },
            File.ReadAllLines(path));
    }
}
