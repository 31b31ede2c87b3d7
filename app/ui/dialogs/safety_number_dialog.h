#pragma once
// "Verify security code": the 60-digit safety number with one person, grouped 12 × 5 to be read
// out or compared side by side, and "Mark as verified" (or clearing it). A verified person whose
// account key changes gets no messages until the change is acknowledged in the chat.
#include "core/client_types.h"

#include <QDialog>

class QLabel;
class QPushButton;

namespace tidings::client {
class Keys;
} // namespace tidings::client

namespace tidings::ui {

class SafetyNumberDialog : public QDialog {
    Q_OBJECT
public:
    SafetyNumberDialog(client::Keys *keys, const QString &username, const QString &displayName,
                       QWidget *parent = nullptr);

    //! The digits as shown: 12 groups of 5, four groups a line; empty until loaded.
    QString digits() const;
    QString status() const;
    bool isVerified() const { return m_info.verified; }
    QPushButton *verifyButton() const { return m_verify; }
    //! "12345 67890 …" in 3 lines of 4 groups; empty unless `digits` has exactly 60 digits.
    static QString grouped(const QString &digits);

signals:
    void verifiedChanged(const QString &username, bool verified);

private:
    void load();
    void display(const client::SafetyNumberInfo &info);
    void toggleVerified();

    client::Keys *m_keys;
    QString m_username;
    QString m_name;
    client::SafetyNumberInfo m_info;
    QLabel *m_digits;
    QLabel *m_status;
    QPushButton *m_verify;
};

} // namespace tidings::ui
