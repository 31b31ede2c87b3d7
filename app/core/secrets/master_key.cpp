#include "core/secrets/master_key.h"

#include <sodium.h>

namespace tidings::client {

Status checkMasterKey(const crypto::SecretBytes &key) {
    if (!key.valid())
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    if (key.size() != size_t(kMasterKeySize))
        return Error{ErrorCode::Storage, QStringLiteral("the stored local master key is damaged")};
    return {};
}

Result<crypto::SecretBytes> newMasterKey() {
    if (!crypto::ensureSodium())
        return Error{ErrorCode::Internal, QStringLiteral("libsodium failed to initialise")};
    crypto::SecretBytes key = crypto::SecretBytes::random(kMasterKeySize);
    if (key.size() != size_t(kMasterKeySize))
        return Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")};
    return key;
}

Result<crypto::SecretBytes> loadOrCreateMasterKey(SecretStore &secrets) {
    if (!crypto::ensureSodium())
        return Error{ErrorCode::Internal, QStringLiteral("libsodium failed to initialise")};
    auto stored = secrets.readSecret(kMasterKeyKey);
    if (!stored)
        return stored.error();
    if (!stored->isEmpty()) {
        if (auto s = checkMasterKey(*stored); !s)
            return s.error();
        return std::move(*stored);
    }
    auto key = newMasterKey();
    if (!key)
        return key.error();
    QByteArray copy(key->constChar(), int(key->size()));
    const Status written = secrets.write(kMasterKeyKey, copy);
    sodium_memzero(copy.data(), size_t(copy.size()));
    if (!written)
        return written.error();
    return key;
}

} // namespace tidings::client
