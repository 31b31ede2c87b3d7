#pragma once
// Asks for the passphrase that protects the device key when no keyring answers: to choose one
// (new file, typed twice) or to unlock the existing file.
#include <QDialog>

class QLabel;
class QLineEdit;

namespace tidings::ui {

class PassphraseDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Create, Unlock };
    PassphraseDialog(Mode mode, QWidget *parent = nullptr);
    QString passphrase() const;
    void setError(const QString &text);

private:
    void check();

    Mode m_mode;
    QLineEdit *m_first;
    QLineEdit *m_second = nullptr;
    QLabel *m_error;
};

} // namespace tidings::ui
