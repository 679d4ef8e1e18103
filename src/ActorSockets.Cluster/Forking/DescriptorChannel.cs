using System.Buffers.Binary;
using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ActorSockets.Forking;

/// <summary>
/// One end of a connected Unix stream socket that carries framed messages and, with some of
/// them, a file descriptor (<c>sendmsg</c>/<c>recvmsg</c> with <c>SCM_RIGHTS</c>, P/Invoke into
/// libc; Linux x64 layouts: <c>struct msghdr</c> 56 bytes, <c>struct cmsghdr</c> 16). The socket
/// stays blocking: <see cref="Receive"/> blocks and belongs on a thread of its own; <see cref="Send"/>
/// may be called from any thread (one sender at a time, under a lock) and blocks at most
/// <see cref="SendTimeout"/> when the peer stops reading, then fails.
/// <para>A frame is <c>[u32 length][u16 version][u8 type][payload]</c>, little-endian; a frame
/// sent with a descriptor has the descriptor attached to its bytes. Descriptors are queued as they
/// arrive and handed out in order, so each frame that carries one gets its own.</para>
/// </summary>
internal sealed class DescriptorChannel : IDisposable
{
    /// <summary>A frame whose length is past this is a broken peer, not a message.</summary>
    public const int MaxFrame = 1 << 20;

    /// <summary>How long a send may wait for a peer that does not read.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private const int HeaderSize = 7;
    private const int SolSocket = 1, ScmRights = 1, MsgCmsgCloexec = 0x40000000, MsgNoSignal = 0x4000, MsgCtrunc = 0x8;
    private const int EINTR = 4;
    private const short PollIn = 0x1;

    private readonly Socket _socket;
    private readonly object _sendLock = new();
    private readonly Queue<int> _descriptors = new();
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private int _disposed;

    public DescriptorChannel(Socket connected)
    {
        _socket = connected;
        _socket.Blocking = true;
        _socket.SendTimeout = (int)SendTimeout.TotalMilliseconds;
    }

