#pragma once
// The device's local master key: 32 random bytes kept in the SecretStore (the OS keychain or the
// Argon2id passphrase file on the desktop, a 0600 file in the profile directory for the CLI).
// Everything the client encrypts at rest (the Storage, E2E keys included) derives from it.
#include "core/secrets/secret_store.h"
#include "crypto/secret_bytes.h"
#include "protocol/result.h"

namespace tidings::client {

inline const QString kMasterKeyKey = QStringLiteral("local_master_key");
constexpr int kMasterKeySize = 32;

//! Reads the master key, or creates and stores a fresh one on first use. A stored value of the
//! wrong size is a Storage error (never silently replaced: the cache would become unreadable).
Result<crypto::SecretBytes> loadOrCreateMasterKey(SecretStore &secrets);

//! Checks a master key read from a store: the right size (Storage error otherwise) and really
//! allocated. Absent keys (empty) are not checked here.
Status checkMasterKey(const crypto::SecretBytes &key);
//! A fresh random master key (an Internal error when secure memory cannot be allocated).
Result<crypto::SecretBytes> newMasterKey();

} // namespace tidings::client
