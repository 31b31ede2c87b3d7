#pragma once
// Picks where this profile's device token lives, never hanging on a missing keyring:
//  1. a plain `secrets` file made by tidings-cli in the profile (the user chose that),
//  2. an existing `secrets.sealed` passphrase file (unlock it),
//  3. the OS keychain, when it answers within the timeout,
//  4. else a new passphrase file.
#include "core/secrets/secret_store.h"

#include <memory>

class QWidget;

namespace tidings::ui {

struct SecretsChoice {
    std::unique_ptr<client::SecretStore> store;
    QString description; //!< for the log: "keychain", "passphrase file", ...
};

//! Null store when the user cancelled the passphrase prompt.
SecretsChoice chooseSecretStore(const QString &profileDir, int keychainTimeoutMs,
                                QWidget *parent = nullptr);

} // namespace tidings::ui
