#pragma once
// Asks for the passphrase that protects the device key when no keyring answers (or the user
// would rather not use it): to choose one (new file, typed twice) or to unlock the existing file.
#include "protocol/result.h"

#include <QDialog>

#include <functional>
#include <memory>
#include <optional>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace tidings::client {
class PassphraseSecretStore;
} // namespace tidings::client

namespace tidings::ui {

class PassphraseDialog : public QDialog {
    Q_OBJECT
public:
    //! Create: no keyring answered. CreateInstead: the user chose a passphrase over the keyring.
    enum class Mode { Create, CreateInstead, Unlock };
    PassphraseDialog(Mode mode, QWidget *parent = nullptr);
    ~PassphraseDialog() override;
    QString passphrase() const;
    QLineEdit *passphraseEdit() const { return m_first; }
    QLineEdit *repeatEdit() const { return m_second; }
    void setError(const QString &text);
    QString errorText() const;

    //! Opening or creating the passphrase file: the key derivation takes seconds on purpose
    //! (Argon2id at libsodium's "sensitive" cost against offline guessing), so it runs off the
    //! event loop while the dialog says so; a wrong passphrase is shown here and asked again.
    //! The dialog is accepted once `work` succeeded; takeStore() hands over its result.
    using Work = std::function<Result<std::unique_ptr<client::PassphraseSecretStore>>(
        const QString &passphrase)>;
    void setWork(Work work);
    bool isWorking() const { return m_working; }
    //! The store `work` made (once, after accepted).
    std::unique_ptr<client::PassphraseSecretStore> takeStore();

private:
    void check();
    void setWorking(bool working);

    Mode m_mode;
    QLineEdit *m_first;
    QLineEdit *m_second = nullptr;
    QLabel *m_error;
    QLabel *m_status;
    QDialogButtonBox *m_buttons = nullptr;
    Work m_work;
    bool m_working = false;
    std::unique_ptr<client::PassphraseSecretStore> m_store;
};

} // namespace tidings::ui
