#pragma once
// The settings page: who may register (open, by invitation, closed), how long history and media
// are kept, and invite codes (create one to hand out, see the ones still working, revoke one).
#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace tidings::admin {

class AdminClient;

class SettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit SettingsPage(AdminClient *client, QWidget *parent = nullptr);

    void refresh();
    QComboBox *registrationBox() const { return m_registration; }
    QSpinBox *retentionBox() const { return m_retention; }
    QSpinBox *mediaRetentionBox() const { return m_mediaRetention; }
    QPushButton *applyButton() const { return m_apply; }
    QPushButton *createInviteButton() const { return m_createInvite; }
    QTableWidget *invitesTable() const { return m_invites; }
    //! The code of the invite created last (shown once, to copy).
    QString lastInviteCode() const;
    QString message() const;

private:
    void apply();
    void createInvite();
    void revokeInvite();

    AdminClient *m_client;
    QComboBox *m_registration;
    QSpinBox *m_retention;
    QSpinBox *m_mediaRetention;
    QPushButton *m_apply;
    QSpinBox *m_uses;
    QSpinBox *m_days;
    QLineEdit *m_note;
    QPushButton *m_createInvite;
    QLineEdit *m_code;
    QPushButton *m_copyCode;
    QTableWidget *m_invites;
    QPushButton *m_revoke;
    QLabel *m_message;
};

} // namespace tidings::admin
