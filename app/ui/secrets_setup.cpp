#include "secrets_setup.h"

#include "dialogs/passphrase_dialog.h"
#include "ui_logging.h"

#include "core/secrets/keychain_secret_store.h"
#include "core/secrets/passphrase_secret_store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>

namespace tidings::ui {

SecretsChoice chooseSecretStore(const QString &profileDir, int keychainTimeoutMs, QWidget *parent) {
    const QDir dir(profileDir);
    const QString plain = dir.filePath(QStringLiteral("secrets"));
    const QString sealed = dir.filePath(QStringLiteral("secrets.sealed"));
    if (QFileInfo::exists(plain))
        return {std::make_unique<client::FileSecretStore>(plain),
                QStringLiteral("profile file (tidings-cli)")};
    if (!QFileInfo::exists(sealed)) {
        // One keychain entry per profile directory.
        const QByteArray id =
            QCryptographicHash::hash(dir.absolutePath().toUtf8(), QCryptographicHash::Sha256)
                .toHex()
                .left(16);
        auto keychain = std::make_unique<client::KeychainSecretStore>(
            QStringLiteral("Tidings"), QString::fromLatin1(id), keychainTimeoutMs);
        if (keychain->probe())
            return {std::move(keychain), QStringLiteral("keychain")};
        qCInfo(lcUi) << "no keyring answered; using a passphrase file";
    }
    const bool create = !QFileInfo::exists(sealed);
    PassphraseDialog dialog(
        create ? PassphraseDialog::Mode::Create : PassphraseDialog::Mode::Unlock, parent);
    while (dialog.exec() == QDialog::Accepted) {
        auto store = create ? client::PassphraseSecretStore::create(sealed, dialog.passphrase())
                            : client::PassphraseSecretStore::unlock(sealed, dialog.passphrase());
        if (store)
            return {std::move(*store), QStringLiteral("passphrase file")};
        dialog.setError(store.error().code == ErrorCode::BadCredentials
                            ? QCoreApplication::translate("PassphraseDialog", "Wrong passphrase.")
                            : store.error().detail);
    }
    return {};
}

} // namespace tidings::ui
