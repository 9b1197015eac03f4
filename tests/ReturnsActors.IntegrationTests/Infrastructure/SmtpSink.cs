using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A real SMTP server (the SmtpServer package) on 127.0.0.1 that keeps what it accepts, after refusing the first few.</summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public AcceptingStore Store { get; private init; } = null!;

    public static SmtpSink Start(int port, int rejectFirst = 0)
    {
        var sink = new SmtpSink { Store = new AcceptingStore { RejectFirst = rejectFirst } };
        var provider = new SmtpServer.ComponentModel.ServiceProvider();
        provider.Add(sink.Store);
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, port))).Build();
        sink._running = new SmtpServer.SmtpServer(options, provider).StartAsync(sink._stop.Token);
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    internal static int FreePort() => TestEnvironment.FreeTcpPort();

    internal sealed class AcceptingStore : MessageStore
    {
        private int _seen;

        public int RejectFirst { get; init; }
        public int Rejected => Math.Min(Volatile.Read(ref _seen), RejectFirst);
        public ConcurrentQueue<MimeMessage> Messages { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _seen) <= RejectFirst)
            {
                return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "try again later");
            }

            using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
