// The torchrun bootstrap on loopback: rank 0 hands its bytes to every other rank whichever starts first; a
// port already taken, a rank 0 that never comes, and a missing rank each end in a one-line error in time.
using System.Net;
using System.Net.Sockets;
using Rho1.Distributed;

namespace Rho1.Tests.Distributed;

public class TcpRendezvousTests
{
    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, true)] // the other ranks start before rank 0 listens: they retry
    public void Every_rank_receives_rank_0s_bytes(int size, bool rank0Late)
    {
        int port = FreePort();
        var id = Enumerable.Range(0, NcclLibrary.UniqueIdBytes).Select(i => (byte)(i * 13 + 1)).ToArray();
        var received = new byte[size][];
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                if (rank == 0 && rank0Late) Thread.Sleep(500);
                received[rank] = TcpRendezvous.Exchange(rank, size, "127.0.0.1", port, rank == 0 ? id : new byte[id.Length], TimeSpan.FromSeconds(20));
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));
        Assert.Empty(errors);
        Assert.All(received, r => Assert.Equal(id, r));
    }

    [Fact]
    public void A_port_in_use_is_refused_by_name()
    {
        var holder = new TcpListener(IPAddress.Any, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;
        try
        {
            var e = Assert.Throws<UserErrorException>(() => TcpRendezvous.Exchange(0, 2, "127.0.0.1", port, new byte[8], TimeSpan.FromSeconds(5)));
            Assert.Equal($"MASTER_PORT {port} is already in use on this host: choose a free port (torchrun --master-port) or stop the process that holds it", e.Message);
        }
        finally
        {
            holder.Stop();
        }
    }

    [Fact]
    public void A_rank_gives_up_on_an_absent_rank_0_and_rank_0_on_an_absent_rank()
    {
        var e = Assert.Throws<TimeoutException>(() => TcpRendezvous.Exchange(1, 2, "127.0.0.1", FreePort(), new byte[8], TimeSpan.FromSeconds(1)));
        Assert.Contains("rank 1: rank 0 at 127.0.0.1:", e.Message);
        var missing = Assert.Throws<TimeoutException>(() => TcpRendezvous.Exchange(0, 3, "127.0.0.1", FreePort(), new byte[8], TimeSpan.FromSeconds(1)));
        Assert.Contains("1 of 3 ranks arrived", missing.Message);
        Assert.Contains("missing: 1, 2", missing.Message);
    }
}
