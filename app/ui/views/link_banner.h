#pragma once
// A bar above the chats on a device that logged in but holds no account key yet: it cannot read
// or send encrypted messages until another of my devices shows a link code and it is typed here.
// Hides itself once the client has the account key.
#include "protocol/result.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace tidings::ui {

class Session;

class LinkBanner : public QWidget {
    Q_OBJECT
public:
    explicit LinkBanner(Session *session, QWidget *parent = nullptr);

    QLineEdit *codeEdit() const { return m_code; }
    QPushButton *linkButton() const { return m_link; }
    QString errorText() const;
    //! What a person reads when linkDevice() failed.
    static QString errorText(const Error &error);
    //! Shows the bar exactly while the profile has an account but this device is not linked.
    void refresh();

signals:
    void linked();

private:
    void submit();

    Session *m_session;
    QLabel *m_text;
    QLineEdit *m_code;
    QPushButton *m_link;
    QLabel *m_error;
    bool m_busy = false;
};

} // namespace tidings::ui
