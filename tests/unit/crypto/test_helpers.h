#pragma once
// Shared helpers for the crypto unit tests: hex in/out and byte flipping.
#include "crypto/secret_bytes.h"

#include <QByteArray>

namespace tidings::crypto::testing {

inline QByteArray hex(const char *h) {
    return QByteArray::fromHex(QByteArray(h));
}
inline SecretBytes secretHex(const char *h) {
    const QByteArray b = hex(h);
    return SecretBytes::fromRaw(b.constData(), std::size_t(b.size()));
}
inline QByteArray toHex(const SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size())).toHex();
}
inline QByteArray toQByteArray(const SecretBytes &s) {
    return QByteArray(s.constChar(), qsizetype(s.size()));
}
//! Signal serialises Curve25519 public keys with a 0x05 type byte.
inline QByteArray signalPublic(const char *h) {
    return hex(h).mid(1);
}
inline QByteArray flipBit(QByteArray b, qsizetype bit) {
    b[bit / 8] = char(b[bit / 8] ^ (1 << (bit % 8)));
    return b;
}
//! Whether `haystack` contains the bytes of `needle` anywhere.
inline bool containsBytes(const SecretBytes &haystack, const SecretBytes &needle) {
    if (needle.size() == 0 || haystack.size() < needle.size())
        return false;
    const QByteArrayView h(haystack.constChar(), qsizetype(haystack.size()));
    return h.indexOf(QByteArrayView(needle.constChar(), qsizetype(needle.size()))) >= 0;
}

} // namespace tidings::crypto::testing
