#pragma once
// Who has my message and since when: one row per recipient with the times its delivery and read
// receipts covered the message (recorded locally from ReceiptPush.server_time_ms; a dash when
// the time is not known), and for a group "read by 3 of 5" from the server.
#include "core/store/records.h"

#include <QDialog>

class QLabel;
class QTreeWidget;

namespace tidings::client {
class Groups;
} // namespace tidings::client

namespace tidings::ui {

class MessageModel;

class MessageInfoDialog : public QDialog {
    Q_OBJECT
public:
    //! `message` of the chat open in `messages`; a group's "read by" comes from `groups`.
    MessageInfoDialog(MessageModel *messages, client::Groups *groups,
                      const client::MessageRecord &message, QWidget *parent = nullptr);
    QString summary() const;
    int recipientCount() const;
    //! Name, delivered, read as shown.
    QStringList recipientRow(int row) const;

private:
    void addRow(const QString &who, const QString &delivered, const QString &read);

    QLabel *m_summary;
    QTreeWidget *m_members;
};

} // namespace tidings::ui
