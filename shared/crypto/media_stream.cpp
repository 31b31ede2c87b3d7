#include "crypto/media_stream.h"

#include "crypto/sha256.h"

#include <QIODevice>

#include <sodium.h>

#include <bit>
#include <cstring>
#include <vector>

namespace tidings::crypto {

namespace {

constexpr std::size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kChunkOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kCtChunk = kMediaChunkSize + kChunkOverhead;

quint64 chunkCount(quint64 padded) {
    return padded == 0 ? 1 : (padded + kMediaChunkSize - 1) / kMediaChunkSize;
}

//! The final chunk authenticates pt_size, so a wrong size (e.g. one that would expose padding
//! as content) fails like any other tampering.
void sizeAdFor(quint64 plaintextSize, std::uint8_t out[8]) {
    for (int i = 0; i < 8; ++i)
        out[i] = std::uint8_t(plaintextSize >> (56 - 8 * i));
}

bool writeAll(QIODevice &out, const void *data, std::size_t n) {
    return out.write(static_cast<const char *>(data), qint64(n)) == qint64(n);
}

//! Reads up to n bytes (fewer only at end of input).
qint64 readUpTo(QIODevice &in, std::uint8_t *buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const qint64 r = in.read(reinterpret_cast<char *>(buf) + got, qint64(n - got));
        if (r < 0)
            return -1;
        if (r == 0 && !in.waitForReadyRead(0))
            break;
        got += std::size_t(r);
    }
    return qint64(got);
}

} // namespace

quint64 paddedMediaSize(quint64 n) {
    if (n < 2)
        return n;
    const int e = 63 - std::countl_zero(n);          // floor(log2 n)
    const int s = 64 - std::countl_zero(quint64(e)); // floor(log2 e) + 1
    const int lastBits = e - s;
    if (lastBits <= 0)
        return n;
    const quint64 mask = (quint64(1) << lastBits) - 1;
    return (n + mask) & ~mask;
}

quint64 mediaBlobSize(quint64 plaintextSize) {
    const quint64 padded = paddedMediaSize(plaintextSize);
    return 1 + kHeaderBytes + padded + chunkCount(padded) * kChunkOverhead;
}

Result<MediaEncryption> encryptMedia(QIODevice &in, quint64 plaintextSize, QIODevice &out) {
    ensureSodium();
    MediaEncryption result;
    result.key = SecretBytes(crypto_secretstream_xchacha20poly1305_KEYBYTES);
    SecretBytes stateBuf(sizeof(crypto_secretstream_xchacha20poly1305_state));
    if (!result.key.data() || !stateBuf.data())
        return makeError(CryptoError::Internal);
    crypto_secretstream_xchacha20poly1305_keygen(result.key.data());
    auto *state = reinterpret_cast<crypto_secretstream_xchacha20poly1305_state *>(stateBuf.data());
    Sha256 hash;

    std::uint8_t prefix[1 + kHeaderBytes];
    prefix[0] = kMediaBlobVersion;
    if (crypto_secretstream_xchacha20poly1305_init_push(state, prefix + 1, result.key.data()) != 0)
        return makeError(CryptoError::Internal, QStringLiteral("init_push"));
    hash.update(prefix, sizeof prefix);
    if (!writeAll(out, prefix, sizeof prefix))
        return makeError(CryptoError::Internal, QStringLiteral("write"));

    const quint64 padded = paddedMediaSize(plaintextSize);
    const quint64 chunks = chunkCount(padded);
    std::uint8_t sizeAd[8];
    sizeAdFor(plaintextSize, sizeAd);
    std::vector<std::uint8_t> pt(kMediaChunkSize), ct(kCtChunk);
    quint64 consumed = 0; // plaintext bytes read from `in`
    for (quint64 i = 0; i < chunks; ++i) {
        const std::size_t len =
            std::size_t(std::min<quint64>(kMediaChunkSize, padded - i * kMediaChunkSize));
        const std::size_t fromInput = std::size_t(std::min<quint64>(len, plaintextSize - consumed));
        if (fromInput && readUpTo(in, pt.data(), fromInput) != qint64(fromInput))
            return makeError(CryptoError::Malformed, QStringLiteral("input shorter than declared"));
        std::memset(pt.data() + fromInput, 0, len - fromInput); // padding
        consumed += fromInput;
        const std::uint8_t tag = i + 1 == chunks
                                     ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                     : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
        unsigned long long ctLen = 0;
        const bool last = i + 1 == chunks;
        if (crypto_secretstream_xchacha20poly1305_push(state, ct.data(), &ctLen, pt.data(), len,
                                                       last ? sizeAd : nullptr,
                                                       last ? sizeof sizeAd : 0, tag) != 0)
            return makeError(CryptoError::Internal, QStringLiteral("push"));
        hash.update(ct.data(), std::size_t(ctLen));
        if (!writeAll(out, ct.data(), std::size_t(ctLen)))
            return makeError(CryptoError::Internal, QStringLiteral("write"));
    }
    sodium_memzero(pt.data(), pt.size());
    result.sha256 = hash.final();
    result.plaintextSize = plaintextSize;
    result.ciphertextSize = mediaBlobSize(plaintextSize);
    return result;
}

