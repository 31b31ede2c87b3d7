#pragma once
// Media encryption (design section 6): a fresh random key per file,
// crypto_secretstream_xchacha20poly1305 over 64 KiB plaintext chunks, TAG_FINAL on the last.
//
//   blob = u8 version(1) ‖ secretstream header(24) ‖ chunks (each plaintext chunk + 17 bytes)
//   the final chunk carries u64 pt_size (big-endian) as associated data
//
// The plaintext is zero-padded to a Padmé size bucket first (leaks O(log log n) bits of the
// size instead of the exact size); pt_size in the AttachmentPointer says where the file ends.
// Decryption checks the SHA-256 of the whole blob before producing any output, then rejects a
// blob that ends without TAG_FINAL (truncation), has data after it, or whose chunks were
// reordered or altered. Memory stays bounded by one chunk either way. On any error the caller
// must discard what was written to `out` (write to a temporary file, rename on success).
#include "crypto/primitives.h"

class QIODevice;

namespace tidings::crypto {

inline constexpr quint32 kMediaChunkSize = 64 * 1024;
inline constexpr std::uint8_t kMediaBlobVersion = 1;

//! Padmé bucket for a plaintext of n bytes (>= n, at most ~12% more).
quint64 paddedMediaSize(quint64 n);
//! Exact blob size for a plaintext of n bytes.
quint64 mediaBlobSize(quint64 plaintextSize);

struct MediaEncryption {
    SecretBytes key; //!< 32 bytes, goes into the AttachmentPointer inside the E2E message
    quint64 plaintextSize = 0;
    quint64 ciphertextSize = 0;
    QByteArray sha256; //!< of the whole blob
    quint32 chunkSize = kMediaChunkSize;
};

//! Reads exactly `plaintextSize` bytes from `in` and writes the blob to `out`.
Result<MediaEncryption> encryptMedia(QIODevice &in, quint64 plaintextSize, QIODevice &out);

//! `in` must be seekable (two passes: digest, then decryption). Writes `plaintextSize` bytes.
Status decryptMedia(QIODevice &in, QIODevice &out, const SecretBytes &key, const QByteArray &sha256,
                    quint64 plaintextSize);

} // namespace tidings::crypto
