#pragma once
// Asks for the passphrase that protects the device key when no keyring answers (or the user
// would rather not use it): to choose one (new file, typed twice) or to unlock the existing file.
#include <QDialog>

class QLabel;
class QLineEdit;

namespace tidings::ui {

class PassphraseDialog : public QDialog {
    Q_OBJECT
public:
    //! Create: no keyring answered. CreateInstead: the user chose a passphrase over the keyring.
    enum class Mode { Create, CreateInstead, Unlock };
    PassphraseDialog(Mode mode, QWidget *parent = nullptr);
    QString passphrase() const;
    QLineEdit *passphraseEdit() const { return m_first; }
    QLineEdit *repeatEdit() const { return m_second; }
    void setError(const QString &text);
    QString errorText() const;

private:
    void check();

    Mode m_mode;
    QLineEdit *m_first;
    QLineEdit *m_second = nullptr;
    QLabel *m_error;
};

} // namespace tidings::ui