Status decryptMedia(QIODevice &in, QIODevice &out, const SecretBytes &key, const QByteArray &sha256,
                    quint64 plaintextSize) {
    ensureSodium();
    if (key.size() != crypto_secretstream_xchacha20poly1305_KEYBYTES)
        return makeError(CryptoError::BadKey);
    if (in.isSequential() || !in.seek(0))
        return makeError(CryptoError::Malformed, QStringLiteral("blob must be seekable"));
    std::vector<std::uint8_t> ct(kCtChunk), pt(kMediaChunkSize);

    // Pass 1: the digest of the whole blob, before any output exists.
    Sha256 hash;
    for (;;) {
        const qint64 n = readUpTo(in, ct.data(), ct.size());
        if (n < 0)
            return makeError(CryptoError::Internal, QStringLiteral("read"));
        if (n == 0)
            break;
        hash.update(ct.data(), std::size_t(n));
    }
    const QByteArray digest = hash.final();
    if (!constantTimeEquals(BytesView(digest), sha256))
        return makeError(CryptoError::DigestMismatch);

    // Pass 2: decrypt.
    if (!in.seek(0))
        return makeError(CryptoError::Internal, QStringLiteral("seek"));
    std::uint8_t prefix[1 + kHeaderBytes];
    if (readUpTo(in, prefix, sizeof prefix) != qint64(sizeof prefix))
        return makeError(CryptoError::Truncated, QStringLiteral("no header"));
    if (prefix[0] != kMediaBlobVersion)
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("media blob"));
    SecretBytes stateBuf(sizeof(crypto_secretstream_xchacha20poly1305_state));
    auto *state = reinterpret_cast<crypto_secretstream_xchacha20poly1305_state *>(stateBuf.data());
    if (!state ||
        crypto_secretstream_xchacha20poly1305_init_pull(state, prefix + 1, key.data()) != 0)
        return makeError(CryptoError::DecryptFailed, QStringLiteral("header"));
    quint64 written = 0;
    const quint64 chunks = chunkCount(paddedMediaSize(plaintextSize));
    std::uint8_t sizeAd[8];
    sizeAdFor(plaintextSize, sizeAd);
    for (quint64 index = 0;; ++index) {
        const qint64 n = readUpTo(in, ct.data(), ct.size());
        if (n < 0)
            return makeError(CryptoError::Internal, QStringLiteral("read"));
        if (n == 0)
            return makeError(CryptoError::Truncated, QStringLiteral("no final chunk"));
        unsigned long long ptLen = 0;
        unsigned char tag = 0;
        const bool last = index + 1 == chunks;
        if (crypto_secretstream_xchacha20poly1305_pull(state, pt.data(), &ptLen, &tag, ct.data(),
                                                       quint64(n), last ? sizeAd : nullptr,
                                                       last ? sizeof sizeAd : 0) != 0)
            return makeError(CryptoError::DecryptFailed, QStringLiteral("chunk"));
        const std::size_t keep = std::size_t(std::min<quint64>(ptLen, plaintextSize - written));
        // Bytes past pt_size are padding and must be zero: one plaintext, one encoding.
        for (std::size_t i = keep; i < ptLen; ++i)
            if (pt[i] != 0)
                return makeError(CryptoError::Malformed, QStringLiteral("non-zero padding"));
        if (keep && !writeAll(out, pt.data(), keep))
            return makeError(CryptoError::Internal, QStringLiteral("write"));
        written += keep;
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
            if (!in.atEnd())
                return makeError(CryptoError::Malformed, QStringLiteral("data after final chunk"));
            break;
        }
    }
    sodium_memzero(pt.data(), pt.size());
    if (written != plaintextSize)
        return makeError(CryptoError::Truncated, QStringLiteral("shorter than pt_size"));
    return {};
}

} // namespace tidings::crypto
