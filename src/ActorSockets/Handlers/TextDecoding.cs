using System.Text;

namespace ActorSockets.Handlers;

/// <summary>
/// How handlers turn client bytes into text: strict UTF-8. Bytes that are not UTF-8 fail the
/// read with an <see cref="InvalidDataException"/> naming the client, instead of becoming
/// U+FFFD and passing on altered data; a handler that must accept any bytes reads bytes.
/// </summary>
internal static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes, string client)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException(
                $"Text from client {client} is not valid UTF-8 (invalid byte 0x{Convert.ToHexString(e.BytesUnknown ?? [])} in {bytes.Length} bytes); read bytes to accept any encoding.", e);
        }
    }
}
