#include "crypto/base32.h"

namespace tidings::crypto {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

//! The 5-bit value of one character, or -1. ASCII only: QChar::toUpper() would also map
//! characters such as U+0131 (dotless i) or U+017F (long s) onto letters of the alphabet, giving
//! one code several spellings.
int valueOf(QChar c) {
    const char16_t u = c.unicode();
    if (u >= u'A' && u <= u'Z')
        return u - u'A';
    if (u >= u'a' && u <= u'z')
        return u - u'a';
    if (u >= u'2' && u <= u'7')
        return 26 + (u - u'2');
    return -1;
}
} // namespace

QString base32Encode(const SecretBytes &bytes) {
    QString out;
    out.reserve(qsizetype((bytes.size() * 8 + 4) / 5));
    quint32 buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        buffer = (buffer << 8) | bytes.data()[i];
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(kAlphabet[(buffer >> (bits - 5)) & 31]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(kAlphabet[(buffer << (5 - bits)) & 31]));
    return out;
}

std::optional<SecretBytes> base32Decode(const QString &text, std::size_t size) {
    // Exactly the characters base32Encode writes for `size` bytes: one spelling per value.
    if (std::size_t(text.size()) != (size * 8 + 4) / 5)
        return std::nullopt;
    SecretBytes out(size);
    if (!out.valid())
        return std::nullopt;
    std::size_t n = 0;
    quint32 buffer = 0;
    int bits = 0;
    for (QChar c : text) {
        const int v = valueOf(c);
        if (v < 0)
            return std::nullopt;
        buffer = (buffer << 5) | quint32(v);
        bits += 5;
        if (bits >= 8) {
            out.data()[n++] = std::uint8_t(buffer >> (bits - 8));
            bits -= 8;
        }
    }
    // The pad bits of the last character must be zero, else two texts would decode alike.
    const bool padClear = (buffer & ((1u << bits) - 1)) == 0;
    if (n != size || !padClear)
        return std::nullopt;
    return out;
}

} // namespace tidings::crypto
