// A job of N ranks as N threads of one test process, for collectives without MPI: each collective posts every rank's
// tensor, waits for all, and each rank computes the result from the posts in rank order (so every rank gets the same
// bits, as a deterministic reduction would). Run(n, body) starts the ranks and rethrows the first failure.
using Rho1.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Rho1.Tests.Distributed;

public sealed class ThreadedWorld
{
    readonly Barrier _barrier;
    readonly Tensor?[] _posts;

    ThreadedWorld(int size) => (_barrier, _posts) = (new Barrier(size), new Tensor?[size]);

    /// <summary>Runs <paramref name="body"/> once per rank, each on its own thread with its own ICollectives.</summary>
    public static void Run(int size, Action<ICollectives> body)
    {
        var world = new ThreadedWorld(size);
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { body(new Member(world, r)); }
            catch (Exception e) { errors[r] = e; world._barrier.RemoveParticipant(); } // the others fail at their next collective, not hang
        }, 16 << 20)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (errors.FirstOrDefault(e => e is not null) is { } first) throw new AggregateException(first);
    }

    /// <summary>Every rank's <paramref name="mine"/> (copied), in rank order; each rank may read them until the next collective.</summary>
    Tensor[] Exchange(int rank, Tensor mine)
    {
        _posts[rank] = mine.detach().clone();
        Wait();
        var all = _posts.Select(t => t?.clone() ?? throw new InvalidOperationException("a rank left the job")).ToArray();
        Wait(); // nobody posts the next collective's tensor before all have read this one's
        return all;
    }

    void Wait()
    {
        if (_barrier.ParticipantCount < _posts.Length || !_barrier.SignalAndWait(TimeSpan.FromMinutes(2)))
            throw new TimeoutException("a rank left the job or never reached the collective");
    }

    static Tensor SumInRankOrder(Tensor[] all)
    {
        var sum = all[0].clone();
        foreach (var t in all.Skip(1)) sum.add_(t);
        return sum;
    }

    sealed class Member(ThreadedWorld world, int rank) : ICollectives
    {
        public int Rank => rank;
        public int Size => world._posts.Length;
        public string Backend => "threads";

        public void AllReduceSum(Tensor tensor)
        {
            using var scope = torch.NewDisposeScope();
            tensor.copy_(SumInRankOrder(world.Exchange(rank, tensor)));
        }

        public void ReduceScatterSum(Tensor input, Tensor output)
        {
            using var scope = torch.NewDisposeScope();
            output.copy_(SumInRankOrder(world.Exchange(rank, input)).view(Size, -1)[rank].view(output.shape));
        }

        public Tensor AllGather(Tensor tensor)
        {
            using var scope = torch.NewDisposeScope();
            return torch.cat(world.Exchange(rank, tensor), 0).MoveToOuterDisposeScope();
        }

        public void Broadcast(Tensor tensor, int root)
        {
            using var scope = torch.NewDisposeScope();
            tensor.copy_(world.Exchange(rank, tensor)[root]);
        }

        public void Barrier() => world.Wait();
        public void Abort(int exitCode) => world._barrier.RemoveParticipant();
        public void Dispose() { }
    }
}
