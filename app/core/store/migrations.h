#pragma once
// The schema of client.sqlite, one numbered step per version (Database runs them).
#include "protocol/result.h"

namespace tidings::client {
class Database;
}

namespace tidings::client::detail {

//! Brings the file from its PRAGMA user_version to Database::kSchemaVersion in one transaction.
//! A file newer than this client is refused (Storage error), and nothing is changed.
Status migrate(Database &db);

//! Seals what a version before encryption at rest stored in plaintext (message texts, outbox
//! payloads), indexes it as blind tokens and writes the key check; then rewrites the file so no
//! old plaintext page remains. A new, empty file only gets its key check.
Status sealPlaintextCache(Database &db);

//! The settings key holding the key check of the encrypted store.
inline constexpr char kKeyCheckSetting[] = "store_key_check";

} // namespace tidings::client::detail
