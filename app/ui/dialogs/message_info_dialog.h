#pragma once
// Who has my message and since when: one row per recipient with the times its delivery and read
// receipts covered the message (recorded locally from ReceiptPush.server_time_ms; a dash when
// the time is not known), and for a group "read by 3 of 5" from the server.
#include "core/store/records.h"

#include <QDialog>

class QLabel;
class QTreeWidget;

namespace tidings::ui {

class Session;

class MessageInfoDialog : public QDialog {
    Q_OBJECT
public:
    MessageInfoDialog(Session *session, const client::ConversationRecord &conversation,
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
