// The bootstrap of a torchrun-launched job: rank 0 hands a small blob (NCCL's unique id) to every other rank
// over one TCP connection each, at MASTER_ADDR:MASTER_PORT, as torch.distributed's store does. Only this
// hand-over uses sockets; the collectives themselves are NCCL's. A rank that cannot reach rank 0, or a rank 0
// that does not hear from every rank, gives up after the timeout instead of waiting forever.
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rho1.Distributed;

public static class TcpRendezvous
{
    const uint Magic = 0x52484F31; // "RHO1": a stray connection (a port scanner, another job) is not taken for a rank

    /// <summary>
    /// Rank 0: listens on <paramref name="port"/>, sends <paramref name="payload"/> to the other <paramref name="size"/> − 1 ranks
    /// and returns it. Other ranks: connect to <paramref name="host"/>:<paramref name="port"/> (retrying while rank 0 starts) and
    /// return what it sends.
    /// </summary>
    public static byte[] Exchange(int rank, int size, string host, int port, byte[] payload, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        return rank == 0 ? Serve(size, port, payload, deadline, timeout) : Fetch(rank, host, port, payload.Length, deadline, timeout);
    }

    static byte[] Serve(int size, int port, byte[] payload, DateTime deadline, TimeSpan timeout)
    {
        var listener = new TcpListener(IPAddress.Any, port);
        try
        {
            listener.Start(size);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new UserErrorException($"MASTER_PORT {port} is already in use on this host: choose a free port (torchrun --master-port) " +
                "or stop the process that holds it");
        }
        try
        {
            var seen = new HashSet<int>();
            while (seen.Count < size - 1)
            {
                var accept = listener.AcceptTcpClientAsync();
                if (!accept.Wait(Remaining(deadline)))
                    throw new TimeoutException($"rendezvous on port {port}: {seen.Count + 1} of {size} ranks arrived within {timeout.TotalSeconds:F0} s " +
                        $"(missing: {string.Join(", ", Enumerable.Range(1, size - 1).Where(r => !seen.Contains(r)))})");
                using var client = accept.Result;
                client.ReceiveTimeout = client.SendTimeout = (int)Remaining(deadline).TotalMilliseconds + 1;
                var stream = client.GetStream();
                var hello = new byte[8];
                if (!TryReadExactly(stream, hello) || BinaryPrimitives.ReadUInt32LittleEndian(hello) != Magic)
                    continue; // not one of ours
                int peer = BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(4));
                if (peer <= 0 || peer >= size || !seen.Add(peer))
                    throw new InvalidOperationException($"rendezvous on port {port}: a process says it is rank {peer} of {size} (twice, or out of range): " +
                        "two jobs share MASTER_ADDR:MASTER_PORT?");
                stream.Write(payload);
            }
            return payload;
        }
        finally
        {
            listener.Stop();
        }
    }

    static byte[] Fetch(int rank, string host, int port, int length, DateTime deadline, TimeSpan timeout)
    {
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                if (!client.ConnectAsync(host, port).Wait(Remaining(deadline)))
                    throw new SocketException((int)SocketError.TimedOut);
                client.ReceiveTimeout = client.SendTimeout = (int)Remaining(deadline).TotalMilliseconds + 1;
                var stream = client.GetStream();
                var hello = new byte[8];
                BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
                BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(4), rank);
                stream.Write(hello);
                var payload = new byte[length];
                if (TryReadExactly(stream, payload)) return payload;
            }
            catch (Exception e) when (e is SocketException or IOException or AggregateException)
            {
                // rank 0 is not listening yet: retry until the deadline
            }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"rank {rank}: rank 0 at {host}:{port} did not answer within {timeout.TotalSeconds:F0} s (MASTER_ADDR/MASTER_PORT wrong, or rank 0 failed)");
            Thread.Sleep(100);
        }
    }

    static bool TryReadExactly(Stream stream, byte[] buffer)
    {
        try
        {
            stream.ReadExactly(buffer);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    static TimeSpan Remaining(DateTime deadline) => deadline - DateTime.UtcNow is { Ticks: > 0 } left ? left : TimeSpan.Zero;
}