    /// <summary>Connects to the Unix socket at <paramref name="path"/>.</summary>
    public static DescriptorChannel Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new DescriptorChannel(socket);
    }

    /// <summary>Sends one frame of <paramref name="type"/>, with <paramref name="descriptor"/>
    /// attached when not null.</summary>
    /// <exception cref="IOException">The peer is gone or did not read for <see cref="SendTimeout"/>.</exception>
    public void Send(byte type, ReadOnlySpan<byte> payload, SafeHandle? descriptor = null)
    {
        if (HeaderSize + payload.Length > MaxFrame) throw new ArgumentException("frame too long", nameof(payload));
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), WireSerializer.Version);
        frame[6] = type;
        payload.CopyTo(frame.AsSpan(HeaderSize));
        lock (_sendLock)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new IOException("the link is closed");
            bool added = false;
            try
            {
                descriptor?.DangerousAddRef(ref added);
                SendAll(frame, descriptor is null ? -1 : (int)descriptor.DangerousGetHandle());
            }
            finally
            {
                if (added) descriptor!.DangerousRelease();
            }
        }
    }

    private unsafe void SendAll(byte[] frame, int fd)
    {
        int sent = 0;
        byte* control = stackalloc byte[24]; // CMSG_SPACE(sizeof(int))
        fixed (byte* data = frame)
        {
            while (sent < frame.Length)
            {
                var iov = new IoVec { Base = (nint)(data + sent), Length = (nuint)(frame.Length - sent) };
                var header = new MsgHdr { Iov = (nint)(&iov), IovLength = 1 };
                if (fd >= 0 && sent == 0)
                {
                    new Span<byte>(control, 24).Clear();
                    *(nuint*)control = 20; // CMSG_LEN(sizeof(int))
                    *(int*)(control + 8) = SolSocket;
                    *(int*)(control + 12) = ScmRights;
                    *(int*)(control + 16) = fd;
                    header.Control = (nint)control;
                    header.ControlLength = 24;
                }
                nint n = sendmsg(Handle, &header, MsgNoSignal);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    throw new IOException($"sending on the link failed: {new Win32Exception(errno).Message}");
                }
                sent += (int)n;
            }
        }
    }

    /// <summary>Blocks for the next frame. Returns false at end of stream (the peer closed or died).</summary>
    /// <param name="carriesDescriptor">Which frame types carry a descriptor.</param>
    /// <param name="version">The sender's wire version: a frame of another version is the caller's to refuse.</param>
    /// <param name="type">The frame's type.</param>
    /// <param name="payload">The frame's payload.</param>
    /// <param name="descriptor">The next descriptor received, when the frame type carries one; else -1.</param>
    public bool Receive(Func<byte, bool> carriesDescriptor, out ushort version, out byte type, out byte[] payload, out int descriptor)
    {
        while (true)
        {
            int available = _end - _start;
            if (available >= 4)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
                if (length < HeaderSize - 4 || length > MaxFrame) throw new IOException($"broken frame on the link (length {length})");
                if (available >= 4 + length)
                {
                    version = BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(_start + 4));
                    type = _buffer[_start + 6];
                    payload = _buffer.AsSpan(_start + HeaderSize, length - (HeaderSize - 4)).ToArray();
                    _start += 4 + length;
                    descriptor = -1;
                    if (carriesDescriptor(type))
                    {
                        if (!_descriptors.TryDequeue(out descriptor))
                            throw new IOException("a frame that carries a descriptor came without one");
                    }
                    return true;
                }
                if (4 + length > _buffer.Length - _start) Compact(4 + length);
            }
            else if (_buffer.Length - _end < 4) Compact(4);
            if (!ReceiveMore())
            {
                version = 0;
                type = 0;
                payload = [];
                descriptor = -1;
                return false;
            }
        }
    }

    private void Compact(int need)
    {
        int available = _end - _start;
        var target = need > _buffer.Length ? new byte[Math.Max(need, _buffer.Length * 2)] : _buffer;
        Buffer.BlockCopy(_buffer, _start, target, 0, available);
        _buffer = target;
        _start = 0;
        _end = available;
    }

    private unsafe bool ReceiveMore()
    {
        const int controlSize = 16 + 64 * sizeof(int); // room for up to 64 descriptors at once
        byte* control = stackalloc byte[controlSize];
        fixed (byte* data = _buffer)
        {
            while (true)
            {
                var iov = new IoVec { Base = (nint)(data + _end), Length = (nuint)(_buffer.Length - _end) };
                var header = new MsgHdr { Iov = (nint)(&iov), IovLength = 1, Control = (nint)control, ControlLength = controlSize };
                if (!WaitReadable()) continue;
                nint n = recvmsg(Handle, &header, MsgCmsgCloexec);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    if (Volatile.Read(ref _disposed) != 0) return false;
                    throw new IOException($"receiving on the link failed: {new Win32Exception(errno).Message}");
                }
                TakeDescriptors(control, (int)header.ControlLength);
                if ((header.Flags & MsgCtrunc) != 0) throw new IOException("descriptors were truncated on the link");
                if (n == 0) return false;
                _end += (int)n;
                return true;
            }
        }
    }

    /// <summary>
    /// Waits in <c>poll</c> for data (or end of stream) before <c>recvmsg</c>, which then does not
    /// block. A thread blocked in <c>recvmsg</c> on a Unix stream socket is woken by every wake-up
    /// of the socket's queue, including "room to write" when the peer reads what this end sent; a
    /// <c>poll</c> for input only is not. Both ends of a link send and read, so each frame one end
    /// read woke the other's reader for nothing: measured (perf sched_wakeup, one-shot
    /// load; BENCHMARKS.md) 0.2-0.25 wasted wake-ups per request in the listener and in each worker.
    /// </summary>
    /// <returns>False when interrupted (try again).</returns>
    private unsafe bool WaitReadable()
    {
        var wanted = new PollFd { Descriptor = Handle, Events = PollIn };
        if (poll(&wanted, 1, -1) >= 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == EINTR) return false;
        if (Volatile.Read(ref _disposed) != 0) return true; // recvmsg fails and reports it as closed
        throw new IOException($"waiting on the link failed: {new Win32Exception(errno).Message}");
    }

    private unsafe void TakeDescriptors(byte* control, int length)
    {
        int offset = 0;
        while (offset + 16 <= length)
        {
            int cmsgLength = (int)*(nuint*)(control + offset);
            if (cmsgLength < 16) break;
            if (*(int*)(control + offset + 8) == SolSocket && *(int*)(control + offset + 12) == ScmRights)
                for (int at = 16; at + sizeof(int) <= cmsgLength; at += sizeof(int))
                    _descriptors.Enqueue(*(int*)(control + offset + at));
            offset += (cmsgLength + 7) & ~7;
        }
    }

    private int Handle => (int)_socket.SafeHandle.DangerousGetHandle();

    /// <summary>Closes the link: the peer reads end of stream; a blocked <see cref="Receive"/> returns false.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { /* already gone */ }
        lock (_sendLock) _socket.Dispose();
        while (_descriptors.TryDequeue(out var fd)) close(fd);
    }

    /// <summary>Closes a descriptor nobody adopted.</summary>
    public static void CloseDescriptor(int fd)
    {
        if (fd >= 0) close(fd);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int poll(PollFd* descriptors, nuint count, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint sendmsg(int socket, MsgHdr* message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint recvmsg(int socket, MsgHdr* message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
