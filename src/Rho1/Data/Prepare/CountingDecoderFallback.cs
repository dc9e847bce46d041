// A UTF-8 decoder fallback that replaces each invalid byte sequence with U+FFFD, like the default one, but
// counts the replacements so that prepare can warn once and record the total in meta.json.
using System.Text;

namespace Rho1.Data.Prepare;

internal sealed class CountingDecoderFallback : DecoderFallback
{
    long _count;

    public long Count => Interlocked.Read(ref _count);

    public override int MaxCharCount => 1;

    public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(this);

    /// <summary>A UTF-8 encoding (BOM skipped when present) that reports invalid input to this fallback.</summary>
    public Encoding Utf8()
    {
        var encoding = (Encoding)new UTF8Encoding(encoderShouldEmitUTF8Identifier: true).Clone();
        encoding.DecoderFallback = this;
        return encoding;
    }

    sealed class Buffer(CountingDecoderFallback owner) : DecoderFallbackBuffer
    {
        int _remaining;

        public override int Remaining => _remaining;

        public override bool Fallback(byte[] bytesUnknown, int index)
        {
            Interlocked.Increment(ref owner._count);
            _remaining = 1;
            return true;
        }

        public override char GetNextChar()
        {
            if (_remaining == 0)
                return '\0';
            _remaining--;
            return '\uFFFD';
        }

        public override bool MovePrevious()
        {
            if (_remaining != 0)
                return false;
            _remaining = 1;
            return true;
        }

        public override void Reset() => _remaining = 0;
    }
}
