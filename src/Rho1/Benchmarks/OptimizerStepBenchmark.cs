// Host work of the optimizer step against the number of tensors (issue 35): global-norm clipping, the AdamW update,
// gradient zeroing and the bf16 casts of the weights, for one number of values cut into many tensors or into few,
// each (rows, 64) and decayed. A step issued per tensor grows with the tensor count at equal values; a step over flat
// buffers should not. The casts are made with gradient enabled, as a training forward makes them: a run at a time
// (CastRuns), the tensors taken as layers of LayerTensors matrices lying side by side in the store as a model's block
// does, or with `perTensorCasts` one autograd node per tensor as before runs. With train.zero=2's layout (`--zero 2`)
// the weights are bf16 themselves, so there is no cast; the step adds the micro-batch's reduction into the fp32 sum
// ("reduce") and the update casts the fp32 masters back per bucket. Timed alone, without a model, the counts taking turns; median of the repetitions after two
// warm-ups.
using System.Diagnostics;
using Rho1.Model;
using Rho1.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Rho1.Model.Runtime;

namespace Rho1.Benchmarks;

/// <param name="Parts">Median microseconds of each part: reduce (zero=2 only), clip, update, zero, cast.</param>
/// <param name="StepMedianMicroseconds">Median of reduce + clip + update + zero (the optimizer's part, without the casts).</param>
public sealed record OptimizerStepTiming(int Tensors, long Values, double MedianMicroseconds, IReadOnlyDictionary<string, double> Parts, double StepMedianMicroseconds);

public static class OptimizerStepBenchmark
{
    /// <summary>Columns of every benchmark tensor.</summary>
    public const int Columns = 64;

    /// <summary>Tensors of one benchmark "layer", the unit a run of casts stays within (a decoder block has 7 matrices).</summary>
    public const int LayerTensors = 8;

    /// <summary><paramref name="tensors"/> parameters of (values / tensors / 64, 64) each, gradients set; refused unless that divides.</summary>
    public static List<(string Name, Parameter Param)> Parameters(long values, int tensors, Device device, long seed = 7)
    {
        if (tensors <= 0 || values % ((long)tensors * Columns) != 0)
            throw new UserErrorException($"--values {values} does not split into {tensors} tensors of {Columns} columns");
        var generator = new Generator((ulong)seed);
        long rows = values / tensors / Columns;
        return [.. Enumerable.Range(0, tensors).Select(i =>
        {
            var p = new Parameter(torch.randn([rows, Columns], generator: generator).to(device));
            p.grad = torch.randn([rows, Columns], generator: generator).to(device);
            return ($"w{i}", p);
        })];
    }

    static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>
    /// One timing per entry of <paramref name="tensorCounts"/>, each over the same <paramref name="values"/>; the counts take
    /// turns repetition by repetition, so that the machine's drift and the first configuration's slow start fall on all alike.
    /// </summary>
    /// <param name="zero">0: fp32 weights cast to bf16 (train.zero 0 and 1 alike on one process); 2: bf16 weights over sharded fp32 masters.</param>
    /// <param name="perTensorCasts">Cast each tensor alone (one autograd node each) instead of a run at a time.</param>
    public static IReadOnlyList<OptimizerStepTiming> Run(long values, IReadOnlyList<int> tensorCounts, int repeats, string device, int zero = 0, bool perTensorCasts = false)
    {
        var dev = DeviceSpec.Resolve(device);
        var setups = new List<Setup>();
        try
        {
            foreach (int count in tensorCounts)
                setups.Add(new Setup(values, count, dev, zero, perTensorCasts));
            for (int i = 0; i < repeats + 2; i++)
                foreach (var setup in setups)
                    setup.Step(record: i >= 2);
            return [.. setups.Select(s => s.Timing())];
        }
        finally
        {
            foreach (var setup in setups) setup.Dispose();
        }
    }

    /// <summary>One tensor count's parameters, optimizer and casts, and its timings so far.</summary>
    sealed class Setup : IDisposable
    {
        readonly List<(string Name, Parameter Param)> _named;
        readonly Optimization.AdamW _optimizer;
        readonly ComputeCasts _casts = new() { ComputeType = ScalarType.BFloat16 };
        readonly List<double> _times = [], _steps = [];
        readonly Dictionary<string, List<double>> _parts = new() { ["reduce"] = [], ["clip"] = [], ["update"] = [], ["zero"] = [], ["cast"] = [] };
        readonly int _count;
        readonly long _values;

        public Setup(long values, int count, Device device, int zero, bool perTensorCasts)
        {
            (_values, _count) = (values, count);
            _named = Parameters(values, count, device);
            Tensor? masters = null;
            if (zero == 2)
            {
                masters = Optimization.AdamW.MasterSlice(_named, Distributed.SingleProcess.Instance);
                var fp32 = _named;
                _named = [.. _named.Select(p => (p.Name, new Parameter(p.Param.detach().to(ScalarType.BFloat16))))];
                foreach (var (_, p) in fp32) p.Dispose();
            }
            _optimizer = new Optimization.AdamW(_named, 0.9, 0.95, 1e-8, 0.1, shardOver: masters is null ? null : Distributed.SingleProcess.Instance, masters: masters);
            if (!perTensorCasts)
                _casts.Runs = new CastRuns(_optimizer.Store.Weights, _optimizer.Store.Gradients, _optimizer.Store.OffsetOf,
                    _named.Select(p => (IReadOnlyList<Parameter>)[p.Param]).Chunk(LayerTensors));
        }

        /// <summary>One optimizer step and the casts after it, timed part by part; kept when <paramref name="record"/> (past the warm-ups).</summary>
        public void Step(bool record)
        {
            var watch = Stopwatch.StartNew();
            var lap = new Dictionary<string, double>();
            void Lap(string part) => lap[part] = watch.Elapsed.TotalMicroseconds - lap.Values.Sum();
            using (torch.no_grad())
            {
                _optimizer.AccumulateMicroBatch();
                _optimizer.ReduceGradients(Distributed.SingleProcess.Instance);
                Lap("reduce");
                using var norm = _optimizer.ClipGradients(1.0);
                Lap("clip");
                _optimizer.Update(1e-3);
                Lap("update");
                _optimizer.ZeroGrad();
                Lap("zero");
                _casts.Invalidate();
                using (torch.enable_grad())
                    foreach (var (_, p) in _named) _casts.Of(p);
                norm.item<float>(); // the read waits for the device, as a logged step does (on a CPU, every part is synchronous)
                Lap("cast");
            }
            if (!record) return;
            _times.Add(watch.Elapsed.TotalMicroseconds);
            _steps.Add(lap["reduce"] + lap["clip"] + lap["update"] + lap["zero"]);
            foreach (var (part, t) in lap) _parts[part].Add(t);
        }

        public OptimizerStepTiming Timing() =>
            new(_count, _values, Median(_times), _parts.ToDictionary(kv => kv.Key, kv => Median(kv.Value)), Median(_steps));

        public void Dispose()
        {
            _casts.Dispose();
            _optimizer.Dispose();
            foreach (var (_, p) in _named) { p.grad?.Dispose(); p.Dispose(); }
        }
    }
}
