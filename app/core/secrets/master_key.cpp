#include "core/secrets/master_key.h"

#include <sodium.h>

namespace tidings::client {

namespace {
//! The SecretStore API hands out QByteArrays: copy into guarded memory and wipe our copy.
crypto::SecretBytes takeSecret(QByteArray &bytes) {
    crypto::SecretBytes key = crypto::SecretBytes::fromRaw(bytes.constData(), size_t(bytes.size()));
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), size_t(bytes.size()));
    bytes.clear();
    return key;
}
} // namespace

Result<crypto::SecretBytes> loadOrCreateMasterKey(SecretStore &secrets) {
    if (!crypto::ensureSodium())
        return Error{ErrorCode::Internal, QStringLiteral("libsodium failed to initialise")};
    auto stored = secrets.read(kMasterKeyKey);
    if (!stored)
        return stored.error();
    if (!stored->isEmpty()) {
        if (stored->size() != kMasterKeySize) {
            sodium_memzero(stored->data(), size_t(stored->size()));
            return Error{ErrorCode::Storage,
                         QStringLiteral("the stored local master key is damaged")};
        }
        crypto::SecretBytes key = takeSecret(*stored);
        if (key.size() != size_t(kMasterKeySize))
            return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
        return key;
    }
    crypto::SecretBytes key = crypto::SecretBytes::random(kMasterKeySize);
    if (key.size() != size_t(kMasterKeySize))
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    QByteArray copy(key.constChar(), int(key.size()));
    const Status written = secrets.write(kMasterKeyKey, copy);
    sodium_memzero(copy.data(), size_t(copy.size()));
    if (!written)
        return written.error();
    return key;
}

} // namespace tidings::client
